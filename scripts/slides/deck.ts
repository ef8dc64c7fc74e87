/**
 * An executed notebook as one offline reveal.js deck (a single HTML file): its markdown cells and its
 * rich outputs (plots, tables, image grids), nothing that needs a network. Rules:
 * - a markdown cell that starts with a heading starts a slide; other markdown joins the slide before;
 *   markdown longer than MAX_MARKDOWN is split at blank lines (the heading repeated, "(cont.)");
 * - each HTML or PNG output is a slide of its own, titled with the section it belongs to; text output
 *   (prints, progress lines) is left out;
 * - the "Exercises" section becomes one slide listing the exercises;
 * - plotly.js is inlined once in the page head; the copy the notebook's first plot carries is dropped;
 *   each output is kept in a <template> and drawn when its slide is first shown, so plots get their size;
 * - reveal.js, its theme and its markdown plugin are inlined from the reveal.js npm package.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { joinText, type Notebook, type NotebookOutput } from '../notebooks/notebook_check';
import { escapeScript, plotlyBundle } from '../../lib/viz/plot';

export const MAX_MARKDOWN = 900;

export type Slide = { kind: 'markdown'; markdown: string } | { kind: 'output'; title: string; html: string };

/** The first line of a markdown text when it is a heading: its level and text. */
function heading(markdown: string): { level: number; text: string } | undefined {
  const m = /^(#{1,6})\s+(.+)$/m.exec(markdown.split('\n')[0] ?? '');
  return m ? { level: m[1].length, text: m[2].trim() } : undefined;
}

/** True for a script element's text that is the plotly.js bundle. */
export function isPlotlyBundle(scriptText: string): boolean {
  return /^\s*\/\*\*?\s*\*?\s*plotly\.js v\d/.test(scriptText.slice(0, 200));
}

/** An output's HTML without the plotly bundle it may carry (the deck has one copy in its head). */
export function withoutPlotlyBundle(html: string): string {
  return html.replace(/<script\b[^>]*>([\s\S]*?)<\/script>\s*/gi, (whole, body: string) => (isPlotlyBundle(body) ? '' : whole));
}

function outputHtml(o: NotebookOutput): string | undefined {
  if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return undefined;
  const data = o.data ?? {};
  const html = data['text/html'];
  if (html !== undefined) return withoutPlotlyBundle(joinText(html as string | string[]));
  const png = data['image/png'];
  if (png !== undefined) return `<img alt="figure" src="data:image/png;base64,${joinText(png as string | string[]).trim()}">`;
  return undefined;
}

/** Splits long markdown at blank lines into parts of at most `max` characters (a part may exceed it when one paragraph does). */
export function splitMarkdown(markdown: string, max = MAX_MARKDOWN): string[] {
  if (markdown.length <= max) return [markdown];
  const h = heading(markdown);
  const paragraphs = markdown.split(/\n\s*\n/);
  const parts: string[] = [];
  let current = '';
  for (const p of paragraphs) {
    if (current && current.length + p.length + 2 > max) {
      parts.push(current);
      current = h ? `${'#'.repeat(Math.max(h.level, 2))} ${h.text} (cont.)\n\n${p}` : p;
    } else {
      current = current ? `${current}\n\n${p}` : p;
    }
  }
  if (current) parts.push(current);
  return parts;
}

/** The slides of an executed notebook, in order. */
export function notebookSlides(nb: Notebook): Slide[] {
  const slides: Slide[] = [];
  let section = '';
  let inExercises = false;
  const exercises: string[] = [];
  for (const cell of nb.cells) {
    const text = joinText(cell.source).trim();
    if (cell.cell_type === 'markdown') {
      const h = heading(text);
      if (h && h.level <= 2) inExercises = /^exercises\b/i.test(h.text);
      if (inExercises) {
        const ex = /^#{3,}\s+(Exercise .+)$/m.exec(text);
        if (ex) exercises.push(ex[1]);
        continue;
      }
      if (h) section = h.text;
      const last = slides[slides.length - 1];
      if (!h && last?.kind === 'markdown') last.markdown = `${last.markdown}\n\n${text}`;
      else slides.push({ kind: 'markdown', markdown: text });
      continue;
    }
    if (cell.cell_type !== 'code' || inExercises) continue;
    for (const o of cell.outputs ?? []) {
      const html = outputHtml(o);
      if (html !== undefined) slides.push({ kind: 'output', title: section, html });
    }
  }
  if (exercises.length)
    slides.push({
      kind: 'markdown',
      markdown: `## Exercises\n\n${exercises.map((e) => `- ${e}`).join('\n')}\n\nIn the notebook: write each function, run its check.`,
    });
  return slides.flatMap((s): Slide[] =>
    s.kind === 'markdown' ? splitMarkdown(s.markdown).map((markdown) => ({ kind: 'markdown' as const, markdown })) : [s],
  );
}

/** Text for an HTML element's content or attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface DeckAssets {
  revealJs: string;
  revealCss: string;
  themeCss: string;
  markdownJs: string;
  plotlyJs: string;
}

/** reveal.js (core, white theme, markdown plugin) and plotly.js, read from node_modules. */
export function readDeckAssets(): DeckAssets {
  const dist = dirname(require.resolve('reveal.js')); // node_modules/reveal.js/dist/reveal.js (its package.json is not exported)
  const read = (...p: string[]): string => readFileSync(join(dist, ...p), 'utf8');
  return {
    revealJs: read('reveal.js'),
    revealCss: read('reveal.css'),
    themeCss: read('theme', 'white.css'),
    markdownJs: read('plugin', 'markdown.js'),
    plotlyJs: plotlyBundle(), // already escaped for a <script> element
  };
}

const DECK_CSS = `
.reveal .slides section { text-align: left; font-size: 0.5em; }
.reveal .slides section h1 { font-size: 2.2em; } .reveal .slides section h2 { font-size: 1.7em; } .reveal .slides section h3 { font-size: 1.3em; }
.reveal .see-output-body { max-height: 600px; overflow: auto; }
.reveal .see-output-body table { font-size: 0.8em; margin: 0; }
.reveal .see-output-body img { margin: 2px; }
.reveal code { font-size: 0.9em; }
`;

/** Draws each output when its slide is first shown; resizes plots on every slide change. */
const DECK_SCRIPT = `
(function () {
  function show(slide) {
    if (!slide) return;
    slide.querySelectorAll('template.see-deferred').forEach(function (t) {
      var holder = document.createElement('div');
      holder.className = 'see-output-body';
      holder.appendChild(document.importNode(t.content, true));
      t.replaceWith(holder);
      holder.querySelectorAll('script').forEach(function (old) {
        var s = document.createElement('script');
        s.text = old.textContent;
        old.replaceWith(s);
      });
    });
    if (window.Plotly) slide.querySelectorAll('div.see-plot').forEach(function (d) { if (d.data) window.Plotly.Plots.resize(d); });
    Reveal.layout();
  }
  Reveal.initialize({ hash: true, center: false, slideNumber: 'c/t', width: 1280, height: 760, margin: 0.04, plugins: [RevealMarkdown] })
    .then(function () { show(Reveal.getCurrentSlide()); document.body.setAttribute('data-deck-ready', '1'); });
  Reveal.on('slidechanged', function (e) { show(e.currentSlide); });
})();
`;

/** The whole deck: one self-contained HTML page. */
export function deckHtml(title: string, slides: Slide[], assets: DeckAssets): string {
  const sections = slides.map((s) => {
    if (s.kind === 'markdown') return `<section data-markdown><textarea data-template>\n${escapeHtml(s.markdown)}\n</textarea></section>`;
    const h = s.title ? `<h3>${escapeHtml(s.title)}</h3>\n` : '';
    return `<section class="see-output">${h}<template class="see-deferred">${s.html}</template></section>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>${assets.revealCss}</style>
<style>${assets.themeCss}</style>
<style>${DECK_CSS}</style>
<script>${assets.plotlyJs}</script>
</head><body>
<div class="reveal"><div class="slides">
${sections.join('\n')}
</div></div>
<script>${escapeScript(assets.revealJs)}</script>
<script>${escapeScript(assets.markdownJs)}</script>
<script>${DECK_SCRIPT}</script>
</body></html>
`;
}

/** The deck's title: the notebook's first heading. */
export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const c of nb.cells) {
    if (c.cell_type !== 'markdown') continue;
    const h = heading(joinText(c.source).trim());
    if (h) return h.text;
  }
  return fallback;
}
