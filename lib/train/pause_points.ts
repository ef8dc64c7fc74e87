/**
 * Pause points: a test hook that lets the kill-and-resume tests stop a child process at an exact
 * place (inside a checkpoint write, inside an evaluation) instead of hoping a timer lands there.
 * SEE_KIT_PAUSE=<point>@<n> makes the n-th arrival at <point> print one line to stderr and block
 * the thread for up to SEE_KIT_PAUSE_MS (default 60000) milliseconds; the test kills the process
 * meanwhile. Without SEE_KIT_PAUSE nothing happens. Points: `evaluate` (embeddings computed, not
 * yet scored), `write:<file name>` (half of the temporary file written, not yet renamed).
 */
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
  const ms = Number(process.env.SEE_KIT_PAUSE_MS ?? 60000);
  process.stderr.write(`[see-kit] pause point ${point} #${n} reached (pid ${process.pid})\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
