/**
 * For scripts/slurm/ci.sh: every run of a sweep ran under Slurm, as a task of the given array job:
 * each start and resume event of its log records SLURM_ARRAY_JOB_ID = <job> and SLURM_ARRAY_TASK_ID
 * = the run's index; every run finished; each run named as `<index>:<signal>` was stopped by that
 * signal and resumed from its checkpoint as the requeued job (SLURM_RESTART_COUNT 1). Prints one
 * line per run; exits 1 naming every problem.
 * Usage: node --import tsx scripts/slurm/check_sweep.ts <sweep folder> <job id> [<index>:<signal>...]
 */
import { RunDir } from '../../lib/train/run_dir';
import { isFinished } from '../../lib/sweeps/run_task';
import { SweepFolder } from '../../lib/sweeps/sweep_folder';

function main(): number {
  const [folderPath, job, ...stops] = process.argv.slice(2);
  if (!folderPath || !job) throw new Error('usage: check_sweep.ts <sweep folder> <job id> [<index>:<signal>...]');
  const requeued = new Map(stops.map((s) => [Number(s.split(':')[0]), s.split(':')[1]]));
  const folder = new SweepFolder(folderPath);
  const plan = folder.readPlan();
  const problems: string[] = [];
  for (const run of plan.runs) {
    if (!isFinished(folder, run)) problems.push(`${run.id}: not finished`);
    const log = new RunDir(folder.runPath(run)).readLog();
    const lives = log.filter((r) => r.kind === 'event' && (r.event === 'start' || r.event === 'resume'));
    if (lives.length === 0) problems.push(`${run.id}: no start event in its log`);
    for (const e of lives) {
      const s = e.slurm as { arrayJobId?: string; arrayTaskId?: string; restartCount?: string } | undefined;
      if (s?.arrayJobId !== job || s.arrayTaskId !== String(run.index)) {
        problems.push(`${run.id}: its ${e.event} event did not run as Slurm task ${job}_${run.index} (slurm: ${JSON.stringify(s)})`);
      }
    }
    const signal = requeued.get(run.index);
    if (signal) {
      const stopped = log.some((r) => r.event === 'stopped' && r.signal === signal);
      const resumed = lives.some((e) => e.event === 'resume' && (e.slurm as { restartCount?: string } | undefined)?.restartCount === '1');
      if (!stopped || !resumed)
        problems.push(`${run.id}: expected a stop on ${signal} and a resume as the requeued job (stopped ${stopped}, resumed ${resumed})`);
    }
    const tasks = lives.map(
      (e) =>
        `${e.event} as ${(e.slurm as { arrayJobId?: string; arrayTaskId?: string } | undefined)?.arrayJobId}_${(e.slurm as { arrayTaskId?: string } | undefined)?.arrayTaskId}`,
    );
    console.log(`${run.id}: ${tasks.join(', ')}`);
  }
  for (const p of problems) console.error(`FAIL ${p}`);
  console.log(
    problems.length
      ? `check_sweep: ${problems.length} problem(s)`
      : `check_sweep: all ${plan.runs.length} runs ran under Slurm as tasks of job ${job}`,
  );
  return problems.length ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`check_sweep.ts: ${(e as Error).message}`);
  process.exitCode = 1;
}
