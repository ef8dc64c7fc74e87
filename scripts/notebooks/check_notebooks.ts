/**
 * CLI: `check_notebooks.ts executed <nb.ipynb...>` checks executed notebooks (every code cell
 * ran, no error); `check_notebooks.ts source <nb.ipynb...>` checks committed ones (no outputs,
 * tslab kernel, QUICK switch, purpose/Inputs/Outputs header). Exit 1 with one line per problem.
 */
import { readFileSync } from 'node:fs';
import { checkExecuted, checkSource, formatFindings, type Notebook } from './notebook_check';

export function readNotebook(path: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not readable notebook JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as Notebook).cells)) {
    throw new Error(`${path}: not an nbformat 4 notebook (no "cells" array)`);
  }
  return parsed as Notebook;
}

function main(argv: string[]): number {
  const [mode, ...files] = argv;
  if ((mode !== 'executed' && mode !== 'source') || files.length === 0) {
    console.error('usage: check_notebooks.ts executed|source <notebook.ipynb>...');
    return 2;
  }
  let problems = 0;
  for (const file of files) {
    const nb = readNotebook(file);
    const findings = mode === 'executed' ? checkExecuted(nb) : checkSource(nb);
    const codeCount = nb.cells.filter((c) => c.cell_type === 'code').length;
    if (findings.length === 0) console.log(`ok   ${file}: ${codeCount} code cells ${mode === 'executed' ? 'ran without error' : 'clean'}`);
    for (const line of formatFindings(file, findings)) console.log(`FAIL ${line}`);
    problems += findings.length;
  }
  return problems === 0 ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
