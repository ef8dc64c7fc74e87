/**
 * A run folder, data/runs/<run id>/:
 *   config.json      the resolved configuration (written once, atomically)
 *   log.jsonl        one JSON object per step ({kind:"step"}) and per epoch ({kind:"epoch"})
 *   metrics.json     final metrics (best epoch, last epoch, validation-selected epoch)
 *   checkpoint.safetensors   the last good checkpoint (lib/train/checkpoint.ts)
 *   run.lock         while a process trains in the folder (lib/train/run_lock.ts)
 * A log append that fails (full disk, file-size limit) is cut back to the records before it, so
 * the log never ends in half a record; a final line torn by a kill is dropped when a run resumes.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic_write';
import { readJsonFile } from './json_file';

export const DEFAULT_RUNS_ROOT = resolve(__dirname, '..', '..', 'data', 'runs');

/** the checkpoint's file name inside a run folder */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export type LogRecord = { kind: 'step' | 'epoch' | 'eval' | 'event'; epoch: number } & Record<string, unknown>;

/** A place in a run: the next step to run is `step` of `epoch`. */
export interface RunPosition {
  epoch: number;
  step: number;
}

/** events of the run's life, kept whatever is redone: the log tells how its numbers came about */
const LIFE_EVENTS = new Set(['start', 'resume', 'stopped', 'failed']);

/** Whether a run continuing at `next` keeps the record (written before `next`, or a life event). */
export function loggedBefore(r: LogRecord, next: RunPosition): boolean {
  if (r.kind === 'event' && LIFE_EVENTS.has(String(r.event))) return true;
  if (r.epoch !== next.epoch) return r.epoch < next.epoch;
  const step = typeof r.step === 'number' ? r.step : undefined;
  if (r.kind === 'step') return (step ?? 0) < next.step;
  if (r.kind === 'event') return step === undefined || step <= next.step;
  return false; // epoch and eval records close an epoch that is not finished at `next`
}

export class RunDir {
  readonly configPath: string;
  readonly logPath: string;
  readonly metricsPath: string;
  readonly checkpointPath: string;

  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true });
    this.configPath = join(path, 'config.json');
    this.logPath = join(path, 'log.jsonl');
    this.metricsPath = join(path, 'metrics.json');
    this.checkpointPath = join(path, CHECKPOINT_FILE);
  }

  get id(): string {
    return this.path.split(/[\\/]/).filter(Boolean).pop() ?? this.path;
  }

  writeConfig(config: unknown): void {
    writeFileAtomic(this.configPath, JSON.stringify(config, null, 2) + '\n');
  }

  readConfig<T>(): T {
    return readJsonFile<T>(this.configPath);
  }

  log(record: LogRecord): void {
    const size = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    try {
      appendFileSync(this.logPath, JSON.stringify(record) + '\n');
    } catch (err) {
      try {
        truncateSync(this.logPath, size);
      } catch {
        /* nothing was appended */
      }
      const e = err as NodeJS.ErrnoException;
      throw new Error(
        `cannot append to the run log ${this.logPath} (${e.code ? `${e.code}: ` : ''}${e.message.replace(/^\w+: /, '')}); the records before this one are intact`,
      );
    }
  }

  /** Every record; a last line without its newline (a write torn by a kill) is left out. */
  readLog(): LogRecord[] {
    if (!existsSync(this.logPath)) return [];
    const lines = readFileSync(this.logPath, 'utf8').split('\n');
    lines.pop(); // '' when the file ends with a newline, else a torn last record
    return lines
      .map((l, i) => [l, i] as const)
      .filter(([l]) => l.trim() !== '')
      .map(([l, i]) => {
        try {
          return JSON.parse(l) as LogRecord;
        } catch {
          throw new Error(`${this.logPath}: line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
        }
      });
  }

  /** On resume: keep the records written before `next` (a killed stretch is redone and logged again). */
  truncateLogAt(next: RunPosition): void {
    const keep = this.readLog().filter((r) => loggedBefore(r, next));
    writeFileAtomic(this.logPath, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** On resume from the checkpoint of `epoch`: drop records of later epochs. */
  truncateLogAfter(epoch: number): void {
    this.truncateLogAt({ epoch: epoch + 1, step: 0 });
  }

  /** Removes temporary files that a killed atomic write left (call only while holding the run lock). */
  removeStaleTemporaries(): string[] {
    const stale = readdirSync(this.path).filter((f) => /^\..+\.\d+\.\d+\.tmp$/.test(f));
    for (const f of stale) rmSync(join(this.path, f), { force: true });
    return stale;
  }

  writeMetrics(metrics: unknown): void {
    writeFileAtomic(this.metricsPath, JSON.stringify(metrics, null, 2) + '\n');
  }

  readMetrics<T>(): T | undefined {
    return existsSync(this.metricsPath) ? readJsonFile<T>(this.metricsPath) : undefined;
  }

  hasCheckpoint(): boolean {
    return existsSync(this.checkpointPath);
  }
}

/** `<name>-<UTC yyyymmdd-hhmmss>` made safe for a folder name. */
export function makeRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${name.replace(/[^A-Za-z0-9_.^-]+/g, '_')}-${stamp}`;
}

/**
 * Creates and returns a new run folder under `root` named `makeRunId(name, now)`; when another
 * process took that name in the same second (two notebooks started together), `-2`, `-3`, ... is
 * appended. The folder is made with an exclusive mkdir, so two processes never share one.
 */
export function claimNewRunDir(root: string, name: string, now = new Date()): RunDir {
  mkdirSync(root, { recursive: true });
  const base = makeRunId(name, now);
  for (let k = 1; ; k++) {
    const path = join(root, k === 1 ? base : `${base}-${k}`);
    try {
      mkdirSync(path);
      return new RunDir(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Every run folder under `root` that has a metrics.json (finished runs). */
export function listFinishedRuns(root = DEFAULT_RUNS_ROOT): RunDir[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'metrics.json')))
    .map((d) => new RunDir(join(root, d.name)));
}
