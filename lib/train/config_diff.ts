/**
 * Differences between two JSON configurations, by key path (`train.lr`, `loss.options.lambda`), for
 * refusing a resume whose configuration is not the one the run was trained with.
 */

export interface ConfigDifference {
  key: string;
  /** JSON of the value in the run (undefined: the key is absent there) */
  run: string | undefined;
  now: string | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Every key path whose value differs (objects compared key by key; arrays and scalars as JSON). */
export function configDifferences(run: unknown, now: unknown, ignore: readonly string[] = [], prefix = ''): ConfigDifference[] {
  if (isObject(run) && isObject(now)) {
    const keys = [...new Set([...Object.keys(run), ...Object.keys(now)])];
    return keys.flatMap((k) => {
      const key = prefix + k;
      return ignore.includes(key) ? [] : configDifferences(run[k], now[k], ignore, `${key}.`);
    });
  }
  const [a, b] = [JSON.stringify(run), JSON.stringify(now)];
  return a === b ? [] : [{ key: prefix.replace(/\.$/, '') || '(whole configuration)', run: a, now: b }];
}

/** Throws an error listing the differing keys with both values; `what` names the two sides. */
export function assertSameConfig(run: unknown, now: unknown, what: { run: string; now: string }, ignore: readonly string[] = []): void {
  const diffs = configDifferences(run, now, ignore);
  if (diffs.length === 0) return;
  const lines = diffs.map((d) => `  ${d.key}: ${d.run ?? '(absent)'} in ${what.run}, ${d.now ?? '(absent)'} in ${what.now}`);
  throw new Error(
    `the configuration differs from ${what.run} in ${diffs.length} key(s):\n${lines.join('\n')}\n` +
      'a resumed run must continue with the configuration it was trained with; start a new run (another --run-id) to change it',
  );
}
