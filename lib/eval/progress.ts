/**
 * Progress of long evaluations: an optional callback, and a default that prints one line to
 * stderr at most every `intervalSeconds` once an evaluation has run that long.
 */
export interface EvalProgress {
  phase: string;
  done: number;
  total: number;
  elapsedSeconds: number;
}

export type ProgressCallback = (p: EvalProgress) => void;

export function stderrProgress(intervalSeconds = 5): ProgressCallback {
  let last = 0;
  return (p) => {
    const finished = p.done >= p.total;
    if (p.elapsedSeconds < intervalSeconds || (!finished && p.elapsedSeconds - last < intervalSeconds)) return;
    if (finished && last === 0) return; // short job: stay quiet
    last = p.elapsedSeconds;
    const frac = p.total > 0 ? p.done / p.total : 1;
    const eta = frac > 0 ? (p.elapsedSeconds * (1 - frac)) / frac : NaN;
    process.stderr.write(
      `[eval] ${p.phase}: ${p.done}/${p.total} (${(100 * frac).toFixed(0)}%), ` +
        `${p.elapsedSeconds.toFixed(0)} s elapsed${finished ? '' : `, ~${eta.toFixed(0)} s left`}\n`,
    );
  };
}
