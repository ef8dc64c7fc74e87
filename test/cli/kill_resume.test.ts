/**
 * Kill and resume through the command line (bin/see-kit as a child process, tiny glyphs made
 * here): SIGKILL at random points (inside an epoch, inside an evaluation, inside a checkpoint
 * write; the seed is printed, KILL_SEED=<n> repeats it), then `--resume`: the final metrics, every
 * checkpoint tensor and each step's loss equal an uninterrupted run's. SIGTERM stops at the next
 * step boundary with a checkpoint and a `stopped` event. A second process on a live run's folder
 * refuses, naming the first; once that one is killed, its lock does not block the resume.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { keyedRandom } from '../../lib/random';
import { readCheckpoint } from '../../lib/train/checkpoint';
import { RunDir } from '../../lib/train/run_dir';
import { assertSameRun, attemptsIn, runCli, signalHeldRun, startCli, tinyGlyphRun, waitForLog, waitForStderr, type Child } from './child';

const root = mkdtempSync(join(tmpdir(), 'see-kill-'));
const runs = join(root, 'runs');
let config: string;
const EPOCHS = 3;
const STEPS = 3; // 24 training images, batch 8
after(() => rmSync(root, { recursive: true, force: true }));

const train = (id: string): string[] => ['train', config, '--runs-root', runs, '--run-id', id, '--backend', 'wasm'];
const resume = (id: string): string[] => ['train', '--resume', id, '--runs-root', runs, '--backend', 'wasm'];
const dirOf = (id: string): string => join(runs, id);

before(async () => {
  config = await tinyGlyphRun(root, EPOCHS);
  const ref = await runCli(train('ref'));
  assert.equal(ref.code, 0, ref.err);
});

async function kill(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  const { signal } = await child.exited;
  assert.equal(signal, 'SIGKILL', 'the process was killed, not finished');
}

/** The checkpoint a killed run left verifies (checksum) and is the one of `epoch` (none when -1). */
function assertCheckpointOf(id: string, epoch: number): void {
  const dir = new RunDir(dirOf(id));
  if (epoch < 0) assert.equal(dir.hasCheckpoint(), false, `${id}: no checkpoint yet`);
  else assert.equal(readCheckpoint(dir.checkpointPath).state.epoch, epoch, `${id}: the last good checkpoint is intact`);
}

type Point = { kind: 'step'; epoch: number; step: number; delayMs: number } | { kind: 'evaluate' | 'checkpoint-write'; nth: number };

function describePoint(p: Point): string {
  return p.kind === 'step' ? `after step ${p.step} of epoch ${p.epoch} (+${p.delayMs} ms)` : `inside ${p.kind} #${p.nth}`;
}

/** The epoch a run started with `args` trains first: 0, or the one after its checkpoint when resumed. */
function firstEpochOf(id: string, args: string[]): number {
  const dir = new RunDir(dirOf(id));
  if (!args.includes('--resume') || !dir.hasCheckpoint()) return 0;
  const { state } = readCheckpoint(dir.checkpointPath);
  return state.inEpoch ? state.inEpoch.epoch : state.epoch + 1;
}

/** Starts a run (fresh or resumed), kills it at `point`, checks what it left. */
async function killAt(id: string, args: string[], point: Point): Promise<void> {
  if (point.kind === 'step') {
    const attempt = attemptsIn(dirOf(id)) + 1;
    // held at the evaluation that ends the kill's epoch (one per epoch, counted from this process's
    // first), so that no machine is fast enough to finish the run before the kill arrives; a kill that
    // lands there still finds that epoch's checkpoint unwritten
    const hold = `evaluate@${point.epoch - firstEpochOf(id, args) + 1}`;
    const child = startCli(args, { SEE_KIT_PAUSE: hold, SEE_KIT_PAUSE_MS: '120000' });
    await waitForLog(dirOf(id), (r) => r.kind === 'step' && r.epoch === point.epoch && r.step === point.step, child, 60000, attempt);
    await new Promise((r) => setTimeout(r, point.delayMs));
    await kill(child);
    const ck = new RunDir(dirOf(id)).hasCheckpoint() ? readCheckpoint(join(dirOf(id), 'checkpoint.safetensors')).state.epoch : -1;
    assert.ok(ck <= point.epoch, `${id}: checkpoint of epoch ${ck} verifies`);
    return;
  }
  const pause = point.kind === 'evaluate' ? `evaluate@${point.nth}` : `write:checkpoint.safetensors@${point.nth}`;
  const child = startCli(args, { SEE_KIT_PAUSE: pause, SEE_KIT_PAUSE_MS: '120000' });
  await waitForStderr(child, new RegExp(`pause point ${pause.replace('@', ' #')} reached`), 120000);
  await kill(child);
  // killed while epoch nth-1 was evaluated or its checkpoint half written: the one of epoch nth-2 is the last good one
  assertCheckpointOf(id, point.nth - 2);
  const files = readdirSync(dirOf(id));
  assert.ok(files.includes('run.lock'), 'the killed process left its lock');
  if (point.kind === 'checkpoint-write')
    assert.ok(
      files.some((f) => /^\.checkpoint\.safetensors\.\d+\.\d+\.tmp$/.test(f)),
      `a half-written checkpoint is left: ${files}`,
    );
}

test('SIGKILL at random points (5 trials), then --resume: the same metrics, parameters and step losses as an uninterrupted run', async (t) => {
  const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
  t.diagnostic(`KILL_SEED=${seed}`);
  const rng = keyedRandom(seed, 17);
  const randomPoint = (kind: Point['kind']): Point => {
    if (kind !== 'step') return { kind, nth: rng.int(1, EPOCHS + 1) };
    const at = rng.int(0, EPOCHS * STEPS); // the last step too: killAt holds the run before it can finish
    return { kind, epoch: Math.floor(at / STEPS), step: at % STEPS, delayMs: rng.int(0, 40) };
  };
  const kinds: Point['kind'][] = ['step', 'evaluate', 'checkpoint-write'];
  const trials = [...kinds, kinds[rng.int(0, 3)], kinds[rng.int(0, 3)]];
  for (const [i, kind] of trials.entries()) {
    const id = `kill-${i}`;
    const point = randomPoint(kind);
    t.diagnostic(`trial ${i}: SIGKILL ${describePoint(point)}`);
    await killAt(id, train(id), point);
    if (i === trials.length - 1) {
      // the last trial is killed a second time, while resuming, at a step after its checkpoint
      const dir = new RunDir(dirOf(id));
      const from = dir.hasCheckpoint() ? (readCheckpoint(dir.checkpointPath).state.epoch + 1) * STEPS : 0;
      const at = rng.int(from, Math.max(from + 1, EPOCHS * STEPS - 1));
      if (at < EPOCHS * STEPS - 1) {
        const again: Point = { kind: 'step', epoch: Math.floor(at / STEPS), step: at % STEPS, delayMs: rng.int(0, 40) };
        t.diagnostic(`trial ${i}: resumed, SIGKILL again ${describePoint(again)}`);
        await killAt(id, resume(id), again);
      }
    }
    const r = await runCli(resume(id));
    assert.equal(r.code, 0, `${id}: ${r.err}`);
    assertSameRun(dirOf(id), dirOf('ref'), `trial ${i} (${describePoint(point)})`);
  }
});

test('SIGTERM stops at the next step boundary: checkpoint, `stopped` event, exit 143; --resume finishes it identically', async (t) => {
  const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
  // not in the last epoch: the run is held at the end of the signal's epoch (below) and must have a
  // step boundary after that evaluation
  const at = keyedRandom(seed, 23).int(0, (EPOCHS - 1) * STEPS);
  const [epoch, step] = [Math.floor(at / STEPS), at % STEPS];
  t.diagnostic(`SIGTERM after step ${step} of epoch ${epoch}`);
  // held at that epoch's evaluation until the signal is in, so that no machine is fast enough to
  // finish the run before it arrives
  const release = join(root, 'term.release');
  const child = startCli(train('term'), {
    SEE_KIT_PAUSE: `evaluate@${epoch + 1}`,
    SEE_KIT_PAUSE_UNTIL: release,
    SEE_KIT_PAUSE_MS: '120000',
  });
  await waitForLog(dirOf('term'), (r) => r.kind === 'step' && r.epoch === epoch && r.step === step, child);
  await signalHeldRun(child, 'SIGTERM', release);
  const { code, signal } = await child.exited;
  assert.deepEqual([code, signal], [143, null], child.err.join(''));
  assert.match(child.err.join(''), /SIGTERM: stopping at the next step boundary with a checkpoint/);
  assert.match(
    child.err.join(''),
    /see-kit: stopped by SIGTERM before step \d of epoch \d; checkpoint written to .*term\/checkpoint\.safetensors; continue with --resume/,
  );
  const dir = new RunDir(dirOf('term'));
  const stopped = dir.readLog().filter((r) => r.event === 'stopped');
  assert.equal(stopped.length, 1);
  const ck = readCheckpoint(dir.checkpointPath);
  const position = ck.state.inEpoch ? [ck.state.inEpoch.epoch, ck.state.inEpoch.step] : [ck.state.epoch + 1, 0];
  assert.deepEqual([stopped[0].epoch, stopped[0].step], position, 'the checkpoint is where the stopped event says');
  assert.ok(position[0] * STEPS + position[1] > at, 'stopped after the step it was sent in');
  assert.deepEqual(readdirSync(dir.path).sort(), ['checkpoint.safetensors', 'config.json', 'log.jsonl'], 'no lock left, no metrics');
  const r = await runCli(resume('term'));
  assert.equal(r.code, 0, r.err);
  assertSameRun(dirOf('term'), dirOf('ref'), 'SIGTERM and resume');
});

test('a second process on a live run folder refuses naming the first; after a SIGKILL its lock does not block --resume', async () => {
  const first = startCli(train('double'), { SEE_KIT_PAUSE: 'evaluate@1', SEE_KIT_PAUSE_MS: '120000' });
  await waitForStderr(first, /pause point evaluate #1 reached/, 120000);
  const pid = first.proc.pid;
  for (const args of [train('double'), resume('double')]) {
    const second = await runCli(args);
    assert.equal(second.code, 1);
    assert.match(
      second.err,
      new RegExp(
        `see-kit: run folder .*double is in use: process ${pid} on .* has held it since .*; if you are sure no process uses the folder, delete .*double/run\\.lock`,
      ),
    );
  }
  await kill(first);
  const r = await runCli(resume('double'));
  assert.equal(r.code, 0, r.err);
  const resumed = new RunDir(dirOf('double')).readLog().find((e) => e.event === 'start' && e.staleLock);
  assert.equal((resumed?.staleLock as { pid: number }).pid, pid, 'the log names the stale lock it replaced');
  assertSameRun(dirOf('double'), dirOf('ref'), 'killed during the first evaluation while a second process was refused');
});
