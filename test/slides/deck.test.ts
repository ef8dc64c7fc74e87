/** The slide decks' HTML (scripts/slides/deck.ts): which cells become slides, plotly once, nothing fetched. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { deckHtml, notebookSlides, notebookTitle, readDeckAssets, splitMarkdown, withoutPlotlyBundle } from '../../scripts/slides/deck';
import { buildDeck, resolveNotebook } from '../../scripts/slides/build_slides';
import { plotlyBundle } from '../../lib/viz/plot';
import { executedNotebook } from '../helpers/executed_notebook';

test('slides: headings start slides, plain markdown joins the slide before, each rich output is a slide titled by its section', () => {
  const slides = notebookSlides(executedNotebook());
  assert.deepEqual(
    slides.map((s) => (s.kind === 'markdown' ? `md:${s.markdown.split('\n')[0]}` : `out:${s.title}`)),
    ['md:# 99 · A test deck', 'md:## Curves', 'out:Curves', 'out:Curves', 'md:## Results', 'out:Results', 'md:## Exercises'],
  );
  const curves = slides[1];
  assert.ok(curves.kind === 'markdown' && curves.markdown.endsWith('The loss <falls> & the recall rises.'));
  const exercises = slides[slides.length - 1];
  assert.ok(
    exercises.kind === 'markdown' && exercises.markdown.includes('- Exercise 99.1 · Something by hand'),
    'the exercises are listed, their cells left out',
  );
  assert.ok(
    slides.every((s) => s.kind === 'markdown' || !s.html.includes('NOT SOLVED')),
    'text output is not a slide',
  );
  assert.equal(notebookTitle(executedNotebook(), 'x'), '99 · A test deck');
});

test('the deck inlines plotly.js once (dropping the copy of the first plot), reveal.js and its markdown plugin, and links nothing', () => {
  const html = deckHtml('t', notebookSlides(executedNotebook()), readDeckAssets());
  const bundleMarks = html.match(/\* plotly\.js v\d/g) ?? [];
  assert.equal(bundleMarks.length, 1);
  assert.ok(html.includes(plotlyBundle()));
  assert.match(html, /Reveal\.initialize/);
  assert.match(html, /RevealMarkdown/);
  assert.doesNotMatch(html, /<script[^>]+\bsrc=/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /url\(\s*['"]?https?:/i);
  assert.doesNotMatch(html, /@import/);
  assert.equal((html.match(/<div id="see-plot-[^"]+" class="see-plot"/g) ?? []).length, 2);
  // markdown sits escaped in its textarea, so the browser gives the plugin the original text
  assert.ok(html.includes('The loss &lt;falls&gt; &amp; the recall rises.'));
});

test('withoutPlotlyBundle drops only the bundle script; long markdown is split at blank lines with the heading repeated', () => {
  const out = `<div id="p" class="see-plot"></div>\n<script type="text/javascript">/**\n* plotly.js v4.1.2\n*/ var x;</script>\n<script>draw()</script>`;
  assert.equal(withoutPlotlyBundle(out), '<div id="p" class="see-plot"></div>\n<script>draw()</script>');
  const long = `## Title\n\n${'a'.repeat(500)}\n\n${'b'.repeat(500)}\n\n${'c'.repeat(100)}`;
  const parts = splitMarkdown(long, 900);
  assert.equal(parts.length, 2);
  assert.ok(parts[0].startsWith('## Title\n\naaa'));
  assert.ok(parts[1].startsWith('## Title (cont.)\n\nbbb') && parts[1].endsWith('c'));
  assert.deepEqual(splitMarkdown('short'), ['short']);
});

test('npm run slides: names resolve to executed notebooks; a missing or unexecuted one is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'see-slides-'));
  try {
    writeFileSync(join(dir, '99_test_deck.ipynb'), JSON.stringify(executedNotebook()));
    assert.equal(resolveNotebook('99', dir), join(dir, '99_test_deck.ipynb'));
    assert.equal(resolveNotebook('99_test_deck', dir), join(dir, '99_test_deck.ipynb'));
    assert.throws(
      () => resolveNotebook('05', dir),
      /no executed notebook "05" in .*: run `bash scripts\/notebooks\/ci\.sh notebooks\/05_\*\.ipynb`/,
    );
    const deck = buildDeck(join(dir, '99_test_deck.ipynb'), join(dir, 'out'));
    assert.deepEqual([deck.slides, deck.plots], [7, 2]);
    assert.match(readFileSync(deck.path, 'utf8'), /^<!DOCTYPE html>/);
    const bare = executedNotebook();
    for (const c of bare.cells) c.outputs = c.cell_type === 'code' ? [] : c.outputs;
    writeFileSync(join(dir, '98_bare.ipynb'), JSON.stringify(bare));
    assert.throws(
      () => buildDeck(join(dir, '98_bare.ipynb'), join(dir, 'out')),
      /98_bare\.ipynb has no plot, table or image output: is it an executed notebook\?/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
