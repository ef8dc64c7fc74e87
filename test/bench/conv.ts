/**
 * `npm run bench -- conv`: the kit's Conv2D and its filter gradient on wasm (conv2d.ts,
 * conv2d_backprop_filter.ts) with the patch matrix built in parts of about one core's L2 cache
 * (patchChunks in im2col.ts: whole images, or bands of output rows of one image) against one part as
 * large as the kernel allows (16 MB for Conv2D, 128 MB for the gradient: what the kernels did before),
 * side by side on one thread, the order alternating every round. Shapes: the demo network's stem and a
 * 3x3 layer at its half batch (90 images, 32 px: what each of 2 workers runs), and ResNet-50's stem and
 * two 3x3 layers at batch 8 (224 px). One JSON line per shape: forward and gradient medians in ms for
 * both (`*_ms_parts`, `*_ms_whole`), their ratios (`*_speedup`: whole / parts) and the largest relative
 * difference between the two results (float rounding: the parts sum the gradient in another order).
 */
import { tf } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { conv2dKernel, CONV_MAX_PATCH } from '../../lib/backend/wasm_kernels/conv2d';
import { conv2dBackpropFilterKernel, FILTER_GRADIENT_MAX_PATCH } from '../../lib/backend/wasm_kernels/conv2d_backprop_filter';
import { heapKernels } from '../../lib/backend/wasm_kernels/simd';
import { maxRelDiff } from '../backend/random';
import type { Benchmark } from './harness';

interface ConvShape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

const SHAPES: ConvShape[] = [
  { name: 'demo stem 7x7/2, 90 images of 32 px', x: [90, 32, 32, 3], filter: [7, 7, 3, 16], stride: 2 },
  { name: 'demo 3x3 layer, 90 images', x: [90, 8, 8, 16], filter: [3, 3, 16, 16], stride: 1 },
  { name: 'ResNet-50 stem 7x7/2, batch 8 of 224 px', x: [8, 224, 224, 3], filter: [7, 7, 3, 64], stride: 2 },
  { name: 'ResNet-50 layer1 3x3, batch 8', x: [8, 56, 56, 64], filter: [3, 3, 64, 64], stride: 1 },
  { name: 'ResNet-50 layer3 3x3, batch 8', x: [8, 14, 14, 256], filter: [3, 3, 256, 256], stride: 1 },
];

const ROUNDS = Number(process.env.BENCH_REPEATS ?? 15);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ms of one kernel call, its output read back and freed; the values with `keep` */
async function timed(run: () => tf.TensorInfo | tf.Tensor, keep = false): Promise<{ ms: number; values?: Float32Array }> {
  const t0 = performance.now();
  const out = run();
  const t = out instanceof tf.Tensor ? out : tf.engine().makeTensorFromTensorInfo(out);
  const values = (await t.data()) as Float32Array;
  const ms = performance.now() - t0;
  t.dispose();
  return { ms, values: keep ? values : undefined };
}

export const benchmark: Benchmark = {
  description: 'Conv2D and its filter gradient on wasm: the patch matrix in L2-sized parts against one large part, side by side',
  async run(emit) {
    if (tf.getBackend() !== 'wasm' || !heapKernels())
      throw new Error(`bench conv needs the wasm backend with the kit's SIMD kernels, got ${tf.getBackend()}`);
    const builtin = builtinWasmKernel('Conv2D').kernelFunc;
    const forward = { parts: conv2dKernel(builtin), whole: conv2dKernel(builtin, CONV_MAX_PATCH, CONV_MAX_PATCH) };
    const gradient = {
      parts: conv2dBackpropFilterKernel(FILTER_GRADIENT_MAX_PATCH),
      whole: conv2dBackpropFilterKernel(FILTER_GRADIENT_MAX_PATCH, heapKernels, FILTER_GRADIENT_MAX_PATCH),
    };
    for (const shape of SHAPES) {
      const x = tf.randomNormal(shape.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal(shape.filter, 0, 1, 'float32', 2) as tf.Tensor4D;
      const dy = tf.conv2d(x, filter, shape.stride, 'same'); // [N, Ho, Wo, Co]
      const attrs = {
        strides: [shape.stride, shape.stride],
        pad: 'same',
        dataFormat: 'NHWC',
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap;
      const gradAttrs = { ...attrs, filterShape: shape.filter } as unknown as tf.NamedAttrMap;
      const run = {
        forward: (k: tf.KernelFunc) => () => k({ inputs: { x, filter }, attrs, backend: tf.backend() }) as tf.TensorInfo,
        gradient: (k: ReturnType<typeof conv2dBackpropFilterKernel>) => () =>
          k({ inputs: { x, dy }, attrs: gradAttrs, backend: tf.backend() }),
      };
      const ms = { forward: { parts: [] as number[], whole: [] as number[] }, gradient: { parts: [] as number[], whole: [] as number[] } };
      const diff = { forward: 0, gradient: 0 };
      try {
        for (let round = -1; round < ROUNDS; round++) {
          const order = (round & 1 ? ['whole', 'parts'] : ['parts', 'whole']) as Array<'parts' | 'whole'>;
          const values: Record<string, Float32Array | undefined> = {};
          for (const which of order) {
            const f = await timed(run.forward(forward[which]), round === -1);
            const g = await timed(run.gradient(gradient[which]), round === -1);
            if (round === -1) {
              values[`forward ${which}`] = f.values;
              values[`gradient ${which}`] = g.values;
              continue; // warm-up
            }
            ms.forward[which].push(f.ms);
            ms.gradient[which].push(g.ms);
          }
          if (round === -1) {
            diff.forward = maxRelDiff(values['forward parts']!, values['forward whole']!);
            diff.gradient = maxRelDiff(values['gradient parts']!, values['gradient whole']!);
          }
        }
      } finally {
        tf.dispose([x, filter, dy]);
      }
      const [fp, fw, gp, gw] = [ms.forward.parts, ms.forward.whole, ms.gradient.parts, ms.gradient.whole].map(median);
      emit({
        shape: shape.name,
        x: shape.x,
        filter: shape.filter,
        stride: shape.stride,
        rounds: ROUNDS,
        forward_ms_parts: +fp.toFixed(2),
        forward_ms_whole: +fw.toFixed(2),
        forward_speedup: +(fw / fp).toFixed(3),
        gradient_ms_parts: +gp.toFixed(2),
        gradient_ms_whole: +gw.toFixed(2),
        gradient_speedup: +(gw / gp).toFixed(3),
        forward_max_rel_diff: diff.forward,
        gradient_max_rel_diff: diff.gradient,
      });
    }
  },
};
