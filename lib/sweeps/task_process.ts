/**
 * `see-kit sweep-task <sweep folder> [index]`: one run of a prepared sweep as its own process, what
 * the local pool's workers and Slurm's array tasks execute (the index defaults to
 * SLURM_ARRAY_TASK_ID). Stops cleanly, at a step boundary with a checkpoint:
 * - on SIGTERM or SIGINT (preemption, scancel, the pool stopping), exit 128 + signal;
 * - when the pool that started it is gone (SEE_KIT_SWEEP_PARENT names its pid, read again at every
 *   step boundary), so a killed sweep leaves no orphan training on;
 * - under Slurm on SIGUSR1, which the job script asks for shortly before the time limit
 *   (`--signal=B:USR1@<s>`): the task then requeues itself (`scontrol requeue <job>_<task>`) and
 *   its next start resumes from the checkpoint.
 */
import { spawnSync } from 'node:child_process';
import { slurmTask } from '../train/scheduler_env';
import { RunStoppedError, StopSignals, type StopRequest } from '../train/stop_signal';
import { terminalProgress } from '../train/progress';
import { runSweepTask } from './run_task';
import { SweepFolder } from './sweep_folder';

export interface TaskIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

function taskIndex(arg: string | undefined): number {
  const value = arg ?? process.env.SLURM_ARRAY_TASK_ID;
  if (value === undefined) throw new Error('sweep-task needs a run index (or SLURM_ARRAY_TASK_ID, as in a Slurm array task)');
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`sweep-task: run index ${JSON.stringify(value)}, expected an integer >= 0`);
  return n;
}

/**
 * Stops when the pool that started this process has gone (its pid is no longer our parent). The
 * training loop asks at every step boundary, and each question reads the parent pid afresh (one
 * getppid call): no polling timer that a small run's last steps could outrun on a fast machine.
 */
function orphanWatch(): { stopped: () => boolean } {
  const parent = Number(process.env.SEE_KIT_SWEEP_PARENT);
  if (!Number.isInteger(parent) || parent <= 0) return { stopped: () => false };
  // once the pool is gone, nothing reads our output: a write must not end the process (EPIPE) before it checkpoints
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  let gone = false;
  return {
    stopped: () => {
      if (!gone && process.ppid !== parent) {
        gone = true;
        process.stderr.write(`[see-kit] the sweep process ${parent} is gone: stopping at the next step boundary with a checkpoint\n`);
      }
      return gone;
    },
  };
}

/** Asks Slurm to put this task back in the queue (after a checkpoint before the time limit). */
function requeueSelf(io: TaskIo): void {
  const s = slurmTask();
  if (!s) return;
  const id = s.arrayJobId && s.arrayTaskId ? `${s.arrayJobId}_${s.arrayTaskId}` : s.jobId;
  const r = spawnSync('scontrol', ['requeue', id], { encoding: 'utf8' });
  if (r.status === 0) io.err(`[see-kit] requeued Slurm job ${id}: its next start resumes from the checkpoint`);
  else
    io.err(
      `[see-kit] could not requeue Slurm job ${id} (${r.error?.message ?? r.stderr.trim()}); resubmit the sweep with --slurm to continue it`,
    );
}

export async function runTaskProcess(folderPath: string | undefined, indexArg: string | undefined, io: TaskIo): Promise<number> {
  if (!folderPath) throw new Error('sweep-task needs the sweep folder (the one holding plan.json)');
  const index = taskIndex(indexArg);
  const underSlurm = slurmTask() !== undefined;
  const signals = new StopSignals(underSlurm ? ['SIGTERM', 'SIGINT', 'SIGUSR1'] : ['SIGTERM', 'SIGINT']);
  const orphan = orphanWatch();
  const stop: StopRequest = {
    get signal() {
      return signals.signal ?? (orphan.stopped() ? 'SIGHUP' : undefined);
    },
  };
  try {
    const outcome = await runSweepTask(new SweepFolder(folderPath), index, { stop, progress: terminalProgress(), say: io.out });
    if (outcome.status === 'already finished') {
      io.out(`run ${index} (${outcome.run.id}) has finished already (metrics.json): nothing to do`);
    } else {
      const r1 = outcome.metrics?.last.test.recallAtK['1'];
      io.out(`run ${index} (${outcome.run.id}) finished${r1 === undefined ? '' : `: last-epoch R@1 ${(100 * r1).toFixed(2)}`}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof RunStoppedError) {
      io.err(`see-kit: ${err.message}`);
      if (err.signal === 'SIGUSR1') requeueSelf(io);
      return err.exitCode;
    }
    throw err;
  } finally {
    signals.dispose();
  }
}
