/** lib/viz: plots (plotly, inlined), tables (arquero) and live progress for tslab notebooks. */
export {
  showPlot,
  savePlot,
  figureHtml,
  figureJson,
  figureSummary,
  plotlyBundle,
  escapeScript,
  resetPlotlyInclusion,
  validateFigure,
} from './plot';
export type { Figure, PlotTrace, PlotHtmlOptions } from './plot';
export { lineFigure, histogramFigure, barFigure } from './figures';
export type { Series, AxisTitles } from './figures';
export { tableFromRows, tableText, tableHtml, showTable } from './table';
export type { Cell, Row, Table } from './table';
export { newProgress, progressLine, yieldToKernel } from './progress';
export type { Progress } from './progress';
export { inNotebook, displayHtml, newDisplaySlot } from './display';
export type { DisplaySlot } from './display';
export { imageGridHtml, showImages, batchToPngs } from './images';
export type { GridImage } from './images';
