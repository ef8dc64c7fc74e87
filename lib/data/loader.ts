/**
 * Batch loader: decodes and augments images ahead of the training step (a bounded prefetch
 * queue: at most `prefetch` batches are in flight, nothing more starts until the consumer pulls,
 * which is the back-pressure), and hands out NHWC float32 image tensors with int32 labels.
 * A file that fails to decode stops the run with an error naming it; the only way to leave
 * files out is an explicit skip list applied to the sample list before sampling.
 */
import { readFile } from 'node:fs/promises';
import { tf } from '../tf';
import { keyedRandom } from '../random';
import type { Sample } from './split';
import { transformImage, type TransformSpec } from './transforms';

export interface Batch {
  /** [B, size, size, 3] float32, normalised */
  images: tf.Tensor4D;
  /** [B] int32 */
  labels: tf.Tensor1D;
  /** positions in the sample list (self-exclusion at evaluation) */
  indices: number[];
}

export interface LoaderOptions {
  samples: Sample[];
  /** lists of sample indices, e.g. UniqueClassSampler.epoch(e) or sequentialBatches(n, 500) */
  batches: number[][];
  spec: TransformSpec;
  /** batches decoded ahead of the consumer (default 2) */
  prefetch?: number;
  /** seed and epoch key the augmentation of every image (with batch and position) */
  seed?: number;
  epoch?: number;
  /** start at this batch (a run resuming inside an epoch); augmentation keys stay those of the full list */
  firstBatch?: number;
  /** called when decoding of batch `b` starts (lets tests and logs see the prefetch depth) */
  onStart?: (b: number) => void;
}

interface RawBatch { pixels: Float32Array; labels: Int32Array; indices: number[] }

/** Removes the listed files from `samples`; returns what remains and what was skipped (for the log). */
export function applySkipList(samples: Sample[], skip: Iterable<string>): { kept: Sample[]; skipped: Sample[] } {
  const set = new Set(skip);
  const kept: Sample[] = [];
  const skipped: Sample[] = [];
  for (const s of samples) (set.has(s.path) ? skipped : kept).push(s);
  return { kept, skipped };
}

/** What transformImage reads: the file's bytes, or its path where decoded pixels are kept per path (the Pillow resampler). */
async function imageInput(path: string, spec: TransformSpec): Promise<string | Buffer> {
  if (spec.resampler === 'pillow') return path;
  try {
    return await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read image (${(e as Error).message})`);
  }
}

async function decodeBatch(opts: LoaderOptions, b: number): Promise<RawBatch> {
  const { samples, batches, spec, seed = 0, epoch = 0 } = opts;
  const indices = batches[b];
  opts.onStart?.(b);
  const px = spec.size * spec.size * 3;
  const pixels = new Float32Array(indices.length * px);
  const labels = new Int32Array(indices.length);
  await Promise.all(indices.map(async (idx, k) => {
    const s = samples[idx];
    if (!s) throw new Error(`loader: batch ${b} names sample ${idx}, but there are ${samples.length}`);
    const rng = spec.mode === 'train' ? keyedRandom(seed, epoch, b, k) : undefined;
    pixels.set(await transformImage(await imageInput(s.path, spec), spec, rng, s.path), k * px);
    labels[k] = s.label;
  }));
  return { pixels, labels, indices };
}

/**
 * Yields the batches in order. Tensors are made when a batch is handed out, so a consumer
 * that stops early leaves none behind; the caller disposes each batch's tensors.
 */
export async function* loadBatches(opts: LoaderOptions): AsyncGenerator<Batch> {
  const prefetch = Math.max(1, opts.prefetch ?? 2);
  const n = opts.batches.length;
  const queue: Promise<RawBatch>[] = [];
  let next = opts.firstBatch ?? 0;
  const fill = (): void => {
    while (queue.length < prefetch && next < n) {
      const p = decodeBatch(opts, next++);
      p.catch(() => undefined); // observed when awaited; avoids an unhandled rejection meanwhile
      queue.push(p);
    }
  };
  fill();
  while (queue.length) {
    const raw = await (queue.shift() as Promise<RawBatch>);
    fill();
    const size = opts.spec.size;
    yield {
      images: tf.tensor4d(raw.pixels, [raw.indices.length, size, size, 3], 'float32'), // [B, H, W, 3]
      labels: tf.tensor1d(raw.labels, 'int32'), // [B]
      indices: raw.indices,
    };
  }
}
