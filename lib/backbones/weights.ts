/**
 * Strict loading of a checkpoint through a key map (nanoGPT's from_pretrained discipline):
 * every mapped key must be present exactly once with exactly its PyTorch shape, every checkpoint
 * key must be mapped or explicitly ignored, and any problem throws one error listing the
 * missing, unexpected and mismatched keys. Nothing is assigned unless everything checks out.
 */
import { tf } from '../tf';
import type { KeyMap } from './key_maps';
import { toTfLayout, type ParamStore } from './params';
import { readSafetensors, type NamedArray } from './safetensors';

export interface LoadReport {
  source: string;
  loaded: string[];
  ignored: string[];
}

export class WeightLoadError extends Error {
  constructor(
    readonly source: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly mismatched: string[],
  ) {
    const list = (label: string, keys: string[]): string =>
      keys.length ? `\n  ${label} (${keys.length}): ${keys.slice(0, 20).join(', ')}${keys.length > 20 ? ', ...' : ''}` : '';
    super(
      `strict weight load of ${source} failed:` +
        list('missing keys', missing) +
        list('unexpected keys', unexpected) +
        list('mismatched shapes or dtypes', mismatched),
    );
    this.name = 'WeightLoadError';
  }
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Checks a checkpoint against a key map; throws WeightLoadError on any problem. */
export function checkCheckpoint(tensors: Map<string, NamedArray>, map: KeyMap, source: string): void {
  const missing: string[] = [];
  const mismatched: string[] = [];
  const used = new Set<string>();
  for (const { checkpointKey, spec } of map.entries) {
    if (used.has(checkpointKey)) throw new Error(`key map ${map.format}: checkpoint key "${checkpointKey}" mapped twice`);
    used.add(checkpointKey);
    const t = tensors.get(checkpointKey);
    if (!t) missing.push(checkpointKey);
    else if (!same(t.shape, spec.torchShape)) {
      mismatched.push(`${checkpointKey}: checkpoint [${t.shape.join(', ')}] vs model [${spec.torchShape.join(', ')}]`);
    } else if (!FLOAT_DTYPES.has(t.dtype)) {
      mismatched.push(`${checkpointKey}: dtype ${t.dtype}, but a model parameter is floating point (F32, F16, BF16 or F64)`);
    }
  }
  const unexpected = [...tensors.keys()].filter((k) => !used.has(k) && !map.ignored.has(k));
  if (missing.length || unexpected.length || mismatched.length) {
    throw new WeightLoadError(`${source} (${map.format})`, missing, unexpected, mismatched);
  }
}

/** Strictly loads `tensors` into the store's variables (PyTorch layout -> tfjs layout). */
export function loadCheckpoint(store: ParamStore, tensors: Map<string, NamedArray>, map: KeyMap, source: string): LoadReport {
  checkCheckpoint(tensors, map, source);
  const loaded: string[] = [];
  for (const { checkpointKey, spec } of map.entries) {
    const t = tensors.get(checkpointKey)!;
    const target = store.get(spec.key);
    tf.tidy(() => target.assign(toTfLayout(spec, tf.tensor(t.data, t.shape, 'float32'))));
    loaded.push(checkpointKey);
  }
  const ignored = [...tensors.keys()].filter((k) => map.ignored.has(k));
  return { source, loaded, ignored };
}

/** Reads a .safetensors file and strictly loads it. */
export function loadSafetensorsInto(store: ParamStore, path: string, map: KeyMap): LoadReport {
  return loadCheckpoint(store, readSafetensors(path), map, path);
}
