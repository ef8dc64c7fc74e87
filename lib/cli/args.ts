/**
 * Command-line parsing for see-kit: `<command> [positionals] [--flag value | --flag=value |
 * --switch]`; `--set key=value` may repeat. Unknown flags are errors naming the known ones.
 */
export interface ParsedArgs {
  command: string;
  positionals: string[];
  flags: Record<string, string | true>;
  sets: string[];
}

export function parseArgs(argv: string[], known: Record<string, 'value' | 'switch'>): ParsedArgs {
  const [command = 'help', ...rest] = argv;
  const out: ParsedArgs = { command, positionals: [], flags: {}, sets: [] };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const kind = known[name];
    if (!kind)
      throw new Error(
        `unknown option --${name}; known: ${Object.keys(known)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    let value: string | true = true;
    if (kind === 'value') {
      if (eq > 0) value = a.slice(eq + 1);
      else if (i + 1 < rest.length) value = rest[++i];
      else throw new Error(`option --${name} needs a value`);
    } else if (eq > 0) {
      throw new Error(`option --${name} takes no value`);
    }
    if (name === 'set') out.sets.push(value as string);
    else out.flags[name] = value;
  }
  return out;
}
