/**
 * A run that trains nothing (an evaluation-only training mode, such as the paper's pretrained
 * feature rows): under the run folder's lock, config.json, a start event, one evaluation record
 * (epoch 0) in the log, and metrics.json in the training loop's form (`epochs: 0`, best = last =
 * the one evaluation), so `see-kit table` and the notebooks read it as any other run.
 */
import type { EmbeddingModel } from '../types';
import type { Evaluator } from './contracts';
import { environment, type EvalRecord, type RunMetrics } from './loop';
import type { RunDir } from './run_dir';
import { acquireRunLock } from './run_lock';

export interface EvaluateOnceOptions {
  model: EmbeddingModel;
  evaluate: Evaluator;
  validate?: Evaluator;
  runDir: RunDir;
  /** what config.json records */
  config: Record<string, unknown>;
}

export async function evaluateOnce(o: EvaluateOnceOptions): Promise<RunMetrics> {
  const lock = acquireRunLock(o.runDir.path);
  try {
    const t0 = performance.now();
    o.runDir.writeConfig(o.config);
    o.runDir.log({ kind: 'event', epoch: 0, event: 'start', evaluationOnly: true, ...environment() });
    const record: EvalRecord = { epoch: 0, test: await o.evaluate(o.model, 0) };
    if (o.validate) record.validation = await o.validate(o.model, 0);
    o.runDir.log({ kind: 'eval', ...record });
    const metrics: RunMetrics = {
      status: 'finished',
      epochs: 0,
      best: record,
      last: record,
      ...(o.validate ? { selectedByValidation: record } : {}),
      history: [record],
      trainSeconds: (performance.now() - t0) / 1000,
    };
    o.runDir.writeMetrics(metrics);
    return metrics;
  } finally {
    lock.release();
  }
}
