/**
 * CLI for the notebooks' exercises (scripts/notebooks/ci_exercises.sh):
 *   exercises_cli.ts splice <out-dir> <notebook.ipynb>...    writes each notebook that has exercises to
 *       <out-dir> with its solutions (notebooks/solutions/<name>.ts) in place of the stubs; lists the others
 *   exercises_cli.ts outcomes unsolved|solved <executed.ipynb>...   every check printed NOT SOLVED YET
 *       (as committed) or PASS (with the solutions)
 * Exit 1 with one line per problem.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readNotebook } from './check_notebooks';
import { findExercises, outcomeProblems, spliceFromFile, type ExpectedOutcome } from './exercises';

function splice(outDir: string, files: string[]): number {
  mkdirSync(outDir, { recursive: true });
  let problems = 0;
  for (const file of files) {
    try {
      const nb = readNotebook(file);
      const count = findExercises(nb, file).length;
      if (count === 0) {
        console.log(`skip ${file}: no exercises`);
        continue;
      }
      const solved = spliceFromFile(nb, file, join(dirname(file), 'solutions'));
      writeFileSync(join(outDir, basename(file)), `${JSON.stringify(solved, null, 1)}\n`);
      console.log(`ok   ${file}: ${count} solution(s) spliced into ${join(outDir, basename(file))}`);
    } catch (e) {
      console.log(`FAIL ${(e as Error).message}`);
      problems++;
    }
  }
  return problems;
}

function outcomes(expected: ExpectedOutcome, files: string[]): number {
  let problems = 0;
  for (const file of files) {
    const nb = readNotebook(file);
    const count = findExercises(nb, file).length;
    const found = outcomeProblems(nb, expected, file);
    if (count > 0 && found.length === 0) console.log(`ok   ${file}: ${count} check(s) ${expected === 'solved' ? 'PASS' : 'NOT SOLVED YET'}`);
    for (const p of found) console.log(`FAIL ${p}`);
    problems += found.length;
  }
  return problems;
}

function main(argv: string[]): number {
  const [command, arg, ...files] = argv;
  if (command === 'splice' && arg && files.length > 0) return splice(arg, files) === 0 ? 0 : 1;
  if (command === 'outcomes' && (arg === 'unsolved' || arg === 'solved') && files.length > 0) return outcomes(arg, files) === 0 ? 0 : 1;
  console.error('usage: exercises_cli.ts splice <out-dir> <notebook.ipynb>... | outcomes unsolved|solved <executed.ipynb>...');
  return 2;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
