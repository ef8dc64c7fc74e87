/**
 * Per-kernel time of a piece of tfjs work: which kernels (by tfjs kernel name) a training step
 * spends its time in, for `npm run bench -- profile` and for notebooks.
 *
 * Every kernel registered for the active backend is wrapped, for the duration of the call, by a
 * timer that keeps a stack: a kernel built from other kernels (the kit's conv gradients are)
 * is charged only its own time (`selfMs`), its inner kernels their own, so the kernel times add
 * up to at most the wall time; the rest (`otherMs`) is the engine's bookkeeping, the tape and
 * JavaScript around the kernels. Kernels run synchronously on wasm and cpu, so wall time is
 * their cost; on an asynchronous backend (WebGPU) it would only be the time to enqueue them.
 * tf.profile is not used: it cannot tell a kernel's own time from that of the kernels inside it.
 */
import * as tf from '@tensorflow/tfjs';

export interface KernelStat {
  kernel: string;
  calls: number;
  /** time inside the kernel, kernels it called excluded */
  selfMs: number;
  /** selfMs / the wall time of the profiled work */
  share: number;
}

export interface KernelShapeStat extends KernelStat {
  /** the input shapes of these calls, e.g. "[8,56,56,64] [3,3,64,64]" */
  shapes: string;
}

export interface KernelProfile<T> {
  result: T;
  wallMs: number;
  /** wall time outside every kernel: engine, tape, JavaScript */
  otherMs: number;
  /** by kernel name, most expensive first */
  kernels: KernelStat[];
  /** by kernel name and input shapes, most expensive first */
  byShape: KernelShapeStat[];
}

interface Frame {
  start: number;
  childMs: number;
}

function shapesOf(inputs: tf.NamedTensorInfoMap): string {
  return Object.values(inputs)
    .map((t) => (t == null ? '-' : `[${t.shape.join(',')}]`))
    .join(' ');
}

function sorted<S extends KernelStat>(stats: Iterable<S>, wallMs: number): S[] {
  return [...stats].map((s) => ({ ...s, share: wallMs > 0 ? s.selfMs / wallMs : 0 })).sort((a, b) => b.selfMs - a.selfMs);
}

/**
 * Runs `work` (sync or async) with every kernel of `backend` (default: the active one) timed,
 * and restores the original kernels afterwards, also when `work` throws.
 */
export async function profileKernels<T>(work: () => T | Promise<T>, backend: string = tf.getBackend()): Promise<KernelProfile<T>> {
  const originals = tf.getKernelsForBackend(backend);
  const byName = new Map<string, KernelStat>();
  const byShape = new Map<string, KernelShapeStat>();
  const stack: Frame[] = [];
  const timed = (config: tf.KernelConfig): tf.KernelConfig => ({
    ...config,
    kernelFunc: (args) => {
      const frame: Frame = { start: performance.now(), childMs: 0 };
      stack.push(frame);
      try {
        return config.kernelFunc(args);
      } finally {
        stack.pop();
        const total = performance.now() - frame.start;
        if (stack.length) stack[stack.length - 1].childMs += total;
        const self = total - frame.childMs;
        const name = config.kernelName;
        const s = byName.get(name) ?? { kernel: name, calls: 0, selfMs: 0, share: 0 };
        s.calls += 1;
        s.selfMs += self;
        byName.set(name, s);
        const shapes = shapesOf(args.inputs);
        const key = `${name} ${shapes}`;
        const ss = byShape.get(key) ?? { kernel: name, shapes, calls: 0, selfMs: 0, share: 0 };
        ss.calls += 1;
        ss.selfMs += self;
        byShape.set(key, ss);
      }
    },
  });
  const swap = (configs: tf.KernelConfig[], make: (c: tf.KernelConfig) => tf.KernelConfig): void => {
    for (const c of configs) {
      tf.unregisterKernel(c.kernelName, backend);
      tf.registerKernel(make(c));
    }
  };
  swap(originals, timed);
  const t0 = performance.now();
  let result: T;
  try {
    result = await work();
  } finally {
    swap(originals, (c) => c);
  }
  const wallMs = performance.now() - t0;
  const kernels = sorted(byName.values(), wallMs);
  const kernelMs = kernels.reduce((a, k) => a + k.selfMs, 0);
  return { result, wallMs, otherMs: wallMs - kernelMs, kernels, byShape: sorted(byShape.values(), wallMs) };
}
