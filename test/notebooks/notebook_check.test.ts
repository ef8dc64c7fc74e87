/**
 * The executed-notebook check must catch what tslab does on a failure: the failing cell's
 * stack (or `line:col - message` type error) goes to stderr, every later cell is silently
 * skipped (no outputs), and execution_count is never set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkExecuted, checkSource, looksLikeError, formatFindings, errorExcerpt, type Notebook, type NotebookCell } from '../../scripts/notebooks/notebook_check';

const stdout = (text: string) => ({ output_type: 'stream', name: 'stdout', text: [text] });
const stderr = (text: string) => ({ output_type: 'stream', name: 'stderr', text: [text] });
const html = (text: string) => ({ output_type: 'display_data', data: { 'text/html': [text] } });
const code = (source: string, outputs: NotebookCell['outputs'] = []): NotebookCell => ({ cell_type: 'code', source, outputs, execution_count: null });
const md = (source: string): NotebookCell => ({ cell_type: 'markdown', source });
const nb = (...cells: NotebookCell[]): Notebook => ({ cells, metadata: { kernelspec: { name: 'tslab' } } });

test('a notebook where every cell ran passes, even with silent cells before the last', () => {
  const ok = nb(md('# t'), code('const a = 1;'), code('console.log(a)', [stdout('1\n')]), code('showPlot(f)', [html('<div>')]), code('summary()', [stdout('done')]));
  assert.deepEqual(checkExecuted(ok), []);
});

test('cells skipped after a runtime error are reported, with the failing cell', () => {
  const failed = nb(
    code('const a = 1;'),
    code('throw new Error("boom")', [stderr('evalmachine.<anonymous>:2\nthrow new Error("boom");\n^\n\nError: boom\n    at evalmachine.<anonymous>:2:7\n')]),
    code('console.log("after")'),
    code('const b = 2;'),
  );
  const findings = checkExecuted(failed);
  assert.ok(findings.some((f) => f.cell === 2 && /error on stderr/.test(f.problem)), JSON.stringify(findings));
  assert.ok(findings.some((f) => f.cell === 3 && /no output although/.test(f.problem)), JSON.stringify(findings));
  const skipped = findings.find((f) => /produced no output/.test(f.problem));
  assert.ok(skipped, 'the silent tail must be reported');
  assert.match(skipped.problem, /cells 3\.\.4/);
});

test('a skipped tail is caught even when no cell printed an error', () => {
  // tslab's error message is empty; if the stderr text were lost too, the silent last cell still fails
  const silent = nb(code('x()', [stdout('a')]), code('y()'), code('z()'));
  const findings = checkExecuted(silent);
  assert.equal(findings.length, 1);
  assert.equal(findings[0].cell, 2);
});

test('type errors (tslab "line:col - message") and error outputs are reported', () => {
  const typed = nb(code('const s: string = 1;', [stderr("1:7 - Type 'number' is not assignable to type 'string'.\n")]), code('end()', [stdout('x')]));
  assert.equal(checkExecuted(typed).length, 1);
  const errOut = nb(code('f()', [{ output_type: 'error', ename: 'TypeError', evalue: 'x is not a function' }]), code('end()', [stdout('x')]));
  assert.match(checkExecuted(errOut)[0].problem, /TypeError: x is not a function/);
});

test('plain stderr warnings are not errors; stack traces and Error lines are', () => {
  assert.equal(looksLikeError('Warning: hardware acceleration unavailable\n'), false);
  assert.equal(looksLikeError('TypeError: cannot read properties of undefined\n'), true);
  assert.equal(looksLikeError('oops\n    at Object.<anonymous> (/x.ts:1:1)\n'), true);
  assert.equal(looksLikeError('12:3 - Cannot find name foo.\n'), true);
});

test('a plot cell with only text output is reported', () => {
  const textOnly = nb(code('showPlot(fig)', [stdout('[figure]')]), code('end()', [stdout('x')]));
  const findings = checkExecuted(textOnly);
  assert.equal(findings.length, 1);
  assert.match(findings[0].problem, /no HTML output/);
});

test('committed notebooks: stored outputs, execution counts, kernel, QUICK and header are checked', () => {
  const good: Notebook = nb(md('# x\nPurpose.\n\nInputs: a\n\nOutputs: b'), code("const QUICK = process.env.QUICK === '1';"));
  assert.deepEqual(checkSource(good), []);
  const bad: Notebook = {
    cells: [md('# x'), { ...code('const QUICK = true;', [stdout('1')]), execution_count: 3 }],
    metadata: { kernelspec: { name: 'python3' } },
  };
  const problems = checkSource(bad).map((f) => f.problem).join('\n');
  for (const expected of [/kernelspec is "python3"/, /stored outputs/, /execution_count 3/, /process\.env\.QUICK/, /Inputs and Outputs/]) {
    assert.match(problems, expected);
  }
});

test('findings format as file: cell: problem', () => {
  assert.deepEqual(formatFindings('a.ipynb', [{ cell: 0, problem: 'p' }, { cell: 2, problem: 'q' }]), ['a.ipynb: notebook: p', 'a.ipynb: code cell 2: q']);
});

test('the error excerpt is the Error line of a long stack, shortened', () => {
  const stack = `/x/register.cjs:22\n${'x'.repeat(5000)}\n\nError [ERR_X]: Package subpath './package.json' is not defined\n    at f (node:internal/x:1:1)\n`;
  assert.equal(errorExcerpt(stack), "Error [ERR_X]: Package subpath './package.json' is not defined");
  assert.equal(errorExcerpt('y'.repeat(300)).length, 243);
});
