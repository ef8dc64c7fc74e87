/**
 * A tiny SEE training run of the glyph-size network (`resnet_small.demo`, 32 px images) through
 * the kit's own loop: train step (SEE's batch term in the tape, expansion term after it), AdamW,
 * checkpoints, a resumed second half, and evaluation through lib/eval with tensor inputs.
 * The images are synthetic: each class is a fixed random pattern plus noise.
 * Used by test/backend/async_reads.test.ts (cpu, synchronous reads made to throw) and by
 * test/webgpu/train_glyphs.test.ts (webgpu on lavapipe or a GPU).
 */
import { tf } from '../../lib/tf';
import { createEmbeddingModel } from '../../lib/backbones/model';
import { SeeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { evaluate } from '../../lib/eval';
import { train, type RunMetrics } from '../../lib/train/loop';
import { collectingProgress, type ProgressEvent } from '../../lib/train/progress';
import { RunDir } from '../../lib/train/run_dir';
import { RunStoppedError } from '../../lib/train/stop_signal';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../lib/train/train_config';
import type { Batch, BatchSource, Evaluator } from '../../lib/train/contracts';
import { Sfc32 } from '../../lib/random';
import { gauss } from '../train/doubles';

const SIZE = 32;
const CLASSES = 6;
const PIXELS = SIZE * SIZE * 3;

function patterns(seed: number): Float32Array[] {
  const rng = new Sfc32(seed);
  return Array.from({ length: CLASSES }, () => Float32Array.from({ length: PIXELS }, () => gauss(rng)));
}

function images(centres: Float32Array[], labels: number[], rng: Sfc32): tf.Tensor4D {
  const out = new Float32Array(labels.length * PIXELS);
  labels.forEach((c, i) => {
    for (let k = 0; k < PIXELS; k++) out[i * PIXELS + k] = centres[c][k] + 0.8 * gauss(rng);
  });
  return tf.tensor4d(out, [labels.length, SIZE, SIZE, 3]);
}

class PatternSource implements BatchSource {
  constructor(
    readonly centres: Float32Array[],
    readonly itersPerEpoch: number,
    readonly batch: number,
  ) {}

  *epoch(_epoch: number, seed: number, fromStep = 0): Iterable<Batch> {
    const rng = new Sfc32(seed);
    for (let s = 0; s < this.itersPerEpoch; s++) {
      // m = 2 per class, fixed batch shape (the webgpu buffer pool reuses buffers by exact size)
      const labels = Array.from({ length: this.batch }, (_, i) => (Math.floor(i / 2) + s) % CLASSES);
      const x = images(this.centres, labels, rng); // drawn for skipped steps too: the same noise from `fromStep` on
      if (s < fromStep) x.dispose();
      else yield { images: x, labels: tf.tensor1d(labels, 'int32') };
    }
  }
}

function patternEvaluator(centres: Float32Array[]): Evaluator {
  const labels = Array.from({ length: 4 * CLASSES }, (_, i) => i % CLASSES);
  return async (model) => {
    const x = images(centres, labels, new Sfc32(77));
    const y = tf.tensor1d(labels, 'int32');
    const z = model.embed(x, false); // [N, D]
    try {
      const r = await evaluate(
        { embeddings: z, labels: y },
        { name: 'tiny', ks: [1, 2], metrics: ['recall'], queryGallery: false },
        { onProgress: false },
      );
      return { recallAtK: Object.fromEntries((r.recall ?? []).map((k) => [String(k.k), k.recall])) };
    } finally {
      tf.dispose([x, y, z]);
    }
  };
}

export interface TinyRun {
  /** how the first attempt ended: stopped (as by SIGTERM) after its first `epochs` epochs */
  stopped: RunStoppedError;
  resumed: RunMetrics;
  events: ProgressEvent[];
}

/**
 * A run of 2 x `epochs` epochs of `steps` steps, stopped at a step boundary (as SIGTERM does)
 * after its first `epochs` epochs, then resumed in the same run folder with the same configuration.
 */
export async function tinySeeRun(dir: string, o: { epochs: number; steps: number; batch: number }): Promise<TinyRun> {
  const centres = patterns(3);
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 2 * o.epochs, lr: 1e-3, globalBatch: o.batch, warmupEpochs: 0, seed: 1 };
  const model = createEmbeddingModel('resnet_small.demo', { embeddingDim: 16, seed: 1 });
  const loss = new SeeProxyAnchorLoss({ numClasses: CLASSES, embeddingDim: 16, seed: 2, n: 4, plan: 1, threshold: 0.5 });
  const events: ProgressEvent[] = [];
  const stop: { signal: NodeJS.Signals | undefined } = { signal: undefined };
  const record = collectingProgress(events);
  const progress = (e: ProgressEvent): void => {
    record(e);
    if (e.epoch === o.epochs - 1 && e.step === o.steps - 1) stop.signal = 'SIGTERM';
  };
  const common = {
    model,
    loss,
    config,
    data: new PatternSource(centres, o.steps, o.batch),
    evaluate: patternEvaluator(centres),
    runDir: new RunDir(dir),
  };
  try {
    const stopped = await train({ ...common, progress, stop }).then(
      () => {
        throw new Error('tinySeeRun: the first attempt was not stopped');
      },
      (err: unknown) => {
        if (err instanceof RunStoppedError) return err;
        throw err;
      },
    );
    const resumed = await train({ ...common, progress: record, resume: true });
    return { stopped, resumed, events };
  } finally {
    model.dispose();
    loss.dispose();
  }
}
