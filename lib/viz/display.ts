/**
 * The one bridge from lib/viz to tslab's rich output. In a tslab kernel `tslab.display` writes
 * a display_data message; anywhere else (tests, scripts run by tsx) it throws "Not ready", and
 * the helpers here print a plain-text fallback instead, so lib/viz works outside notebooks.
 *
 * tslab is loaded lazily: it pulls in its own TypeScript compiler, which plain scripts never need.
 */
import type * as Tslab from 'tslab';

type TslabModule = typeof Tslab;
/** A display slot: tslab's `Display`, or a console stand-in outside a kernel. */
export type DisplaySlot = Pick<Tslab.Display, 'html' | 'text'>;

let tslabModule: TslabModule | undefined;

function loadTslab(): TslabModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  tslabModule ??= require('tslab') as TslabModule;
  return tslabModule;
}

/** True when running inside a tslab kernel that can show rich output. */
export function inNotebook(): boolean {
  // tslab's kernel sets this before it runs any cell; plain Node never does.
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData?: unknown };
  return jupyter.lastWriteDisplayData != null;
}

/** Shows `html` as a rich output in a notebook; prints `fallbackText` elsewhere. */
export function displayHtml(html: string, fallbackText: string): void {
  if (inNotebook()) loadTslab().display.html(html);
  else console.log(fallbackText);
}

/** A slot that later calls overwrite in place (tslab.newDisplay), or console lines outside a kernel. */
export function newDisplaySlot(): DisplaySlot {
  if (inNotebook()) return loadTslab().newDisplay();
  return { html: () => undefined, text: (s: string) => console.log(s) };
}
