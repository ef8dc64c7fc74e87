/**
 * One run of a sweep, in this process: what a local pool worker and a Slurm array task both do.
 * A run whose folder has metrics.json is finished and skipped; a run that started before (its
 * config.json exists: killed, stopped, preempted, requeued) resumes from its checkpoint, or starts
 * over when it had none yet; otherwise it starts. runExperiment does the checks, the lock and the
 * resume (a changed specification is refused, naming each key).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runExperiment } from '../experiments/run_experiment';
import type { RunMetrics } from '../train/loop';
import type { ProgressSink } from '../train/progress';
import type { StopRequest } from '../train/stop_signal';
import { removeStaleLock } from '../train/run_lock';
import type { PlannedRun } from './sweep_definition';
import type { SweepFolder } from './sweep_folder';

export interface TaskOutcome {
  run: PlannedRun;
  status: 'trained' | 'already finished';
  /** a resumed run (it had started before) */
  resumed: boolean;
  metrics?: RunMetrics;
}

export interface TaskOptions {
  stop?: StopRequest;
  progress?: ProgressSink;
  /** one line when the run starts */
  say?: (line: string) => void;
}

export function isFinished(folder: SweepFolder, run: PlannedRun): boolean {
  return existsSync(join(folder.runPath(run), 'metrics.json'));
}

/**
 * Whether a sweep skips this run because it has finished; its stale lock, left by a process killed
 * between writing metrics.json and releasing the lock, is removed then (nobody starts the run again).
 */
export function skipIfFinished(folder: SweepFolder, run: PlannedRun): boolean {
  if (!isFinished(folder, run)) return false;
  removeStaleLock(folder.runPath(run));
  return true;
}

export async function runSweepTask(folder: SweepFolder, index: number, options: TaskOptions = {}): Promise<TaskOutcome> {
  const plan = folder.readPlan();
  const run = folder.runAt(plan, index);
  if (skipIfFinished(folder, run)) return { run, status: 'already finished', resumed: false };
  const runPath = folder.runPath(run);
  const resumed = existsSync(join(runPath, 'config.json'));
  const { metrics } = await runExperiment(run.spec, {
    runPath,
    resume: resumed,
    stop: options.stop,
    progress: options.progress,
    onStart: () =>
      options.say?.(
        `sweep ${plan.name} run ${index} (${run.id}): ${resumed ? 'resuming' : 'starting'}, ${run.spec.loss.name}, seed ${run.seed}, ${run.spec.train.epochs} epochs`,
      ),
  });
  return { run, status: 'trained', resumed, metrics };
}
