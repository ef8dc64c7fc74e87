/**
 * `npm run bench -- backend`: the wasm backend (with the kit's training kernels) against the
 * pure-JS cpu backend, side by side, one JSON line per setting:
 * - matmul 1024x1024 @ 1024x1024 (GFLOP/s);
 * - conv2d 8x56x56x64 with a 3x3x64x64 filter, stride 1, SAME: forward, backprop to the input
 *   (Conv2DBackpropInput) and to the filter (Conv2DBackpropFilter, the kit's wasm kernel);
 * - one Adam train step of the small CNN (test/helpers/small_models.ts) on 16 images 32x32.
 * Each record has wasm_ms, cpu_ms, GFLOP/s where defined, and ratio = cpu_ms / wasm_ms.
 * The cpu side runs few repeats and no warm-up for the convolutions (seconds per call); its
 * Conv2DBackpropFilter takes minutes at batch 8 (233 s measured once), so that setting is timed
 * on wasm only (`cpu_ms: null`) and a batch-1 setting compares the two sides.
 * Since the kit replaces wasm's Conv2DBackpropInput (a scalar loop), that setting also times
 * the original kernel (`wasm_builtin_ms`).
 */
import { tf, initBackend, backendInfo } from '../../lib/tf';
import { builtinWasmBackpropInput } from '../../lib/backend/wasm_kernels';
import { smallCnn, syntheticClassification } from '../helpers/small_models';
import { timeMs, type Benchmark, type BenchRecord } from './harness';

type Side = 'wasm' | 'cpu';

interface Setting {
  name: string;
  /** floating-point operations of one call, when meaningful */
  flops?: number;
  repeats: Record<Side, number>;
  /** warm-up calls before timing, per side (default 1) */
  warmup?: Record<Side, number>;
  /** convolution batch (default N = 8) */
  batch?: number;
  /** false: too slow on cpu, timed on wasm only */
  cpu?: boolean;
  /** builds inputs, returns the timed call and a disposer */
  prepare(batch: number): { call: () => unknown; dispose: () => void };
}

const N = 8;
const HW = 56;
const C = 64;
const CONV_FLOPS = 2 * N * HW * HW * C * 3 * 3 * C;
const CONV_ATTRS = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };

function convInputs(batch: number): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  return {
    x: tf.randomNormal([batch, HW, HW, C], 0, 1, 'float32', 1), // [batch, 56, 56, 64]
    w: tf.randomNormal([3, 3, C, C], 0, 0.1, 'float32', 2), // [3, 3, 64, 64]
    dy: tf.randomNormal([batch, HW, HW, C], 0, 1, 'float32', 3), // [batch, 56, 56, 64]
  };
}

/** Runs a kernel by name and frees its output: the timed unit of the convolution settings. */
function runAndFree(kernel: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): void {
  const out = tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  out.dispose();
}

const SETTINGS: Setting[] = [
  {
    name: 'matmul 1024x1024x1024',
    flops: 2 * 1024 ** 3,
    repeats: { wasm: 5, cpu: 2 },
    prepare() {
      const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 4);
      const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 5);
      return { call: () => tf.matMul(a, b).dispose(), dispose: () => tf.dispose([a, b]) };
    },
  },
  {
    name: 'conv2d forward 8x56x56x64 3x3 64->64 s1 same',
    flops: CONV_FLOPS,
    repeats: { wasm: 5, cpu: 1 },
    warmup: { wasm: 1, cpu: 0 },
    prepare(batch) {
      const t = convInputs(batch);
      return { call: () => runAndFree('Conv2D', { x: t.x, filter: t.w }, CONV_ATTRS), dispose: () => tf.dispose(Object.values(t)) };
    },
  },
  {
    name: 'conv2d backprop input (Conv2DBackpropInput)',
    flops: CONV_FLOPS,
    repeats: { wasm: 5, cpu: 1 },
    warmup: { wasm: 1, cpu: 0 },
    prepare(batch) {
      const t = convInputs(batch);
      return {
        call: () => runAndFree('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, { ...CONV_ATTRS, inputShape: t.x.shape }),
        dispose: () => tf.dispose(Object.values(t)),
      };
    },
  },
  {
    name: 'conv2d backprop filter (Conv2DBackpropFilter)',
    flops: CONV_FLOPS,
    repeats: { wasm: 5, cpu: 1 },
    cpu: false,
    warmup: { wasm: 1, cpu: 0 },
    prepare(batch) {
      const t = convInputs(batch);
      return {
        call: () => runAndFree('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { ...CONV_ATTRS, filterShape: t.w.shape }),
        dispose: () => tf.dispose(Object.values(t)),
      };
    },
  },
  {
    name: 'conv2d backprop filter, batch 1 (1x56x56x64)',
    flops: CONV_FLOPS / N,
    batch: 1,
    repeats: { wasm: 5, cpu: 1 },
    warmup: { wasm: 1, cpu: 0 },
    prepare(batch) {
      const t = convInputs(batch);
      return {
        call: () => runAndFree('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { ...CONV_ATTRS, filterShape: t.w.shape }),
        dispose: () => tf.dispose(Object.values(t)),
      };
    },
  },
  {
    name: 'small CNN train step (16x32x32x3, Adam)',
    repeats: { wasm: 10, cpu: 3 },
    prepare() {
      const data = syntheticClassification(16, 32, 4);
      const model = smallCnn({ imageSize: 32, numClasses: 4, seed: 1 });
      return {
        call: () => model.trainStep(data.x, data.labels),
        dispose: () => {
          model.dispose();
          tf.dispose([data.x, data.labels]);
        },
      };
    },
  },
];

/** The Conv2DBackpropInput that tfjs-backend-wasm ships (the kit replaces it), for comparison. */
async function timeBuiltinBackpropInput(): Promise<number> {
  await initBackend('wasm', { quiet: true });
  const builtin = builtinWasmBackpropInput();
  const t = convInputs(N);
  try {
    const attrs = { ...CONV_ATTRS, inputShape: t.x.shape } as unknown as tf.NamedAttrMap;
    const backend = tf.backend();
    builtin.setupFunc?.(backend); // never set up: it was unregistered before wasm initialised
    return await timeMs(
      () => {
        const out = builtin.kernelFunc({ inputs: { dy: t.dy, filter: t.w }, backend, attrs }) as tf.TensorInfo;
        backend.disposeData(out.dataId);
      },
      3,
      1,
    );
  } finally {
    tf.dispose(Object.values(t));
  }
}

async function measure(side: Side, s: Setting): Promise<number> {
  await initBackend(side, { quiet: true });
  const { call, dispose } = s.prepare(s.batch ?? N);
  try {
    return await timeMs(call, s.repeats[side], s.warmup?.[side] ?? 1);
  } finally {
    dispose();
  }
}

const gflops = (flops: number | undefined, ms: number): number | null =>
  flops == null ? null : Number((flops / (ms * 1e6)).toPrecision(3));

export const benchmark: Benchmark = {
  description: 'wasm vs cpu: matmul 1024^3, conv2d 8x56x56x64 3x3 forward and both backward passes, small-CNN train step',
  async run(emit) {
    for (const s of SETTINGS) {
      const wasmMs = await measure('wasm', s);
      const wasmThreads = backendInfo().threads;
      const cpuMs = s.cpu === false ? null : await measure('cpu', s);
      const builtin = s.name.includes('Conv2DBackpropInput') ? await timeBuiltinBackpropInput() : undefined;
      const record: BenchRecord = {
        setting: s.name,
        backend: 'wasm vs cpu',
        threads: wasmThreads,
        wasm_ms: Number(wasmMs.toFixed(2)),
        cpu_ms: cpuMs == null ? null : Number(cpuMs.toFixed(2)),
        wasm_gflops: gflops(s.flops, wasmMs),
        cpu_gflops: cpuMs == null ? null : gflops(s.flops, cpuMs),
        ratio: cpuMs == null ? null : Number((cpuMs / wasmMs).toFixed(1)),
        repeats: s.repeats,
        ...(builtin != null ? { wasm_builtin_ms: Number(builtin.toFixed(2)), wasm_builtin_gflops: gflops(s.flops, builtin) } : {}),
      };
      emit(record);
    }
    await initBackend('wasm', { quiet: true });
  },
};
