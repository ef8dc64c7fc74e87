/**
 * A local sweep (4 tiny glyph runs: Proxy-Anchor and SEE x 2 seeds, 2 processes at once, bin/see-kit
 * as child processes) interrupted twice ends with exactly the results of an uninterrupted sweep:
 * 1. SIGKILL to the sweep process alone: its run processes notice their pool is gone and stop at a
 *    step boundary with a checkpoint (a `stopped` event, SIGHUP); the sweep is started again at once
 *    and waits for them to let go of their folders;
 * 2. SIGKILL to the whole process group once a run has finished and another has a checkpoint;
 * then started again: finished runs are skipped (their files untouched, one start in their log; the
 * lock of a run killed between its metrics.json and its lock's release removed),
 * unfinished ones resume from their checkpoints; every run equals the uninterrupted sweep's run
 * (metrics, every checkpoint tensor, each step's loss, the files) and results.json is the same.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RunDir } from '../../lib/train/run_dir';
import { liveLockHolder } from '../../lib/train/run_lock';
import { assertSameRun, runCli, startCli, tinyGlyphRun, type Child } from '../cli/child';

const root = mkdtempSync(join(tmpdir(), 'see-sweep-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));
const IDS = ['PA-seed0', 'SEE-seed0', 'PA-seed1', 'SEE-seed1'];
let sweepFile: string;

const sweep = (runsRoot: string): string[] => ['sweep', sweepFile, '--runs-root', runsRoot, '--jobs', '2', '--backend', 'wasm'];
const runDir = (runsRoot: string, id: string): RunDir => new RunDir(join(runsRoot, 'tiny', id));
const finished = (runsRoot: string): string[] => IDS.filter((id) => existsSync(join(runsRoot, 'tiny', id, 'metrics.json')));
const checkpointed = (runsRoot: string): string[] =>
  IDS.filter((id) => !finished(runsRoot).includes(id) && existsSync(join(runsRoot, 'tiny', id, 'checkpoint.safetensors')));
const events = (runsRoot: string, id: string, event: string): Record<string, unknown>[] => {
  const dir = runDir(runsRoot, id);
  return existsSync(dir.logPath) ? dir.readLog().filter((r) => r.kind === 'event' && r.event === event) : [];
};

async function until(what: string, probe: () => boolean, child: Child, timeoutMs = 120000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  while (!probe()) {
    if (exited) throw new Error(`${what}: the sweep exited first\n${child.out.join('')}\n${child.err.join('')}`);
    if (Date.now() > end) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

before(async () => {
  // 3 epochs of 3 steps, a checkpoint per epoch. A run process reads its parent pid at every step
  // boundary, so an orphan of step 1 below stops at its first boundary after the kill: the later of the
  // two to log a step has 8 steps left then, the earlier may have finished on a loaded machine (when the
  // check was a 0.5 s timer, both orphans finished first in 2 tries of 2 epochs on a fast machine)
  const base = await tinyGlyphRun(root, 3);
  sweepFile = join(root, 'sweep.json');
  writeFileSync(
    sweepFile,
    JSON.stringify({
      name: 'tiny',
      base,
      set: ['evalMetrics=["recall","mapAtR"]'],
      variants: [{ name: 'PA', set: ['loss.name=proxy_anchor'] }, { name: 'SEE' }],
      seeds: [0, 1],
      compare: [['SEE', 'PA']],
    }),
  );
});

test('a sweep killed twice (its process, then its process group) and started again ends as an uninterrupted sweep', async (t) => {
  const ref = join(root, 'ref');
  const whole = await runCli(sweep(ref));
  assert.equal(whole.code, 0, whole.err);
  assert.deepEqual(finished(ref), IDS);
  assert.match(whole.out, /sweep tiny: 4 runs \(2 variants x 2 seeds\), 0 finished before; 2 at once, 1 training thread\(s\) each/);
  assert.match(whole.out, /^metric \(%\) +PA \(n 2\) +SEE \(n 2\) +SEE - PA$/m);
  assert.match(whole.out, /^R@1 +\d+\.\d\d ± \d+\.\d\d +\d+\.\d\d ± \d+\.\d\d +[+-]\d+\.\d\d ± \d+\.\d\d$/m);

  const runs = join(root, 'killed');
  // 1. the sweep process alone is killed while its runs train: they stop themselves with a checkpoint
  const first = startCli(sweep(runs), {}, { detached: true });
  await until(
    'a step of the first two runs',
    () =>
      IDS.slice(0, 2).every(
        (id) =>
          existsSync(runDir(runs, id).logPath) &&
          runDir(runs, id)
            .readLog()
            .some((r) => r.kind === 'step'),
      ),
    first,
  );
  first.proc.kill('SIGKILL');
  await first.exited;
  const orphans = IDS.slice(0, 2);
  t.diagnostic(`SIGKILL to the sweep process while ${orphans.join(' and ')} trained`);
  // 2. started again at once: it waits for the orphans to let go, then runs; killed with its whole group mid-way
  const second = startCli(sweep(runs), {}, { detached: true });
  await until('one run finished and another with a checkpoint', () => finished(runs).length >= 1 && checkpointed(runs).length >= 1, second);
  process.kill(-(second.proc.pid as number), 'SIGKILL');
  await second.exited;
  // the orphans of step 1 are not in the second sweep's group: on a loaded machine one may still be
  // training here (the probe above can be met by the orphans' own checkpoint and finish); wait until
  // each has let go of its folder, by stopping itself or by finishing
  const orphansGone = Date.now() + 120000;
  while (orphans.some((id) => liveLockHolder(join(runs, 'tiny', id)) !== undefined)) {
    assert.ok(Date.now() < orphansGone, `orphans ${orphans.join(', ')} still hold their folders 120 s after their sweep was killed`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [done, resumable] = [finished(runs), checkpointed(runs)];
  t.diagnostic(`SIGKILL to the process group: finished ${done.join(', ')}; with a checkpoint ${resumable.join(', ')}`);
  // an orphan stops itself once it sees its pool gone, unless it finished its last steps first (a loaded machine)
  const stoppedOrphans = orphans.filter((id) => events(runs, id, 'stopped').some((e) => e.signal === 'SIGHUP'));
  for (const id of orphans) {
    assert.ok(
      stoppedOrphans.includes(id) || done.includes(id),
      `${id}: neither stopped itself when its sweep was gone nor finished (${JSON.stringify(events(runs, id, 'stopped'))})`,
    );
  }
  t.diagnostic(`orphans that stopped themselves: ${stoppedOrphans.join(', ') || 'none'}`);
  assert.ok(stoppedOrphans.length >= 1, 'at least one orphan stopped itself when its sweep was gone');
  await new Promise((r) => setTimeout(r, 200));
  for (const id of IDS) assert.equal(liveLockHolder(join(runs, 'tiny', id)), undefined, `${id}: no process left after the group kill`);
  const before = new Map(
    done.map((id) => [id, ['metrics.json', 'checkpoint.safetensors', 'log.jsonl'].map((f) => readFileSync(join(runs, 'tiny', id, f)))]),
  );

  // 3. started again: skips the finished, resumes the rest, ends as the uninterrupted sweep
  const last = await runCli(sweep(runs));
  assert.equal(last.code, 0, last.err);
  assert.match(last.out, new RegExp(`sweep tiny: 4 runs \\(2 variants x 2 seeds\\), ${done.length} finished before`));
  for (const id of done) {
    assert.deepEqual(
      ['metrics.json', 'checkpoint.safetensors', 'log.jsonl'].map((f) => readFileSync(join(runs, 'tiny', id, f))),
      before.get(id),
      `${id}: a finished run is left as it was`,
    );
    assert.doesNotMatch(last.out, new RegExp(`\\[${id}\\]`), `${id}: no process started for a finished run`);
  }
  for (const id of resumable) assert.ok(events(runs, id, 'resume').length >= 1, `${id}: resumed from its checkpoint`);
  for (const id of IDS) assertSameRun(join(runs, 'tiny', id), join(ref, 'tiny', id), id);
  const results = (r: string): unknown => JSON.parse(readFileSync(join(r, 'tiny', 'results.json'), 'utf8'));
  assert.deepEqual(results(runs), results(ref), 'results.json: the same statistics');
  assert.equal(
    last.out.split('results:')[0].split('sweep tiny: 4 finished')[1],
    whole.out.split('results:')[0].split('sweep tiny: 4 finished')[1],
    'the same printed report',
  );
});
