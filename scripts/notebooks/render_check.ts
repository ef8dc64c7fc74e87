/**
 * CLI: `render_check.ts <screenshot-dir> <page.html>...` opens each HTML page (an executed
 * notebook converted by nbconvert) in headless Debian chromium through playwright-core,
 * waits for plotly, checks that every plot rendered with data, and saves a full-page
 * screenshot `<screenshot-dir>/<page>.png`. Chromium runs offline with a fresh profile.
 * CHROMIUM=/path overrides /usr/bin/chromium. Exit 1 with one line per problem.
 */
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { collectPlotReport, judgePlots, type PlotReport } from './plot_report';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL (3-D plots) through the software rasteriser, since there is no GPU
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Plot divs the page should hold: counted in the HTML text, before any script runs. */
export function countPlotDivs(html: string): number {
  return (html.match(/<div id="see-plot-[^"]+" class="see-plot"/g) ?? []).length;
}

async function main(argv: string[]): Promise<number> {
  const [shotDir, ...pages] = argv;
  if (!shotDir || pages.length === 0) {
    console.error('usage: render_check.ts <screenshot-dir> <page.html>...');
    return 2;
  }
  mkdirSync(shotDir, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'see-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1200, height: 900 },
    offline: true,
  });
  let failures = 0;
  try {
    for (const file of pages) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      const expected = countPlotDivs(readFileSync(file, 'utf8'));
      await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: 'load', timeout: 60_000 });
      // every plot div gets plotly's SVG, or our loader's message after 10 s
      await page
        .waitForFunction(() => Array.from(document.querySelectorAll('div.see-plot')).every((d) => d.querySelector('svg.main-svg') || d.textContent), undefined, { timeout: 30_000 })
        .catch(() => undefined);
      await page.waitForTimeout(expected > 0 ? 500 : 0);
      // tsx (esbuild keepNames) wraps functions in __name(); give the page a no-op one
      const plots = (await page.evaluate(`(() => { const __name = (f) => f; return (${collectPlotReport.toString()})(); })()`)) as PlotReport[];
      const problems = judgePlots(plots, expected);
      for (const e of errors) problems.push(`page error: ${e}`);
      const shot = join(shotDir, `${basename(file).replace(/\.html$/i, '')}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      const marks = plots.map((p) => p.marks + p.glCanvases).join(',');
      if (problems.length === 0) console.log(`ok   ${file}: ${plots.length} plot(s) rendered with data [marks ${marks || '-'}], screenshot ${shot}`);
      for (const p of problems) console.log(`FAIL ${file}: ${p}`);
      failures += problems.length;
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return failures === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`render_check: ${err.message}`);
      process.exit(2);
    },
  );
}
