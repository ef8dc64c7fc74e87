/**
 * A run folder, data/runs/<run id>/:
 *   config.json      the resolved configuration (written once, atomically)
 *   log.jsonl        one JSON object per step ({kind:"step"}) and per epoch ({kind:"epoch"})
 *   metrics.json     final metrics (best epoch, last epoch, validation-selected epoch)
 *   checkpoint.safetensors   the last good checkpoint (lib/train/checkpoint.ts)
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic_write';

export const DEFAULT_RUNS_ROOT = resolve(__dirname, '..', '..', 'data', 'runs');

export type LogRecord = { kind: 'step' | 'epoch' | 'eval' | 'event'; epoch: number } & Record<string, unknown>;

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
    this.checkpointPath = join(path, 'checkpoint.safetensors');
  }

  get id(): string {
    return this.path.split(/[\\/]/).filter(Boolean).pop() ?? this.path;
  }

  writeConfig(config: unknown): void {
    writeFileAtomic(this.configPath, JSON.stringify(config, null, 2) + '\n');
  }

  readConfig<T>(): T {
    return readJson<T>(this.configPath);
  }

  log(record: LogRecord): void {
    appendFileSync(this.logPath, JSON.stringify(record) + '\n');
  }

  readLog(): LogRecord[] {
    if (!existsSync(this.logPath)) return [];
    return readFileSync(this.logPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => {
        try {
          return JSON.parse(l) as LogRecord;
        } catch {
          throw new Error(`${this.logPath}: line ${i + 1} is not JSON: ${l.slice(0, 80)}`);
        }
      });
  }

  /** On resume: drop log records from epochs after the checkpoint (a killed epoch is redone). */
  truncateLogAfter(epoch: number): void {
    const keep = this.readLog().filter((r) => r.epoch <= epoch);
    writeFileAtomic(this.logPath, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  writeMetrics(metrics: unknown): void {
    writeFileAtomic(this.metricsPath, JSON.stringify(metrics, null, 2) + '\n');
  }

  readMetrics<T>(): T | undefined {
    return existsSync(this.metricsPath) ? readJson<T>(this.metricsPath) : undefined;
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

/** Every run folder under `root` that has a metrics.json (finished runs). */
export function listFinishedRuns(root = DEFAULT_RUNS_ROOT): RunDir[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'metrics.json')))
    .map((d) => new RunDir(join(root, d.name)));
}

function readJson<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
