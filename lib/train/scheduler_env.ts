/**
 * The Slurm job a process runs in, from the variables Slurm sets (sbatch(1), "OUTPUT ENVIRONMENT
 * VARIABLES"): recorded in a run's log at each start and resume, so the log shows which array task
 * trained it (and how often it was requeued), and in its run lock, so a requeued task on another
 * node can tell its own earlier, dead incarnation from a live process (Slurm runs a job id once at a time).
 */
export interface SlurmTask {
  jobId: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  node?: string;
  /** how many times the job was requeued (SLURM_RESTART_COUNT, absent before the first requeue) */
  restartCount?: string;
}

/** This process's Slurm job, or undefined outside Slurm. */
export function slurmTask(env: NodeJS.ProcessEnv = process.env): SlurmTask | undefined {
  const jobId = env.SLURM_JOB_ID;
  if (!jobId) return undefined;
  const out: SlurmTask = { jobId };
  if (env.SLURM_ARRAY_JOB_ID) out.arrayJobId = env.SLURM_ARRAY_JOB_ID;
  if (env.SLURM_ARRAY_TASK_ID) out.arrayTaskId = env.SLURM_ARRAY_TASK_ID;
  if (env.SLURMD_NODENAME) out.node = env.SLURMD_NODENAME;
  if (env.SLURM_RESTART_COUNT) out.restartCount = env.SLURM_RESTART_COUNT;
  return out;
}
