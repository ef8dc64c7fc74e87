/**
 * A features cache, data/features/<name>/: the backbone's features of every training and test
 * image under the evaluation transform (`eval.f32`, float32 [images, featureDim], training images
 * first in the split's order), optionally a fixed number of augmented views of each training
 * image (`views.f32`, [training images, views, featureDim]), and `manifest.json`: what they were
 * computed from (./identity.ts), the shape and SHA-256 of each file, when and how fast.
 *
 * The folder's name says which data, backbone, weights file and transforms it is for; the
 * manifest says what exactly. A cache whose manifest differs from what a run asks for (another
 * weights file content, other images, other transforms) or whose files do not match their
 * checksums is stale: it is rebuilt, and the reason is reported, never read as it is.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBackbone, featureDimOf } from '../backbones/backbone';
import { getBackboneEntry } from '../backbones/registry';
import type { Sample } from '../data/split';
import type { TransformSpec } from '../data/transforms';
import { backendInfo, describeBackend } from '../tf';
import { configDifferences } from '../train/config_diff';
import { extractFeatures } from './extract';
import { imageHashes, weightsIdentity, type FeatureIdentity } from './identity';

export const DEFAULT_FEATURES_ROOT = resolve(__dirname, '..', '..', 'data', 'features');
const MANIFEST = 'manifest.json';
const FORMAT = 'see-kit features 1';

export interface FeatureManifest {
  format: string;
  identity: FeatureIdentity;
  files: Record<string, { shape: number[]; sha256: string }>;
  built: { date: string; seconds: number; backend: string };
}

export interface CacheStatus {
  action: 'reused' | 'built' | 'rebuilt';
  /** why a cache found there was not used */
  reasons: string[];
  seconds: number;
}

export interface FeatureCache {
  dir: string;
  manifest: FeatureManifest;
  featureDim: number;
  views: number;
  /** [training + test images, featureDim], evaluation transform */
  evalFeatures: Float32Array;
  /** [training images, views, featureDim]; absent when views = 0 */
  viewFeatures?: Float32Array;
  /** row of each image (by path) in evalFeatures; training images are rows 0.. (also their rows of viewFeatures) */
  rowOf: ReadonlyMap<string, number>;
  status: CacheStatus;
}

export interface CacheRequest {
  /** the features root (default data/features) */
  root: string;
  dataset: string;
  dataRoot: string;
  /** everything else the folder name depends on (the dataset's options) */
  locationKey: unknown;
  backbone: string;
  /** 'pretrained', 'none' (random initialisation with initSeed) or a .safetensors path */
  weights: string;
  initSeed: number;
  /** the split's training and test images */
  train: readonly Sample[];
  test: readonly Sample[];
  evalSpec: TransformSpec;
  trainSpec: TransformSpec;
  views: number;
  viewSeed: number;
  /** progress lines */
  report?: (line: string) => void;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The cache folder of a request: `<dataset>-<backbone>-<eval|viewsN>-<hash of the data root, options, weights path and transforms>`. */
export function cacheDir(req: CacheRequest): string {
  const key = JSON.stringify([
    resolve(req.dataRoot),
    req.locationKey,
    req.weights === 'none' ? `none:${req.initSeed}` : req.weights,
    req.evalSpec,
    req.views ? req.trainSpec : null,
    req.viewSeed,
  ]);
  return join(
    req.root,
    `${req.dataset}-${req.backbone}-${req.views ? `views${req.views}` : 'eval'}-${sha256(Buffer.from(key)).slice(0, 10)}`,
  );
}

export async function identityOf(req: CacheRequest, featureDim: number): Promise<FeatureIdentity> {
  return {
    dataset: req.dataset,
    backbone: req.backbone,
    featureDim,
    weights: await weightsIdentity(req.backbone, req.weights, req.initSeed),
    transforms: { eval: req.evalSpec, train: req.views ? req.trainSpec : null },
    views: req.views,
    viewSeed: req.viewSeed,
    images: { train: req.train.length, test: req.test.length, ...imageHashes([...req.train, ...req.test], req.dataRoot) },
  };
}

function rowsOf(req: CacheRequest): Map<string, number> {
  const rows = new Map<string, number>();
  [...req.train, ...req.test].forEach((s, i) => {
    if (!rows.has(s.path)) rows.set(s.path, i);
  });
  return rows;
}

/** The cache in `dir` when it is exactly `identity`'s; otherwise why not (nothing there: no reasons). */
function readCache(
  dir: string,
  identity: FeatureIdentity,
): { arrays: Record<string, Float32Array>; manifest: FeatureManifest } | { reasons: string[] } {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) return { reasons: [] };
  let manifest: FeatureManifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as FeatureManifest;
  } catch (err) {
    return { reasons: [`${path} is not readable JSON (${(err as Error).message})`] };
  }
  if (manifest.format !== FORMAT) return { reasons: [`${path} has format ${JSON.stringify(manifest.format)}, expected "${FORMAT}"`] };
  const diffs = configDifferences(manifest.identity, identity);
  if (diffs.length) return { reasons: diffs.map((d) => `${d.key}: ${d.run ?? '(absent)'} in the cache, ${d.now ?? '(absent)'} now`) };
  const arrays: Record<string, Float32Array> = {};
  for (const [name, { shape, sha256: want }] of Object.entries(manifest.files)) {
    const file = join(dir, name);
    const bytes = existsSync(file) ? readFileSync(file) : undefined;
    const expected = shape.reduce((a, b) => a * b, 1) * 4;
    if (!bytes || bytes.length !== expected)
      return { reasons: [`${file} has ${bytes ? bytes.length : 'no'} bytes, the manifest says ${expected} (truncated or removed)`] };
    if (sha256(bytes) !== want) return { reasons: [`${file} does not match its SHA-256 in the manifest (changed or corrupt)`] };
    arrays[name] = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }
  return { arrays, manifest };
}

/** Computes the features of `req` with a backbone built from its weights, and writes the cache (a temporary folder renamed into place). */
async function buildCache(
  req: CacheRequest,
  dir: string,
  identity: FeatureIdentity,
): Promise<{ arrays: Record<string, Float32Array>; manifest: FeatureManifest }> {
  const t0 = performance.now();
  const backbone = createBackbone(req.backbone, { seed: req.initSeed });
  const arrays: Record<string, Float32Array> = {};
  try {
    if (req.weights !== 'none') backbone.loadWeights(req.weights === 'pretrained' ? undefined : req.weights);
    const all = [...req.train, ...req.test];
    const progress = (what: string, n: number): ((done: number) => void) => {
      let tenths = -1; // report each tenth once
      return (done) => {
        const t = Math.floor((10 * done) / n);
        if (t > tenths) req.report?.(`features: ${what} ${done}/${n} images`);
        tenths = t;
      };
    };
    arrays['eval.f32'] = await extractFeatures(backbone, all, req.evalSpec, { onBatch: progress('evaluation transform', all.length) });
    if (req.views > 0) {
      const f = backbone.featureDim;
      const views = new Float32Array(req.train.length * req.views * f);
      for (let v = 0; v < req.views; v++) {
        const one = await extractFeatures(backbone, req.train, req.trainSpec, {
          view: v,
          seed: req.viewSeed,
          onBatch: progress(`view ${v + 1} of ${req.views}`, req.train.length),
        });
        for (let i = 0; i < req.train.length; i++) views.set(one.subarray(i * f, (i + 1) * f), (i * req.views + v) * f);
      }
      arrays['views.f32'] = views;
    }
  } finally {
    backbone.dispose();
  }
  const shapes: Record<string, number[]> = {
    'eval.f32': [req.train.length + req.test.length, identity.featureDim],
    'views.f32': [req.train.length, req.views, identity.featureDim],
  };
  const manifest: FeatureManifest = {
    format: FORMAT,
    identity,
    files: Object.fromEntries(Object.entries(arrays).map(([name, a]) => [name, { shape: shapes[name], sha256: sha256(bytesOf(a)) }])),
    built: { date: new Date().toISOString(), seconds: (performance.now() - t0) / 1000, backend: describeBackend(backendInfo()) },
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, a] of Object.entries(arrays)) writeFileSync(join(tmp, name), bytesOf(a));
    writeFileSync(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1) + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`features cache ${dir} could not be written (${(err as Error).message}); nothing was left in its place`);
  }
  return { arrays, manifest };
}

/** The features of `req`: the cache when it is current, else computed and written (the reason reported). */
export async function ensureFeatureCache(req: CacheRequest): Promise<FeatureCache> {
  const t0 = performance.now();
  const featureDim = featureDimOf(getBackboneEntry(req.backbone));
  const identity = await identityOf(req, featureDim);
  const dir = cacheDir(req);
  const found = readCache(dir, identity);
  let status: CacheStatus;
  let got: { arrays: Record<string, Float32Array>; manifest: FeatureManifest };
  if ('arrays' in found) {
    got = found;
    status = { action: 'reused', reasons: [], seconds: 0 };
  } else {
    if (found.reasons.length) req.report?.(`features: the cache ${dir} is stale, rebuilding it:\n  ${found.reasons.join('\n  ')}`);
    got = await buildCache(req, dir, identity);
    status = { action: found.reasons.length ? 'rebuilt' : 'built', reasons: found.reasons, seconds: 0 };
  }
  status.seconds = (performance.now() - t0) / 1000;
  return {
    dir,
    manifest: got.manifest,
    featureDim,
    views: req.views,
    evalFeatures: got.arrays['eval.f32'],
    viewFeatures: got.arrays['views.f32'],
    rowOf: rowsOf(req),
    status,
  };
}
