/**
 * The Slurm side of sweeps without a cluster: the job script's directives, --dry-run, submission
 * through an `sbatch` found on PATH (a stand-in that records what it was given; .ci/run submits to a
 * real single-node Slurm), the status from run folders and squeue/sacct stand-ins, and a run
 * process under Slurm's environment variables: its log records the array task; on SIGUSR1 (the time
 * limit's warning) it checkpoints and requeues itself with scontrol; started again as the requeued
 * job on "another node" it takes over its earlier incarnation's lock and resumes.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../lib/cli/main';
import { arraySpec, checkSlurmOptions, DEFAULT_SLURM, sbatchScript, submissions } from '../../lib/sweeps/slurm_job';
import { defineSweep, expandSweep } from '../../lib/sweeps/sweep_definition';
import { mergePlan, SweepFolder } from '../../lib/sweeps/sweep_folder';
import { RunDir } from '../../lib/train/run_dir';
import { REPO, runCli, signalHeldRun, startCli, tinyGlyphRun, waitForLog } from '../cli/child';

const root = mkdtempSync(join(tmpdir(), 'see-slurm-'));
const fakeBin = join(root, 'bin');
const runs = join(root, 'runs');
let sweepFile: string;
after(() => rmSync(root, { recursive: true, force: true }));

/** A stand-in command: records its arguments (and a copy of an sbatch script) in <name>.calls, prints `output`, exits `code`. */
function fake(name: string, output: string, code = 0): void {
  writeFileSync(
    join(fakeBin, name),
    `#!/bin/sh\necho "$@" >> "${join(root, `${name}.calls`)}"\n[ -f "$2" ] && cp "$2" "${join(root, `${name}.script`)}"\nprintf '%s\\n' "${output}"\nexit ${code}\n`,
  );
  chmodSync(join(fakeBin, name), 0o755);
}

async function cli(args: string[], path?: string): Promise<{ code: number; out: string; err: string }> {
  const saved = process.env.PATH;
  if (path !== undefined) process.env.PATH = path;
  const out: string[] = [];
  const err: string[] = [];
  try {
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    process.env.PATH = saved;
  }
}

before(async () => {
  mkdirSync(fakeBin);
  const base = await tinyGlyphRun(root, 2);
  sweepFile = join(root, 'sweep.json');
  writeFileSync(
    sweepFile,
    JSON.stringify({
      name: 'tiny',
      base,
      variants: [{ name: 'PA', set: ['loss.name=proxy_anchor'] }, { name: 'SEE' }],
      seeds: [0, 1],
      baseline: 'PA',
    }),
  );
});

test('the job script: one array task per run left, the GPU, backend, time and memory asked for, requeue and the time-limit signal', () => {
  assert.equal(arraySpec([8, 0, 1, 2, 3, 5, 7]), '0-3,5,7-8');
  const def = defineSweep(JSON.parse(readFileSync(sweepFile, 'utf8')), sweepFile);
  const folder = new SweepFolder(join(runs, 'tiny'));
  const plan = mergePlan(undefined, def, expandSweep(def));
  const script = sbatchScript(folder, plan, [1, 3], { ...DEFAULT_SLURM, partition: 'gpu', time: '2-00:00:00' }, '/opt/node/bin/node');
  const lines = script.split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  for (const d of [
    '--job-name=see-tiny',
    '--array=1,3',
    '--gres=gpu:1',
    '--cpus-per-task=4',
    '--mem=32G',
    '--time=2-00:00:00',
    '--partition=gpu',
    `--output=${join(folder.path, 'slurm', '%A_%a.out')}`,
    '--open-mode=append',
    '--requeue',
    '--signal=B:USR1@300',
  ]) {
    assert.ok(lines.includes(`#SBATCH ${d}`), `#SBATCH ${d} in\n${script}`);
  }
  assert.ok(lines.includes("export SEE_BACKEND='webgpu'"));
  assert.ok(lines.includes('export SEE_WORKERS=4'), "training threads = the task's CPUs");
  assert.equal(
    lines.at(-2),
    `exec '/opt/node/bin/node' '${join(REPO, 'bin', 'see-kit')}' sweep-task '${folder.path}' "$SLURM_ARRAY_TASK_ID"`,
  );
  const noGpu = sbatchScript(folder, plan, [0], { ...DEFAULT_SLURM, gres: 'none', stopBefore: 0 });
  assert.ok(!/--gres|--signal/.test(noGpu), 'gres none and stop-before 0 leave those lines out');
  assert.throws(() => checkSlurmOptions({ ...DEFAULT_SLURM, time: '2 days' }), /--time 2 days: expected minutes, HH:MM:SS or D-HH:MM:SS/);
  assert.throws(() => checkSlurmOptions({ ...DEFAULT_SLURM, mem: '32GB' }), /--mem 32GB: expected a size like 32G/);
  assert.throws(() => checkSlurmOptions({ ...DEFAULT_SLURM, gres: 'gpu 1' }), /--gres gpu 1: expected e\.g\. gpu:1/);
});

test('--dry-run prints the script and writes nothing; sbatch submits only unfinished runs; --status reads folders and squeue', async () => {
  const dry = await cli([
    'sweep',
    sweepFile,
    '--slurm',
    '--dry-run',
    '--runs-root',
    runs,
    '--backend',
    'wasm',
    '--time',
    '0:20:00',
    '--mem',
    '2G',
  ]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^# dry run: nothing written or submitted/);
  assert.match(dry.out, /#SBATCH --array=0-3\n#SBATCH --gres=gpu:1\n#SBATCH --cpus-per-task=4\n#SBATCH --mem=2G\n#SBATCH --time=0:20:00\n/);
  assert.equal(existsSync(runs), false, 'a dry run writes nothing');
  const none = await cli(['sweep', sweepFile, '--slurm', '--runs-root', runs], join(root, 'empty'));
  assert.equal(none.code, 1);
  assert.match(none.err, /sbatch is not on PATH; print the job script with --dry-run and submit it where Slurm runs/);
  const bad = await cli(['sweep', sweepFile, '--slurm', '--runs-root', runs, '--backend', 'cuda']);
  assert.match(bad.err, /"cuda" is not a backend/);

  fake('sbatch', '4242');
  const path = `${fakeBin}:${process.env.PATH}`;
  const sub = await cli(
    ['sweep', sweepFile, '--slurm', '--runs-root', runs, '--backend', 'wasm', '--gres', 'gpu:1', '--cpus-per-task', '1'],
    path,
  );
  assert.equal(sub.code, 0, sub.err);
  assert.match(sub.out, /^submitted Slurm job 4242: 4 array task\(s\) of sweep tiny/);
  assert.match(readFileSync(join(root, 'sbatch.calls'), 'utf8'), /^--parsable .*runs\/tiny\/slurm\/sweep-1\.sbatch$/m);
  assert.match(readFileSync(join(root, 'sbatch.script'), 'utf8'), /#SBATCH --array=0-3\n#SBATCH --gres=gpu:1\n#SBATCH --cpus-per-task=1\n/);
  const folder = new SweepFolder(join(runs, 'tiny'));
  assert.equal(folder.readPlan().runs.length, 4);
  // run 0 finished meanwhile: a second submission asks only for the other three
  new RunDir(join(folder.path, 'PA-seed0')).writeMetrics({
    status: 'finished',
    epochs: 2,
    best: { epoch: 1, test: { recallAtK: { '1': 0.5 } } },
    last: { epoch: 1, test: { recallAtK: { '1': 0.5 } } },
    history: [],
  });
  fake('sbatch', '4243;cluster');
  assert.equal((await cli(['sweep', sweepFile, '--slurm', '--runs-root', runs, '--backend', 'wasm'], path)).code, 0);
  assert.match(readFileSync(join(root, 'sbatch.script'), 'utf8'), /#SBATCH --array=1-3\n/);
  assert.deepEqual(
    submissions(folder).map((s) => [s.jobId, s.indices]),
    [
      ['4242', [0, 1, 2, 3]],
      ['4243', [1, 2, 3]],
    ],
  );

  fake('squeue', '4243_1|RUNNING|node7\n4243_2|PENDING|(Resources)\n4242_1|CANCELLED|node1');
  fake('sacct', 'Slurm accounting storage is disabled', 1);
  const status = await cli(['sweep', '--status', sweepFile, '--runs-root', runs], path);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /^sweep tiny \(.*runs\/tiny\): 4 runs; 1 finished, 3 not started$/m);
  assert.match(status.out, /^ {2}0 {2}PA-seed0 {3}finished {5}R@1 50\.00 \(epoch 2\)$/m);
  assert.match(status.out, /^ {2}1 {2}SEE-seed0 {2}not started {2} {2}\[slurm 4243_1 RUNNING node7\]$/m);
  assert.match(status.out, /^ {2}2 {2}PA-seed1 {3}not started {2} {2}\[slurm 4243_2 PENDING \(Resources\)\]$/m);
  assert.match(status.out, /^note: sacct: Slurm accounting storage is disabled \(ended tasks are read from the run folders\)$/m);
  assert.match(readFileSync(join(root, 'squeue.calls'), 'utf8'), /^-h -r -j 4242,4243 -o %i\|%T\|%R$/m);
  const gather = await cli(['sweep', sweepFile, '--gather', '--runs-root', runs]);
  assert.equal(gather.code, 1);
  assert.match(gather.err, /3 run\(s\) have not finished: SEE-seed0, PA-seed1, SEE-seed1/);
});

test('a run under Slurm: its log names the array task; SIGUSR1 checkpoints and requeues; the requeued job takes over its old lock and resumes', async () => {
  const folder = new SweepFolder(join(runs, 'tiny'));
  fake('scontrol', '');
  const env = {
    PATH: `${fakeBin}:${process.env.PATH}`,
    SEE_BACKEND: 'wasm',
    SLURM_JOB_ID: '4247',
    SLURM_ARRAY_JOB_ID: '4243',
    SLURM_ARRAY_TASK_ID: '3',
    SLURMD_NODENAME: 'node7',
  };
  // held at the first epoch's evaluation until the signal is in, so that no machine is fast enough
  // to finish the run before it arrives
  const release = join(root, 'usr1.release');
  const first = startCli(['sweep-task', folder.path], {
    ...env,
    SEE_KIT_PAUSE: 'evaluate@1',
    SEE_KIT_PAUSE_UNTIL: release,
    SEE_KIT_PAUSE_MS: '120000',
  });
  const dir = join(folder.path, 'SEE-seed1');
  await waitForLog(dir, (r) => r.kind === 'step' && r.epoch === 0 && r.step === 1, first, 120000);
  await signalHeldRun(first, 'SIGUSR1', release, 120000);
  const { code } = await first.exited;
  assert.equal(code, 138, first.err.join(''));
  assert.match(first.err.join(''), /requeued Slurm job 4243_3: its next start resumes from the checkpoint/);
  assert.equal(readFileSync(join(root, 'scontrol.calls'), 'utf8').trim(), 'requeue 4243_3');
  const log = new RunDir(dir).readLog();
  assert.deepEqual(log.find((r) => r.event === 'start')?.slurm, { jobId: '4247', arrayJobId: '4243', arrayTaskId: '3', node: 'node7' });
  assert.equal(log.find((r) => r.event === 'stopped')?.signal, 'SIGUSR1');
  // Slurm starts the requeued job again, here as if on another node after the first was killed holding its lock
  writeFileSync(
    join(dir, 'run.lock'),
    JSON.stringify({ pid: 999999, host: 'node3', since: '2026-01-01T00:00:00.000Z', slurmJob: '4247', slurmRestart: 0 }) + '\n',
  );
  const again = await runCli(['sweep-task', folder.path], { ...env, SLURMD_NODENAME: 'node3', SLURM_RESTART_COUNT: '1' });
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /run 3 \(SEE-seed1\) finished: last-epoch R@1/);
  const resumed = new RunDir(dir).readLog().find((r) => r.event === 'resume');
  assert.deepEqual(resumed?.slurm, { jobId: '4247', arrayJobId: '4243', arrayTaskId: '3', node: 'node3', restartCount: '1' });
  assert.equal((resumed?.staleLock as { host: string }).host, 'node3');
  // another job's lock from another host is not taken over
  mkdirSync(join(folder.path, 'PA-seed1'));
  writeFileSync(
    join(folder.path, 'PA-seed1', 'run.lock'),
    JSON.stringify({ pid: 1, host: 'node9', since: '2026-01-01T00:00:00.000Z', slurmJob: '4999', slurmRestart: 0 }) + '\n',
  );
  const refused = await runCli(['sweep-task', folder.path, '2'], { ...env, SLURM_ARRAY_TASK_ID: '2', SLURM_RESTART_COUNT: '1' });
  assert.equal(refused.code, 1);
  assert.match(refused.err, /run folder .*PA-seed1 is in use: process 1 on node9 has held it since 2026-01-01/);
});
