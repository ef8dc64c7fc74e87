/**
 * What a features cache was computed from, so that a cache made from anything else is never read
 * as if it were this one: the backbone, its weights (the SHA-256 of the weights file, or the seed
 * of a random initialisation), the transforms, the number of augmented views and their seed, and
 * the images (a hash of their paths relative to the data root with their labels, and a hash of
 * their sizes and modification times). The run record is the same without the file times, so a
 * run can be evaluated after its data moved (--data-root) but not with other features.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { relative } from 'node:path';
import { getBackboneEntry } from '../backbones/registry';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';

export type WeightsIdentity = { file: string; sha256: string } | { randomInit: { seed: number } };

export interface FeatureIdentity {
  dataset: string;
  backbone: string;
  featureDim: number;
  weights: WeightsIdentity;
  /** the evaluation transform (every image), and the training transform of the views */
  transforms: { eval: TransformSpec; train: TransformSpec | null };
  /** augmented views per training image (0: the evaluation transform only) */
  views: number;
  viewSeed: number;
  images: {
    train: number;
    test: number;
    /** SHA-256 of `<path relative to the data root>\t<label>` lines, training images first */
    list: string;
    /** SHA-256 of `<bytes>\t<modification time in ms>` lines in the same order */
    files: string;
  };
}

/** The part of the identity a run records (./run_record): everything but the file times. */
export type FeatureRunRecord = Omit<FeatureIdentity, 'images'> & { images: Omit<FeatureIdentity['images'], 'files'> };

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The weights a backbone starts from: 'none' is its random initialisation with `initSeed`, 'pretrained' the registry's file, else a file path. */
export async function weightsIdentity(backbone: string, weights: string, initSeed: number): Promise<WeightsIdentity> {
  if (weights === 'none') return { randomInit: { seed: initSeed } };
  const file = weights === 'pretrained' ? getBackboneEntry(backbone).weightsFile : weights;
  return { file, sha256: await sha256File(file) };
}

/** The two image hashes of `samples` (paths relative to `dataRoot`). */
export function imageHashes(samples: readonly Sample[], dataRoot: string): { list: string; files: string } {
  const list = createHash('sha256');
  const files = createHash('sha256');
  for (const s of samples) {
    const st = statSync(s.path);
    list.update(`${relative(dataRoot, s.path)}\t${s.label}\n`);
    files.update(`${st.size}\t${st.mtimeMs}\n`);
  }
  return { list: list.digest('hex'), files: files.digest('hex') };
}

export function runRecordOf(identity: FeatureIdentity): FeatureRunRecord {
  const { files: _files, ...images } = identity.images;
  return { ...identity, images };
}
