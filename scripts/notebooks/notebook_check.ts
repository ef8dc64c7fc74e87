/**
 * Checks an executed tslab notebook (nbformat 4 JSON). nbconvert's exit status is not enough:
 * after any failure (runtime error, type error) tslab silently aborts every later cell, writes
 * the error to stderr and sends an empty error message, and it never sets `execution_count`.
 * So a notebook passes only when
 *   1. no output is an `error` and no stderr stream looks like an error (stack trace, tslab's
 *      `line:col - message` compile diagnostics, `Error:` lines),
 *   2. the last code cell produced output: cells run in order and any failure aborts all later
 *      ones, so output in the last cell proves every earlier cell completed,
 *   3. every cell that shows something (`show*(` / `display.` / `console.log(` / a bare last
 *      expression is not detected) has at least one output, and cells that call `showPlot(` /
 *      `showTable(` have an HTML display output.
 * It also checks committed (source) notebooks: no outputs, the tslab kernel, a QUICK switch.
 */

export interface NotebookOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}

export interface NotebookCell {
  cell_type: string;
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata?: { kernelspec?: { name?: string } };
}

/** One problem, with the 1-based index of the code cell it is in (0: the notebook as a whole). */
export interface Finding {
  cell: number;
  problem: string;
}

export function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

const ERROR_PATTERNS: RegExp[] = [
  /^\d+:\d+ - /m, // tslab type/compile diagnostics
  /^\s+at .+(\(|evalmachine|node:)/m, // a JavaScript stack frame
  /^(Uncaught )?\w*Error\b[:\s]/m, // "Error: ...", "TypeError: ..."
];

/** The line of an error report worth showing (the `Error:` or diagnostic line), at most 240 chars. */
export function errorExcerpt(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => /^(Uncaught )?\w*Error\b|^\d+:\d+ - /.test(l)) ?? lines[0] ?? '';
  return line.length > 240 ? `${line.slice(0, 240)}...` : line;
}

/** True when a stderr text is an error report rather than a warning. */
export function looksLikeError(stderr: string): boolean {
  return ERROR_PATTERNS.some((p) => p.test(stderr));
}

const DISPLAY_CALL = /\b(show\w*|display\.\w+|console\.(log|table|info)|newProgress)\s*\(/;
const HTML_CALL = /\b(showPlot|showTable|showImages)\s*\(/;

function codeCells(nb: Notebook): NotebookCell[] {
  if (!Array.isArray(nb.cells)) throw new Error('notebook JSON has no "cells" array');
  return nb.cells.filter((c) => c.cell_type === 'code');
}

function firstLine(cell: NotebookCell): string {
  return joinText(cell.source).split('\n')[0].slice(0, 60);
}

/** Problems in an executed notebook; empty when every code cell ran without error. */
export function checkExecuted(nb: Notebook): Finding[] {
  const cells = codeCells(nb);
  const findings: Finding[] = [];
  if (cells.length === 0) return [{ cell: 0, problem: 'the notebook has no code cells' }];
  cells.forEach((cell, i) => {
    const n = i + 1;
    const outputs = cell.outputs ?? [];
    for (const out of outputs) {
      if (out.output_type === 'error') {
        findings.push({ cell: n, problem: `error output: ${out.ename ?? ''}: ${out.evalue ?? ''}`.trim() });
      } else if (out.output_type === 'stream' && out.name === 'stderr' && looksLikeError(joinText(out.text))) {
        findings.push({ cell: n, problem: `error on stderr: ${errorExcerpt(joinText(out.text))}` });
      }
    }
    const source = joinText(cell.source);
    if (outputs.length === 0 && DISPLAY_CALL.test(source)) {
      findings.push({ cell: n, problem: `no output although the cell displays something ("${firstLine(cell)}")` });
    }
    if (HTML_CALL.test(source) && outputs.length > 0 && !outputs.some((o) => o.data?.['text/html'] !== undefined)) {
      findings.push({ cell: n, problem: `calls showPlot/showTable/showImages but has no HTML output ("${firstLine(cell)}")` });
    }
  });
  const lastWithOutput = cells.reduce((last, c, i) => ((c.outputs ?? []).length > 0 ? i + 1 : last), 0);
  if (lastWithOutput < cells.length) {
    findings.push({
      cell: lastWithOutput + 1,
      problem:
        `cells ${lastWithOutput + 1}..${cells.length} produced no output: the last code cell must print ` +
        '(the summary), so silence there means tslab aborted them after a failure',
    });
  }
  return findings;
}

/** Problems in a committed notebook: outputs stored, wrong kernel, no QUICK switch. */
export function checkSource(nb: Notebook): Finding[] {
  const findings: Finding[] = [];
  const cells = codeCells(nb);
  if (nb.metadata?.kernelspec?.name !== 'tslab') {
    findings.push({ cell: 0, problem: `kernelspec is "${nb.metadata?.kernelspec?.name ?? '(none)'}", expected "tslab"` });
  }
  cells.forEach((cell, i) => {
    if ((cell.outputs ?? []).length > 0) findings.push({ cell: i + 1, problem: 'has stored outputs (commit notebooks without outputs)' });
    if (cell.execution_count != null) findings.push({ cell: i + 1, problem: `has execution_count ${cell.execution_count}` });
  });
  if (!cells.some((c) => /process\.env\.QUICK/.test(joinText(c.source)))) {
    findings.push({ cell: 0, problem: 'no config cell reads process.env.QUICK' });
  }
  const first = nb.cells[0];
  if (!first || first.cell_type !== 'markdown' || !/Inputs?/i.test(joinText(first.source)) || !/Outputs?/i.test(joinText(first.source))) {
    findings.push({ cell: 0, problem: 'the first cell must be markdown stating the purpose, Inputs and Outputs' });
  }
  return findings;
}

/** "file: cell N: problem" lines. */
export function formatFindings(file: string, findings: Finding[]): string[] {
  return findings.map((f) => `${file}: ${f.cell === 0 ? 'notebook' : `code cell ${f.cell}`}: ${f.problem}`);
}
