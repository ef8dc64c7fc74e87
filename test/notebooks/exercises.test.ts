/**
 * The notebooks' exercises: where they sit (the end of every notebook from 01 on, 2-4 each), that the
 * stubs, checks and solutions fit together, and that the section runs by itself — as committed every
 * check prints NOT SOLVED YET, with the solutions spliced in every check prints PASS. (CI runs the same
 * two ways through Jupyter: scripts/notebooks/ci_exercises.sh.)
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../lib/tf';
import { readNotebook } from '../../scripts/notebooks/check_notebooks';
import { exerciseSectionStart, findExercises, outcomeProblems, parseSolutions, spliceFromFile, spliceSolutions } from '../../scripts/notebooks/exercises';
import { joinText, type Notebook } from '../../scripts/notebooks/notebook_check';
import { runExerciseSection } from '../helpers/exercise_section';

const DIR = join(__dirname, '..', '..', 'notebooks');
const SOLUTIONS = join(DIR, 'solutions');
const notebooks = readdirSync(DIR).filter((f) => /^\d\d_\w+\.ipynb$/.test(f)).sort();
const withExercises = notebooks.filter((f) => f >= '01');

before(async () => {
  process.env.SEE_BACKEND = 'cpu'; // the sections' import cell initialises the backend SEE_BACKEND names
  await initBackend('cpu', { quiet: true });
});

function cellId(nb: Notebook, i: number): string {
  return (nb.cells[i] as { id?: string }).id ?? '';
}

test('every notebook from 01 on ends with 2-4 exercises NN.1..NN.k: task, stub calling notSolved(), check', () => {
  assert.ok(withExercises.length >= 7, withExercises.join(' '));
  for (const f of withExercises) {
    const nb = readNotebook(join(DIR, f));
    const start = exerciseSectionStart(nb);
    assert.ok(start > 0, `${f}: no "exercises" cell (every notebook from 01 on ends with exercises: notebooks/README.md, "Adding exercises")`);
    assert.match(joinText(nb.cells[start].source), /^## Exercises\n/, `${f}: the section starts with an "## Exercises" heading`);
    const exercises = findExercises(nb, f);
    assert.ok(exercises.length >= 2 && exercises.length <= 4, `${f}: ${exercises.length} exercises`);
    assert.deepEqual(exercises.map((e) => e.id), exercises.map((_, k) => `${f.slice(0, 2)}.${k + 1}`));
    const expectedIds = ['exercises', 'exercises-import', ...exercises.flatMap((e) => ['task', 'stub', 'check'].map((r) => `ex${e.id.replace('.', '-')}-${r}`))];
    assert.deepEqual(nb.cells.slice(start).map((_, i) => cellId(nb, start + i)), expectedIds, `${f}: the exercise cells, in order, at the end`);
    for (const e of exercises) assert.match(joinText(nb.cells[e.stub].source), /return notSolved\(\);/, `${f}: stub of ${e.id}`);
  }
});

test('every notebook with exercises has a solutions file with one section per exercise, and no solutions file is orphaned', () => {
  for (const f of withExercises) {
    const nb = readNotebook(join(DIR, f));
    const solved = spliceFromFile(nb, join(DIR, f), SOLUTIONS);
    for (const e of findExercises(solved, f)) assert.doesNotMatch(joinText(solved.cells[e.stub].source), /notSolved\(\)/, `${f}: ${e.id}`);
  }
  for (const s of readdirSync(SOLUTIONS)) assert.ok(existsSync(join(DIR, s.replace(/\.ts$/, '.ipynb'))), `solutions/${s} has no notebook`);
});

for (const f of withExercises) {
  test(`${f}: the exercise section runs by itself: NOT SOLVED YET as committed, PASS with the solutions`, async () => {
    const nb = readNotebook(join(DIR, f));
    const ids = findExercises(nb, f).map((e) => e.id);
    const committed = await runExerciseSection(nb);
    assert.deepEqual(committed.lines.map((l) => [l.id, l.status]), ids.map((id) => [id, 'NOT SOLVED YET']), committed.printed);
    const solved = await runExerciseSection(spliceFromFile(nb, join(DIR, f), SOLUTIONS));
    assert.deepEqual(solved.lines.map((l) => [l.id, l.status]), ids.map((id) => [id, 'PASS']), solved.printed);
  });
}

test('solutions files: sections by "// @exercise NN.k"; bad ids, duplicates, empty sections, strays and renamed functions are errors', () => {
  const text = '// header, ignored\n\n// @exercise 02.1\nfunction a(): number {\n  return 1;\n}\n\n// @exercise 02.2\nfunction b(): number { return 2; }\n';
  assert.deepEqual([...parseSolutions(text)], [['02.1', 'function a(): number {\n  return 1;\n}'], ['02.2', 'function b(): number { return 2; }']]);
  assert.throws(() => parseSolutions('// @exercise 2.1\nx'), /expected an id like 02\.1/);
  assert.throws(() => parseSolutions('// @exercise 02.1\nx\n// @exercise 02.1\ny'), /two sections/);
  assert.throws(() => parseSolutions('// @exercise 02.1\n\n'), /empty/);
  const nb = readNotebook(join(DIR, '02_see_geometry.ipynb'));
  const all = parseSolutions(`// @exercise 02.1\nfunction simplexByHand(n: number) {}\n// @exercise 02.2\nfunction expandByHand() {}\n// @exercise 02.3\nfunction selectPlanOne() {}`);
  assert.doesNotThrow(() => spliceSolutions(nb, all));
  const missing = new Map(all);
  missing.delete('02.3');
  assert.throws(() => spliceSolutions(nb, missing, '02'), /02: exercise 02\.3 has no solution/);
  assert.throws(() => spliceSolutions(nb, new Map([...all, ['02.9', 'function z() {}']])), /exercise\(s\) 02\.9 that the notebook does not have/);
  assert.throws(() => spliceSolutions(nb, new Map([...all, ['02.1', 'function other() {}']])), /declares other, the stub simplexByHand/);
});

test('outcomes read from an executed notebook: one line per check, with the expected status', () => {
  const nb = readNotebook(join(DIR, '07_ablations.ipynb'));
  const [a, b] = findExercises(nb);
  const out = (text: string) => [{ output_type: 'stream', name: 'stdout', text: [text] }];
  const line = (id: string, status: string) => `exercise ${id} · t: ${status} — detail\n`;
  nb.cells[a.check].outputs = out(line('07.1', 'PASS'));
  nb.cells[b.check].outputs = out(line('07.2', 'PASS'));
  assert.deepEqual(outcomeProblems(nb, 'solved'), []);
  assert.equal(outcomeProblems(nb, 'unsolved').length, 2);
  nb.cells[b.check].outputs = out(line('07.2', 'FAIL'));
  assert.match(outcomeProblems(nb, 'solved', 'nb')[0], /^nb: exercise 07\.2: FAIL, expected PASS: detail$/);
  nb.cells[b.check].outputs = [];
  assert.match(outcomeProblems(nb, 'solved')[0], /0 check lines printed, expected 1 \(no output: did an earlier cell fail\?\)/);
  nb.cells[b.check].outputs = out(line('07.2', 'PASS') + line('07.2', 'PASS'));
  assert.match(outcomeProblems(nb, 'solved')[0], /2 check lines printed/);
});
