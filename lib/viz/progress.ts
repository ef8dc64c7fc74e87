/**
 * Live progress of a long loop in a notebook: one output that is overwritten in place
 * (`tslab.newDisplay()`); outside a kernel, one console line every `everyLines` updates.
 * Call `await yieldToKernel()` between steps so the kernel can send the update.
 */
import { newDisplaySlot, inNotebook } from './display';

export interface Progress {
  /** step is 1-based; metrics are shown as name=value */
  update(step: number, total: number, metrics?: Record<string, number>): void;
  /** final line (kept in the output) */
  done(message?: string): void;
}

function bar(step: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((width * Math.min(step, total)) / total) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** The progress line for a step (shared by the notebook and console renderings). */
export function progressLine(label: string, step: number, total: number, metrics: Record<string, number> = {}): string {
  const parts = Object.entries(metrics).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`);
  return `${label} ${bar(step, total)} ${step}/${total}${parts.length ? `  ${parts.join('  ')}` : ''}`;
}

/** A progress display for `label`. */
export function newProgress(label: string, everyLines = 10): Progress {
  const slot = newDisplaySlot();
  const notebook = inNotebook();
  let updates = 0;
  let last = '';
  return {
    update(step, total, metrics) {
      last = progressLine(label, step, total, metrics);
      if (notebook) slot.text(last);
      else if (updates++ % everyLines === 0 || step === total) console.log(last);
    },
    done(message) {
      const text = message ? `${last}\n${message}` : last;
      if (notebook) slot.text(text);
      else if (message) console.log(message);
    },
  };
}

/** Lets the kernel flush output between synchronous training steps. */
export function yieldToKernel(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
