/**
 * CLI: `deck_check.ts <screenshot-dir> <deck.html>...` (npm run slides:check) opens each deck in
 * headless Chromium with the network off, goes through every slide and checks that reveal.js started,
 * the markdown slides were rendered, every plot drew its data and nothing was requested from outside
 * the file; saves a screenshot of the title slide and of each plot slide. Exit 1 with one line per problem.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_FLAGS, countPlotDivs } from '../notebooks/render_check';
import { collectPlotReport, judgePlots, type PlotReport } from '../notebooks/plot_report';

export interface DeckReport {
  slides: number;
  markdownSlides: number;
  headings: number;
  plots: PlotReport[];
  screenshots: string[];
  problems: string[];
}

interface SlideState {
  index: number;
  plots: number;
  drawn: number;
  text: number;
}

/** Opens one deck, visits every slide, returns what rendered and the problems. */
export async function checkDeck(context: BrowserContext, file: string, shotDir: string): Promise<DeckReport> {
  const html = readFileSync(file, 'utf8');
  const expectedPlots = countPlotDivs(html);
  const page = await context.newPage();
  const problems: string[] = [];
  const screenshots: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('request', (req) => {
    if (!/^(file|data|blob|about):/.test(req.url())) problems.push(`requested ${req.url()} (a deck must work offline)`);
  });
  try {
    await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60_000 });
    await page.waitForSelector('body[data-deck-ready="1"]', { timeout: 30_000 });
    const total = (await page.evaluate('Reveal.getTotalSlides()')) as number;
    const stem = basename(file, '.html');
    let plotSlide = 0;
    const plots: PlotReport[] = [];
    for (let i = 0; i < total; i++) {
      await page.evaluate(`Reveal.slide(${i})`);
      // plots of this slide: plotly's SVG (2-D) or a WebGL canvas (3-D), or our loader's message
      await page
        .waitForFunction(
          () =>
            Array.from(document.querySelectorAll('section.present div.see-plot')).every(
              (d) => d.querySelector('svg.main-svg') || d.textContent,
            ),
          undefined,
          { timeout: 30_000 },
        )
        .catch(() => undefined);
      const state = (await page.evaluate(`(() => { const s = document.querySelector('section.present');
        const plots = s ? s.querySelectorAll('div.see-plot').length : 0;
        const drawn = s ? Array.from(s.querySelectorAll('div.see-plot')).filter((d) => d.querySelector('svg.main-svg')).length : 0;
        return { index: ${i}, plots, drawn, text: s ? s.textContent.trim().length + s.querySelectorAll('img, svg, canvas, table').length : 0 }; })()`)) as SlideState;
      if (state.text === 0) problems.push(`slide ${i + 1} of ${total} is empty`);
      if (state.drawn < state.plots) problems.push(`slide ${i + 1}: ${state.plots - state.drawn} plot(s) not drawn`);
      if (state.plots > 0) {
        // measured while the slide is shown (a WebGL scene of a hidden slide has no canvas size)
        const here =
          (await page.evaluate(`(() => { const __name = (f) => f; const ids = Array.from(document.querySelectorAll('section.present div.see-plot'), (d) => d.id);
          return (${collectPlotReport.toString()})().filter((p) => ids.includes(p.id)); })()`)) as PlotReport[];
        plots.push(...here);
      }
      if (i === 0 || state.plots > 0) {
        await page.waitForTimeout(state.plots > 0 ? 800 : 200); // reveal's transition, plotly's resize
        const shot = join(shotDir, i === 0 ? `${stem}-title.png` : `${stem}-plot${++plotSlide}.png`);
        await page.screenshot({ path: shot });
        screenshots.push(shot);
      }
    }
    const rendered = (await page.evaluate(`(() => ({
      markdownSlides: document.querySelectorAll('section[data-markdown]').length,
      leftover: document.querySelectorAll('textarea[data-template]').length,
      headings: document.querySelectorAll('.reveal .slides h1, .reveal .slides h2, .reveal .slides h3').length,
    }))()`)) as { markdownSlides: number; leftover: number; headings: number };
    if (rendered.leftover > 0) problems.push(`${rendered.leftover} markdown slide(s) not rendered`);
    if (rendered.headings === 0) problems.push('no heading rendered: the markdown plugin did not run');
    problems.push(...judgePlots(plots, expectedPlots));
    return { slides: total, markdownSlides: rendered.markdownSlides, headings: rendered.headings, plots, screenshots, problems };
  } catch (e) {
    problems.push(`could not go through the deck: ${(e as Error).message.split('\n')[0]}`);
    return { slides: 0, markdownSlides: 0, headings: 0, plots: [], screenshots, problems };
  } finally {
    await page.close();
  }
}

/** A fresh offline Chromium (Debian's, or $CHROMIUM) for `run`, closed afterwards. */
export async function withOfflineChromium<T>(run: (context: BrowserContext) => Promise<T>): Promise<T> {
  const profile = mkdtempSync(join(tmpdir(), 'see-slides-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    offline: true,
  });
  try {
    return await run(context);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const [shotDir, ...decks] = argv;
  if (!shotDir || decks.length === 0) {
    console.error('usage: deck_check.ts <screenshot-dir> <deck.html>...');
    return 2;
  }
  mkdirSync(shotDir, { recursive: true });
  let failures = 0;
  await withOfflineChromium(async (context) => {
    for (const deck of decks) {
      const r = await checkDeck(context, deck, shotDir);
      if (r.problems.length === 0) {
        console.log(
          `ok   ${deck}: ${r.slides} slides (${r.markdownSlides} markdown), ${r.plots.length} plot(s) drawn [marks ${r.plots.map((p) => p.marks + p.glCanvases).join(',') || '-'}], offline; screenshots ${r.screenshots.length}`,
        );
      }
      for (const p of r.problems) console.log(`FAIL ${deck}: ${p}`);
      failures += r.problems.length;
    }
  });
  return failures === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`deck_check: ${err.message}`);
      process.exit(2);
    },
  );
}
