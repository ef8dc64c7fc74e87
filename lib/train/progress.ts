/**
 * Progress reporting for long work: epoch, step, images/s, ETA and loss. A ProgressSink is any
 * function taking a ProgressEvent: the terminal sink redraws one line on a TTY (one line per
 * report otherwise); notebooks pass their own sink (e.g. updating a tslab.newDisplay()).
 */
export interface ProgressEvent {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  loss: number;
  imagesPerSecond: number;
  /** seconds left for the whole run */
  etaSeconds: number;
  /** optional free text (e.g. "evaluating") */
  note?: string;
  /** webgpu: MiB of GPU memory held by tensors and by the buffer pool */
  gpuMb?: { inUse: number; pooled: number };
}

export type ProgressSink = (event: ProgressEvent) => void;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function formatProgress(e: ProgressEvent): string {
  const parts = [
    `epoch ${e.epoch + 1}/${e.epochs}`,
    `step ${e.step + 1}/${e.stepsPerEpoch}`,
    `loss ${Number.isFinite(e.loss) ? e.loss.toFixed(4) : String(e.loss)}`,
    `${e.imagesPerSecond.toFixed(1)} img/s`,
    `ETA ${formatDuration(e.etaSeconds)}`,
  ];
  if (e.gpuMb) parts.push(`GPU ${e.gpuMb.inUse.toFixed(0)} MB (pool ${e.gpuMb.pooled.toFixed(0)} MB)`);
  if (e.note) parts.push(e.note);
  return parts.join(' | ');
}

/** Writes to a stream (stderr by default); redraws in place on a TTY, at most every `minIntervalMs`. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, minIntervalMs = 250): ProgressSink {
  let last = 0;
  return (e) => {
    const now = Date.now();
    const final = e.step + 1 === e.stepsPerEpoch;
    if (!final && now - last < minIntervalMs) return;
    last = now;
    const line = formatProgress(e);
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
    else if (final) stream.write(line + '\n');
  };
}

/** Collects events in memory (tests, notebooks that draw their own view). */
export function collectingProgress(into: ProgressEvent[]): ProgressSink {
  return (e) => {
    into.push({ ...e });
  };
}

/** Estimates throughput and ETA from step timings. */
export class ThroughputMeter {
  private readonly start: number;
  private images = 0;
  private steps = 0;

  constructor(
    private readonly totalSteps: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  record(batchImages: number): { imagesPerSecond: number; etaSeconds: number } {
    this.images += batchImages;
    this.steps += 1;
    const elapsed = (this.now() - this.start) / 1000;
    const perStep = elapsed / this.steps;
    return {
      imagesPerSecond: elapsed > 0 ? this.images / elapsed : 0,
      etaSeconds: perStep * Math.max(0, this.totalSteps - this.steps),
    };
  }
}
