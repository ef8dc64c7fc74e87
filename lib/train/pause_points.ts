/**
 * Pause points: a test hook that lets the kill-and-resume tests stop a child process at an exact
 * place (inside a checkpoint write, inside an evaluation) instead of hoping a timer lands there.
 * SEE_KIT_PAUSE=<point>@<n> makes the n-th arrival at <point> print one line to stderr and block
 * the thread for up to SEE_KIT_PAUSE_MS (default 60000) milliseconds, or until the file named by
 * SEE_KIT_PAUSE_UNTIL exists; the test kills the process meanwhile, or changes the world around it
 * (makes the run folder read-only) and lets it go on. Without SEE_KIT_PAUSE nothing happens.
 * Points: `evaluate` (embeddings computed, not yet scored), `write:<file name>` (half of the
 * temporary file written, not yet renamed).
 */
import { existsSync } from 'node:fs';

const counts = new Map<string, number>();

export function pausePoint(point: string): void {
  const spec = process.env.SEE_KIT_PAUSE;
  if (!spec) return;
  const at = spec.lastIndexOf('@');
  const [name, nth] = at > 0 ? [spec.slice(0, at), Number(spec.slice(at + 1))] : [spec, 1];
  if (name !== point) return;
  const n = (counts.get(point) ?? 0) + 1;
  counts.set(point, n);
  if (n !== nth) return;
  const until = Date.now() + Number(process.env.SEE_KIT_PAUSE_MS ?? 60000);
  const release = process.env.SEE_KIT_PAUSE_UNTIL;
  process.stderr.write(`[see-kit] pause point ${point} #${n} reached (pid ${process.pid})\n`);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until && !(release && existsSync(release))) Atomics.wait(cell, 0, 0, release ? 20 : until - Date.now());
}
