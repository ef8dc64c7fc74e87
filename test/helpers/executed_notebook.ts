/** A small executed notebook as tslab writes one: markdown, prints, a table and plotly plots (the first carrying the bundle). */
import { figureHtml } from '../../lib/viz/plot';
import type { Notebook, NotebookCell } from '../../scripts/notebooks/notebook_check';

const md = (source: string): NotebookCell => ({ cell_type: 'markdown', source });
const code = (source: string, outputs: NotebookCell['outputs']): NotebookCell => ({
  cell_type: 'code',
  source,
  outputs,
  execution_count: null,
});
const html = (text: string) => ({ output_type: 'display_data', data: { 'text/html': text, 'text/plain': '[figure]' } });
const stdout = (text: string) => ({ output_type: 'stream', name: 'stdout', text });

export function executedNotebook(): Notebook {
  const line = {
    data: [{ type: 'scatter', mode: 'lines+markers', name: 'loss', x: [0, 1, 2, 3], y: [3, 2, 1.5, 1.2] }],
    layout: { title: { text: 'Training loss' } },
  };
  const bars = { data: [{ type: 'bar', name: 'R@1', x: ['PA', 'SEE'], y: [44.9, 45.9] }], layout: { title: { text: 'Recall@1' } } };
  return {
    metadata: { kernelspec: { name: 'tslab' } },
    cells: [
      md('# 99 · A test deck\n\n**Purpose.** Show that decks work.\n\n**Inputs:** none.\n\n**Outputs:** none.'),
      code("const QUICK = process.env.QUICK === '1';", [stdout('{ QUICK: true }\n')]),
      md('## Curves'),
      md('The loss <falls> & the recall rises.'),
      code('showPlot(lossFig);', [html(figureHtml(line, { includePlotly: true }))]),
      code('showTable(rows);', [
        html('<table><thead><tr><th>method</th><th>R@1</th></tr></thead><tbody><tr><td>SEE</td><td>45.9</td></tr></tbody></table>'),
      ]),
      md('## Results'),
      code('showPlot(barFig);', [html(figureHtml(bars))]),
      md('## Exercises\nDo them.'),
      code("import { checkExercise } from 'see-kit/lib';", []),
      md('### Exercise 99.1 · Something by hand\nWrite it.'),
      code('function f(): number {\n  return notSolved();\n}', []),
      code("await checkExercise({ id: '99.1' }, f);", [stdout('exercise 99.1 · x: NOT SOLVED YET — y\n')]),
    ],
  };
}
