/**
 * The exercise sections of the notebooks, for CI and the tests. A notebook's section starts at the
 * markdown cell with id `exercises` and runs to the end: an import cell (`exercises-import`), then
 * per exercise NN.k a task (`exNN-k-task`), a stub (`exNN-k-stub`, a function whose body calls
 * notSolved()) and a check (`exNN-k-check`, `checkExercise({ id: 'NN.k', ... }, fn)`).
 * Solutions: notebooks/solutions/<notebook>.ts, one section per exercise from a line
 * `// @exercise NN.k` to the next; each replaces its stub cell. Nothing here knows which notebooks
 * have exercises: a new notebook only needs the cells and a solutions file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { joinText, type Notebook, type NotebookCell } from './notebook_check';
import { parseCheckLines, type CheckStatus } from '../../lib/teaching/report';

export interface ExerciseCells {
  id: string;
  /** indexes into nb.cells */
  stub: number;
  check: number;
  /** the function the stub declares and the check is given */
  functionName: string;
}

const STUB_ID = /^ex(\d\d)-(\d+)-stub$/;

/** The index of the `exercises` markdown cell, or -1 when the notebook has no exercises. */
export function exerciseSectionStart(nb: Notebook): number {
  return nb.cells.findIndex((c) => cellId(c) === 'exercises');
}

function cellId(c: NotebookCell): string | undefined {
  return (c as NotebookCell & { id?: string }).id;
}

/** The declared function of a stub or solution: the name after the first `function`. */
export function declaredFunction(source: string): string | undefined {
  return /\bfunction\s+([A-Za-z_$][\w$]*)\s*\(/.exec(source)?.[1];
}

/** Every exercise of a notebook, in order; throws naming the cell when the cells do not fit together. */
export function findExercises(nb: Notebook, file = 'notebook'): ExerciseCells[] {
  const out: ExerciseCells[] = [];
  nb.cells.forEach((c, i) => {
    const m = STUB_ID.exec(cellId(c) ?? '');
    if (!m) return;
    const id = `${m[1]}.${m[2]}`;
    const checkId = `ex${m[1]}-${m[2]}-check`;
    const check = nb.cells.findIndex((x) => cellId(x) === checkId);
    if (check < 0) throw new Error(`${file}: exercise ${id} has a stub cell but no check cell "${checkId}"`);
    const source = joinText(c.source);
    const fn = declaredFunction(source);
    if (!fn) throw new Error(`${file}: the stub of exercise ${id} declares no function`);
    const checkSource = joinText(nb.cells[check].source);
    if (!new RegExp(`id: '${id.replace('.', '\\.')}'`).test(checkSource)) throw new Error(`${file}: the check cell of exercise ${id} does not check id '${id}'`);
    if (!new RegExp(`\\b${fn}\\)\\s*;?\\s*$`).test(checkSource)) throw new Error(`${file}: the check cell of exercise ${id} does not end by checking ${fn}`);
    out.push({ id, stub: i, check, functionName: fn });
  });
  return out;
}

/** The sections of a solutions file: exercise id -> source. */
export function parseSolutions(text: string, file = 'solutions'): Map<string, string> {
  const out = new Map<string, string>();
  const parts = text.split(/^\/\/ @exercise (\S+)[^\S\n]*$/m);
  for (let k = 1; k < parts.length; k += 2) {
    const id = parts[k];
    if (!/^\d\d\.\d+$/.test(id)) throw new Error(`${file}: "// @exercise ${id}": expected an id like 02.1`);
    if (out.has(id)) throw new Error(`${file}: exercise ${id} has two sections`);
    const source = parts[k + 1].trim();
    if (source === '') throw new Error(`${file}: the section of exercise ${id} is empty`);
    out.set(id, source);
  }
  return out;
}

/** notebooks/solutions/<name>.ts beside a notebook notebooks/<name>.ipynb. */
export function solutionsFileFor(notebookPath: string, solutionsDir: string): string {
  return join(solutionsDir, `${basename(notebookPath, '.ipynb')}.ts`);
}

/**
 * A copy of the notebook with every stub replaced by its solution. Throws when an exercise has no
 * solution, a solution has no exercise, or a solution declares another function than its stub.
 */
export function spliceSolutions(nb: Notebook, solutions: Map<string, string>, file = 'notebook'): Notebook {
  const exercises = findExercises(nb, file);
  const known = new Set(exercises.map((e) => e.id));
  const extra = [...solutions.keys()].filter((id) => !known.has(id));
  if (extra.length) throw new Error(`${file}: solutions for exercise(s) ${extra.join(', ')} that the notebook does not have`);
  const out: Notebook = JSON.parse(JSON.stringify(nb)) as Notebook;
  for (const e of exercises) {
    const source = solutions.get(e.id);
    if (source === undefined) throw new Error(`${file}: exercise ${e.id} has no solution`);
    const fn = declaredFunction(source);
    if (fn !== e.functionName) throw new Error(`${file}: the solution of exercise ${e.id} declares ${fn ?? 'no function'}, the stub ${e.functionName}`);
    out.cells[e.stub].source = source;
  }
  return out;
}

/** Reads the notebook's solutions file and splices it in; throws when the file is missing. */
export function spliceFromFile(nb: Notebook, notebookPath: string, solutionsDir: string): Notebook {
  const file = solutionsFileFor(notebookPath, solutionsDir);
  if (!existsSync(file)) throw new Error(`${notebookPath}: has exercises but no solutions file ${file}`);
  return spliceSolutions(nb, parseSolutions(readFileSync(file, 'utf8'), file), notebookPath);
}

/**
 * The exercise section's code cells as one TypeScript module a plain `node --import tsx` can run:
 * import statements first (the kit's with `libPath`), `require('tsx/cjs')` dropped, the rest in an
 * async function (cells use top-level await), exported as `done`. Proves the section needs nothing
 * from the cells above it.
 */
export function exerciseModule(nb: Notebook, libPath: string): string {
  const start = exerciseSectionStart(nb);
  if (start < 0) throw new Error('the notebook has no exercises cell');
  const imports: string[] = [];
  const body: string[] = [];
  for (const cell of nb.cells.slice(start)) {
    if (cell.cell_type !== 'code') continue;
    let source = joinText(cell.source).replace(/^require\('tsx\/cjs'\);\s*$/m, '');
    source = source.replace(/^import [\s\S]*? from '([^']+)';?[^\S\n]*$/gm, (statement, from: string) => {
      imports.push(from === 'see-kit/lib' ? statement.replace(`'see-kit/lib'`, JSON.stringify(libPath)) : statement);
      return '';
    });
    body.push(source);
  }
  return `${imports.join('\n')}\nexport const done = (async () => {\n${body.join('\n')}\n})();\n`;
}

export type ExpectedOutcome = 'unsolved' | 'solved';

/**
 * Problems with the check lines of an executed notebook: each exercise's check cell must print exactly
 * one line for its id, NOT SOLVED YET as committed ('unsolved') and PASS with the solutions ('solved').
 */
export function outcomeProblems(nb: Notebook, expected: ExpectedOutcome, file = 'notebook'): string[] {
  const want: CheckStatus = expected === 'solved' ? 'PASS' : 'NOT SOLVED YET';
  const problems: string[] = [];
  for (const e of findExercises(nb, file)) {
    const text = (nb.cells[e.check].outputs ?? []).filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => joinText(o.text)).join('');
    const lines = parseCheckLines(text).filter((l) => l.id === e.id);
    if (lines.length !== 1) {
      problems.push(`${file}: exercise ${e.id}: ${lines.length} check lines printed, expected 1${text.trim() ? ` (output: ${text.trim().slice(0, 200)})` : ' (no output: did an earlier cell fail?)'}`);
    } else if (lines[0].status !== want) {
      problems.push(`${file}: exercise ${e.id}: ${lines[0].status}, expected ${want}: ${lines[0].detail}`);
    }
  }
  return problems;
}
