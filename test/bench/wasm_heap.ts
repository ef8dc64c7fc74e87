/**
 * Live bytes on tfjs-backend-wasm's heap, counted at every malloc and free of the backend's module
 * (a bench helper): what a step really holds, where tf.memory() counts a shared buffer once per
 * tensor handle (every tensor a gradient saves is such a handle).
 */
import { tf } from '../../lib/tf';

interface Module {
  _malloc(n: number): number;
  _free(p: number): void;
}

export interface HeapMeter {
  /** most live bytes since the last reset */
  peak(): number;
  /** live bytes now */
  live(): number;
  reset(): void;
}

let meter: HeapMeter | undefined;

/** Starts counting (once per process; wasm must be the active backend). */
export function wasmHeapMeter(): HeapMeter {
  if (meter) return meter;
  const w = (tf.backend() as unknown as { wasm?: Module }).wasm;
  if (!w) throw new Error('wasmHeapMeter: the active backend is not wasm');
  // emscripten's first call of _malloc / _free replaces them with the raw exports: call once first
  w._free(w._malloc(16));
  const malloc = w._malloc;
  const free = w._free;
  const sizes = new Map<number, number>();
  let live = 0;
  let peak = 0;
  w._malloc = (n: number): number => {
    const p = malloc(n);
    sizes.set(p >>> 0, n);
    live += n;
    if (live > peak) peak = live;
    return p;
  };
  w._free = (p: number): void => {
    const n = sizes.get(p >>> 0);
    if (n !== undefined) {
      live -= n;
      sizes.delete(p >>> 0);
    }
    free(p);
  };
  meter = {
    peak: () => peak,
    live: () => live,
    reset: () => {
      peak = live;
    },
  };
  return meter;
}
