/**
 * Graceful stop: SIGTERM (what schedulers send before preemption) or SIGINT asks the training
 * loop to stop at the next step boundary, write a checkpoint there, log a `stopped` event and end
 * with RunStoppedError; `--resume` continues exactly where it stopped. A second signal while
 * stopping exits at once (checkpoint writes are atomic, so the last good one stays intact), unless
 * it comes within a second of the first: one stop often arrives twice (Ctrl-C reaches a sweep's
 * run processes and their pool, which passes it on; a scheduler signals every process of a job).
 */
import { constants } from 'node:os';

/** What the loop polls between steps. */
export interface StopRequest {
  readonly signal: NodeJS.Signals | undefined;
}

export class StopSignals implements StopRequest {
  signal: NodeJS.Signals | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private firstAt = 0;

  constructor(
    signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
    announce: (line: string) => void = (l) => process.stderr.write(l + '\n'),
    exit: (code: number) => void = (c) => process.exit(c),
  ) {
    for (const s of signals) {
      const handler = (): void => {
        if (this.signal) {
          if (Date.now() - this.firstAt >= 1000) exit(128 + (constants.signals[s] ?? 0));
          return;
        }
        this.signal = s;
        this.firstAt = Date.now();
        announce(`[see-kit] ${s}: stopping at the next step boundary with a checkpoint (send it again to exit at once)`);
      };
      this.handlers.set(s, handler);
      process.on(s, handler);
    }
  }

  dispose(): void {
    for (const [s, h] of this.handlers) process.off(s, h);
    this.handlers.clear();
  }
}

export class RunStoppedError extends Error {
  constructor(
    readonly signal: NodeJS.Signals,
    readonly epoch: number,
    readonly step: number,
    readonly checkpointPath: string,
  ) {
    super(`stopped by ${signal} before step ${step} of epoch ${epoch}; checkpoint written to ${checkpointPath}; continue with --resume`);
    this.name = 'RunStoppedError';
  }

  /** the exit code of a process ended by this signal (128 + its number), as shells report it */
  get exitCode(): number {
    return 128 + (constants.signals[this.signal] ?? 0);
  }
}
