/**
 * A deck opened in headless Chromium with the network off (npm run test:slides; needs Debian's
 * chromium, which .ci/run installs): every slide shows, the markdown is rendered, every plot is drawn
 * with its data, nothing is fetched. And the check fails a deck whose plot cannot draw.
 * CI also builds and checks the decks of notebooks 02 and 05 from their executed copies (.ci/run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { buildDeck } from '../../scripts/slides/build_slides';
import { checkDeck, withOfflineChromium } from '../../scripts/slides/deck_check';
import { executedNotebook } from '../helpers/executed_notebook';

test('a deck renders offline in Chromium: slides, markdown, plots with data; a broken plot is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'see-deck-'));
  try {
    writeFileSync(join(dir, '99_test_deck.ipynb'), JSON.stringify(executedNotebook()));
    const deck = buildDeck(join(dir, '99_test_deck.ipynb'), join(dir, 'slides'));
    const broken = join(dir, 'slides', 'broken.html');
    // plots drawn without their data: axes but no traces
    writeFileSync(
      broken,
      readFileSync(deck.path, 'utf8').replace(/window\.Plotly\.newPlot\(el, fig\.data/g, 'window.Plotly.newPlot(el, []'),
    );
    await withOfflineChromium(async (context) => {
      const good = await checkDeck(context, deck.path, join(dir, 'shots'));
      assert.deepEqual(good.problems, []);
      assert.equal(good.slides, 7);
      assert.equal(good.markdownSlides, 4);
      assert.ok(good.headings >= 4, String(good.headings));
      assert.equal(good.plots.length, 2);
      for (const p of good.plots) assert.ok(p.hasSvg && p.marks > 0, JSON.stringify(p));
      assert.equal(good.screenshots.length, 3); // the title and the two plot slides
      const bad = await checkDeck(context, broken, join(dir, 'shots'));
      assert.deepEqual(
        bad.problems.map((p) => p.replace(/^see-plot-[^:]+/, 'plot')),
        [
          'plot: no traces drawn',
          'plot: no points, lines or bars drawn (empty data?)',
          'plot: no traces drawn',
          'plot: no points, lines or bars drawn (empty data?)',
        ],
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
