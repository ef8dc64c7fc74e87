/**
 * `npm run bench -- conv`: the kit's Conv2D, its filter gradient and the input gradient of a strided
 * convolution on wasm (conv2d.ts, conv2d_backprop_filter.ts, conv2d_backprop_input.ts) with the patch
 * matrix built in parts of about one core's L2 cache (patchChunks in im2col.ts: whole images, or bands
 * of output rows of one image) against one part as large as the kernel allows (16 MB for Conv2D, 128 MB
 * for the gradients: what the kernels did before), and the strided input gradient also as it was
 * before the SIMD `row2im_add` (patch gradients added back by JavaScript strided copies), side by side
 * on one thread, the order alternating every round. Shapes: the demo network's stem and 3x3 layers at
 * its half batch (90 images, 32 px: what each of 2 workers runs), and ResNet-50's stem, 3x3 layers and
 * a strided downsample at batch 8 (224 px). One JSON line per shape: medians in ms (`*_ms_parts`,
 * `*_ms_whole`, `input_gradient_ms_strided_copies`; the input gradient only for strided shapes, null
 * otherwise: a stride-1 one is a Conv2D), their ratios (`*_speedup`: the other / parts) and the largest
 * relative difference of each result from the parts' one (float rounding: sums in another order).
 */
import { tf } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { conv2dKernel, CONV_MAX_PATCH } from '../../lib/backend/wasm_kernels/conv2d';
import { conv2dBackpropFilterKernel, FILTER_GRADIENT_MAX_PATCH } from '../../lib/backend/wasm_kernels/conv2d_backprop_filter';
import { conv2dBackpropInputKernel, INPUT_GRADIENT_MAX_PATCH } from '../../lib/backend/wasm_kernels/conv2d_backprop_input';
import { heapKernels } from '../../lib/backend/wasm_kernels/simd';
import { maxRelDiff } from '../backend/random';
import { type Benchmark, median } from './harness';

interface ConvShape {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

const SHAPES: ConvShape[] = [
  { name: 'demo stem 7x7/2, 90 images of 32 px', x: [90, 32, 32, 3], filter: [7, 7, 3, 16], stride: 2 },
  { name: 'demo 3x3 layer, 90 images', x: [90, 8, 8, 16], filter: [3, 3, 16, 16], stride: 1 },
  { name: 'demo 3x3/2 layer, 90 images', x: [90, 8, 8, 16], filter: [3, 3, 16, 32], stride: 2 },
  { name: 'ResNet-50 stem 7x7/2, batch 8 of 224 px', x: [8, 224, 224, 3], filter: [7, 7, 3, 64], stride: 2 },
  { name: 'ResNet-50 layer1 3x3, batch 8', x: [8, 56, 56, 64], filter: [3, 3, 64, 64], stride: 1 },
  { name: 'ResNet-50 layer3 3x3, batch 8', x: [8, 14, 14, 256], filter: [3, 3, 256, 256], stride: 1 },
  { name: 'ResNet-50 layer2 3x3/2, batch 8', x: [8, 56, 56, 128], filter: [3, 3, 128, 128], stride: 2 },
  { name: 'ResNet-50 layer2 downsample 1x1/2, batch 8', x: [8, 56, 56, 256], filter: [1, 1, 256, 512], stride: 2 },
];

const ROUNDS = Number(process.env.BENCH_REPEATS ?? 15);

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

type Variant = 'parts' | 'whole' | 'copies';
type Measure = 'forward' | 'gradient' | 'input';

export const benchmark: Benchmark = {
  description:
    'Conv2D, its filter gradient and a strided input gradient on wasm: the patch matrix in L2-sized parts against one large part, side by side',
  async run(emit) {
    if (tf.getBackend() !== 'wasm' || !heapKernels())
      throw new Error(`bench conv needs the wasm backend with the kit's SIMD kernels, got ${tf.getBackend()}`);
    const builtin = builtinWasmKernel('Conv2D').kernelFunc;
    type Kernel = (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown }) => tf.TensorInfo | tf.Tensor;
    const kernels: Record<Measure, Partial<Record<Variant, Kernel>>> = {
      forward: { parts: conv2dKernel(builtin) as Kernel, whole: conv2dKernel(builtin, CONV_MAX_PATCH, CONV_MAX_PATCH) as Kernel },
      gradient: {
        parts: conv2dBackpropFilterKernel(FILTER_GRADIENT_MAX_PATCH),
        whole: conv2dBackpropFilterKernel(FILTER_GRADIENT_MAX_PATCH, heapKernels, FILTER_GRADIENT_MAX_PATCH),
      },
      input: {
        parts: conv2dBackpropInputKernel(INPUT_GRADIENT_MAX_PATCH),
        whole: conv2dBackpropInputKernel(INPUT_GRADIENT_MAX_PATCH, heapKernels, INPUT_GRADIENT_MAX_PATCH),
        copies: conv2dBackpropInputKernel(INPUT_GRADIENT_MAX_PATCH, () => undefined),
      },
    };
    for (const shape of SHAPES) {
      const x = tf.randomNormal(shape.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const filter = tf.randomNormal(shape.filter, 0, 1, 'float32', 2) as tf.Tensor4D;
      const dy = tf.conv2d(x, filter, shape.stride, 'same'); // [N, Ho, Wo, Co]
      const attrs = { strides: [shape.stride, shape.stride], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
      const args: Record<Measure, { inputs: tf.NamedTensorInfoMap; attrs: tf.NamedAttrMap }> = {
        forward: { inputs: { x, filter }, attrs: attrs as unknown as tf.NamedAttrMap },
        gradient: { inputs: { x, dy }, attrs: { ...attrs, filterShape: shape.filter } as unknown as tf.NamedAttrMap },
        input: { inputs: { dy, filter }, attrs: { ...attrs, inputShape: shape.x } as unknown as tf.NamedAttrMap },
      };
      // the input gradient of a stride-1 convolution is a Conv2D (conv2d_backprop_input.ts): only strided ones here
      const measures: Measure[] = shape.stride > 1 ? ['forward', 'gradient', 'input'] : ['forward', 'gradient'];
      const ms: Record<string, number[]> = {};
      const diff: Record<string, number> = {};
      try {
        for (let round = -1; round < ROUNDS; round++) {
          for (const measure of measures) {
            const variants = Object.keys(kernels[measure]) as Variant[];
            if (round & 1) variants.reverse();
            const values: Partial<Record<Variant, Float32Array>> = {};
            for (const variant of variants) {
              const kernel = kernels[measure][variant]!;
              const t = await timed(() => kernel({ ...args[measure], backend: tf.backend() }), round === -1);
              if (round === -1) values[variant] = t.values;
              else (ms[`${measure} ${variant}`] ??= []).push(t.ms);
            }
            // warm-up round: how far each variant's result is from the parts' one
            for (const variant of variants)
              if (round === -1 && variant !== 'parts') diff[`${measure} ${variant}`] = maxRelDiff(values[variant]!, values.parts!);
          }
        }
      } finally {
        tf.dispose([x, filter, dy]);
      }
      const at = (key: string): number | null => (ms[key] ? +median(ms[key]).toFixed(2) : null);
      const ratio = (a: string, b: string): number | null => (ms[a] && ms[b] ? +(median(ms[a]) / median(ms[b])).toFixed(3) : null);
      emit({
        shape: shape.name,
        x: shape.x,
        filter: shape.filter,
        stride: shape.stride,
        rounds: ROUNDS,
        forward_ms_parts: at('forward parts'),
        forward_ms_whole: at('forward whole'),
        forward_speedup: ratio('forward whole', 'forward parts'),
        gradient_ms_parts: at('gradient parts'),
        gradient_ms_whole: at('gradient whole'),
        gradient_speedup: ratio('gradient whole', 'gradient parts'),
        input_gradient_ms_parts: at('input parts'),
        input_gradient_ms_whole: at('input whole'),
        input_gradient_ms_strided_copies: at('input copies'),
        input_gradient_speedup: ratio('input whole', 'input parts'),
        input_gradient_speedup_over_copies: ratio('input copies', 'input parts'),
        forward_max_rel_diff: diff['forward whole'],
        gradient_max_rel_diff: diff['gradient whole'],
        input_gradient_max_rel_diff: diff['input whole'] ?? null,
        input_gradient_copies_max_rel_diff: diff['input copies'] ?? null,
      });
    }
  },
};
