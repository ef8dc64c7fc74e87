/**
 * Helpers of the CLI tests that run `bin/see-kit` as a child process: start it, wait for a line on
 * its output or a record in a run's log, kill it, and compare two finished runs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { RunDir, type LogRecord } from '../../lib/train/run_dir';
import { makeTinyGlyphs, tinyGlyphSpec } from '../helpers/tiny_glyphs';

export const REPO = join(__dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'see-kit');

export interface Child {
  proc: ChildProcess;
  out: string[];
  err: string[];
  /** resolves when the process has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Tiny glyphs under <root>/data (8 classes, 24 train and 24 test images of 32 px) and a config
 * file <root>/tiny.json training the tiny test ResNet with SEE on them: `epochs` epochs of 3 steps.
 */
export async function tinyGlyphRun(root: string, epochs: number): Promise<string> {
  await makeTinyGlyphs(join(root, 'data'));
  const config = join(root, 'tiny.json');
  writeFileSync(config, JSON.stringify(tinyGlyphSpec(join(root, 'data'), 'tiny-see', epochs, ['recall'])));
  return config;
}

/** Starts `see-kit <args>` (or `bash -c <script>` when `shell` is given) with extra environment variables. */
export function startCli(args: string[], env: Record<string, string> = {}, options: SpawnOptions & { shell?: string } = {}): Child {
  const { shell, ...spawnOptions } = options;
  const proc = shell
    ? spawn('bash', ['-c', shell], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions })
    : spawn(process.execPath, [BIN, ...args], {
        cwd: REPO,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        ...spawnOptions,
      });
  const out: string[] = [];
  const err: string[] = [];
  proc.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  proc.stderr?.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { proc, out, err, exited };
}

/** Runs to the end; returns exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: SpawnOptions & { shell?: string } = {},
): Promise<{ code: number | null; out: string; err: string }> {
  const c = startCli(args, env, options);
  const { code } = await c.exited;
  return { code, out: c.out.join(''), err: c.err.join('') };
}

async function poll<T>(what: string, probe: () => T | undefined, child: Child | undefined, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let done = false;
  void child?.exited.then(() => {
    done = true;
  });
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (done) throw new Error(`${what}: the process exited first\nstdout: ${child?.out.join('')}\nstderr: ${child?.err.join('')}`);
    if (Date.now() > until) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits for a line on the child's stderr matching `pattern`. */
export function waitForStderr(child: Child, pattern: RegExp, timeoutMs = 60000): Promise<string> {
  return poll(`stderr ${pattern}`, () => pattern.exec(child.err.join(''))?.[0], child, timeoutMs);
}

/**
 * Sends a stop signal to a run started held at an evaluation (SEE_KIT_PAUSE=evaluate@<n> with
 * SEE_KIT_PAUSE_UNTIL=`release`), so that it cannot finish before the signal arrives: waits until
 * the run announces the signal, or (when the hold was reached first) until it says it is held, then
 * releases the hold so that it stops at its next step boundary.
 */
export async function signalHeldRun(child: Child, signal: NodeJS.Signals, release: string, timeoutMs = 60000): Promise<void> {
  child.proc.kill(signal);
  await waitForStderr(child, new RegExp(`${signal}: stopping at the next step boundary|pause point evaluate #\\d+ reached`), timeoutMs);
  writeFileSync(release, '');
}

const isLifeStart = (r: LogRecord): boolean => r.kind === 'event' && (r.event === 'start' || r.event === 'resume');

/** How many times the run was started or resumed, as its log says. */
export function attemptsIn(runDir: string): number {
  const dir = new RunDir(runDir);
  return existsSync(dir.logPath) ? dir.readLog().filter(isLifeStart).length : 0;
}

/**
 * Waits for a record in the run's log.jsonl written by attempt number `attempt` (1 = the first
 * start): records of earlier attempts may still be there until a resume truncates them.
 */
export function waitForLog(
  runDir: string,
  match: (r: LogRecord) => boolean,
  child?: Child,
  timeoutMs = 60000,
  attempt = 1,
): Promise<LogRecord> {
  const dir = new RunDir(runDir);
  const probe = (): LogRecord | undefined => {
    if (!existsSync(dir.logPath)) return undefined;
    let seen = 0;
    for (const r of dir.readLog()) {
      if (isLifeStart(r)) seen += 1;
      else if (seen === attempt && match(r)) return r;
    }
    return undefined;
  };
  return poll(`log record in ${runDir}`, probe, child, timeoutMs);
}

/** Asserts a run equals the reference run: metrics (but the time), every checkpoint tensor and step count, each step's loss, the files. */
export function assertSameRun(dir: string, refDir: string, label: string): void {
  const [a, b] = [new RunDir(dir), new RunDir(refDir)];
  const metrics = (d: RunDir): unknown => ({ ...d.readMetrics<Record<string, unknown>>(), trainSeconds: 0 });
  assert.deepEqual(metrics(a), metrics(b), `${label}: metrics.json`);
  const [ca, cb] = [readCheckpoint(a.checkpointPath), readCheckpoint(b.checkpointPath)];
  assert.deepEqual([...ca.tensors.keys()], [...cb.tensors.keys()], `${label}: checkpoint keys`);
  for (const [k, t] of cb.tensors) assert.deepEqual(ca.tensors.get(k), t, `${label}: checkpoint tensor ${k}`);
  assert.deepEqual(ca.optimizerSteps, cb.optimizerSteps, `${label}: optimizer steps`);
  assert.deepEqual(
    [ca.state.epoch, ca.state.globalStep, ca.state.rng, ca.state.inEpoch],
    [cb.state.epoch, cb.state.globalStep, cb.state.rng, cb.state.inEpoch],
    `${label}: loop state`,
  );
  const steps = (d: RunDir): unknown[] =>
    d
      .readLog()
      .filter((r) => r.kind === 'step')
      .map((r) => [r.epoch, r.step, r.loss]);
  assert.deepEqual(steps(a), steps(b), `${label}: each step logged once with the same loss`);
  assert.deepEqual(readdirSync(dir).sort(), readdirSync(refDir).sort(), `${label}: files (no lock, no temporary file left)`);
}

/** The bytes of a file, or undefined when it does not exist. */
export function bytesOf(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}
