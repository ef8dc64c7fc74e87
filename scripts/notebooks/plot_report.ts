/**
 * What the browser check measures per plot, and the verdict. `collectPlotReport` runs inside
 * the page (passed to playwright's `page.evaluate`, so it must not reference anything outside
 * itself); `judgePlots` is plain logic, tested in test/notebooks/.
 */

export interface PlotReport {
  id: string;
  /** plotly drew its SVG (`svg.main-svg`) */
  hasSvg: boolean;
  /** trace groups plotly created (`g.trace`, 2-D) plus WebGL scenes (3-D) */
  traces: number;
  /** drawn data marks: markers, line paths with geometry, bars, histogram bins */
  marks: number;
  /** WebGL canvases of 3-D scenes with a non-zero size */
  glCanvases: number;
  /** text plotly or our loader left in the div instead of a plot */
  message: string;
}

/** Runs in the browser page. */
export function collectPlotReport(): PlotReport[] {
  const divs = Array.from(document.querySelectorAll('div.see-plot'));
  return divs.map((div) => {
    const d = (el: Element): string => el.getAttribute('d') ?? '';
    const withGeometry = (sel: string): number =>
      Array.from(div.querySelectorAll(sel)).filter((el) => { const v = d(el); return v !== 'M0,0Z' && /[LHVCSQTAlhvcsqta]/.test(v); }).length;
    const marks =
      withGeometry('g.trace path.point') + withGeometry('g.trace path.js-line') + withGeometry('g.trace path.js-fill') +
      withGeometry('g.trace g.point path') + div.querySelectorAll('g.trace text.textpoint').length;
    const glCanvases = Array.from(div.querySelectorAll('.gl-container canvas')).filter(
      (c) => (c as HTMLCanvasElement).width > 0 && (c as HTMLCanvasElement).height > 0,
    ).length;
    const scene = div.querySelectorAll('[id^="scene"]').length;
    return {
      id: div.id,
      hasSvg: div.querySelector('svg.main-svg') !== null,
      traces: div.querySelectorAll('g.trace').length + scene,
      marks,
      glCanvases,
      message: div.querySelector('svg') ? '' : (div.textContent ?? '').trim().slice(0, 200),
    };
  });
}

/** Problems with the plots of one page; empty when every plot rendered with data. */
export function judgePlots(plots: PlotReport[], expectedPlots: number): string[] {
  const problems: string[] = [];
  if (plots.length !== expectedPlots) {
    problems.push(`${plots.length} plot(s) in the page, but the notebook's outputs hold ${expectedPlots}`);
  }
  for (const p of plots) {
    if (!p.hasSvg) {
      problems.push(`${p.id}: plotly drew nothing${p.message ? ` ("${p.message}")` : ''}`);
      continue;
    }
    if (p.traces === 0) problems.push(`${p.id}: no traces drawn`);
    if (p.marks === 0 && p.glCanvases === 0) problems.push(`${p.id}: no points, lines or bars drawn (empty data?)`);
  }
  return problems;
}
