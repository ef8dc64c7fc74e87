/**
 * Convolution settings shared by the Conv2DBackpropFilter and Conv2DBackpropInput tests, a
 * float64 loop convolution and the SAME/VALID/explicit pads from their definitions.
 */
import { tf } from '../../lib/tf';

export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
export type Shape4 = [number, number, number, number];
export interface Case {
  x: Shape4;
  f: Shape4;
  s: [number, number];
  pad: Pad;
}

export const CASES: Case[] = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: [1, 1], pad: 'same' },
  { x: [2, 7, 8, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'same' },
  { x: [2, 8, 8, 3], f: [4, 4, 3, 2], s: [2, 2], pad: 'same' }, // even filter: SAME pads bottom/right more
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'valid' },
  { x: [2, 7, 9, 3], f: [3, 3, 3, 4], s: [2, 2], pad: 'valid' }, // last row/col never read
  {
    x: [1, 9, 8, 2],
    f: [7, 7, 2, 3],
    s: [2, 2],
    pad: [
      [0, 0],
      [3, 2],
      [1, 3],
      [0, 0],
    ],
  }, // asymmetric explicit
  {
    x: [2, 6, 6, 3],
    f: [3, 3, 3, 4],
    s: [1, 2],
    pad: [
      [0, 0],
      [0, 1],
      [2, 0],
      [0, 0],
    ],
  },
  { x: [2, 7, 7, 3], f: [1, 1, 3, 5], s: [2, 2], pad: 'valid' }, // ResNet downsample (matmul path)
  { x: [2, 5, 5, 4], f: [1, 1, 4, 3], s: [1, 1], pad: 'same' },
  { x: [2, 8, 8, 3], f: [4, 4, 3, 6], s: [4, 4], pad: 'valid' }, // ViT patch embedding
  {
    x: [1, 5, 6, 2],
    f: [2, 2, 2, 3],
    s: [1, 2],
    pad: [
      [0, 0],
      [2, 2],
      [0, 3],
      [0, 0],
    ],
  }, // pads wider than the filter
  { x: [2, 5, 6, 3], f: [1, 1, 3, 8], s: [1, 1], pad: 'valid' }, // ResNet expansion (Ci < Co): filter gradient as dy^T x
  { x: [1, 4, 4, 2], f: [1, 1, 2, 5], s: [1, 1], pad: 'same' },
  {
    x: [1, 4, 5, 2],
    f: [1, 1, 2, 5],
    s: [1, 1],
    pad: [
      [0, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ],
  }, // 1x1 with padding: not the same grid, so the patch-matrix path
  { x: [2, 9, 11, 6], f: [3, 3, 6, 5], s: [2, 2], pad: 'same' }, // patch matrix: channel and column tails
  { x: [1, 6, 13, 8], f: [3, 2, 8, 3], s: [1, 1], pad: 'valid' },
  // im2row's copies of 256 bytes and more (memory.copy and memory.fill, smaller ones in SIMD
  // registers): filter rows of 3 x 24 channels (288 bytes) inside the image, at its edges a copy of
  // 2 x 24 (192) and a fill of 24 (96)
  { x: [1, 5, 5, 24], f: [3, 3, 24, 4], s: [1, 1], pad: 'same' },
  { x: [1, 4, 4, 68], f: [3, 3, 68, 2], s: [2, 2], pad: 'same' }, // copies and fills of 68 channels (272 bytes) and more
  // stride 1 with few rows of dy per output channel (12 against 16 channels; 18 against 12): the input
  // gradient takes the patch-gradient path (FEW_ROWS_PER_CHANNEL), as ResNet-50's layer3 and layer4 do
  { x: [1, 3, 4, 8], f: [3, 3, 8, 16], s: [1, 1], pad: 'same' },
  {
    x: [2, 3, 3, 5],
    f: [2, 3, 5, 12],
    s: [1, 1],
    pad: [
      [0, 0],
      [1, 0],
      [0, 2],
      [0, 0],
    ],
  },
];

/** Whether the wasm input gradient of case `c` computes patch gradients and adds them back (a stride above 1, or few rows of dy per output channel) rather than convolving dy with the flipped filter. */
export function takesPatchGradients(c: Case, fewRowsPerChannel: number): boolean {
  const [, ho, wo, co] = dyShape(c);
  return c.s[0] > 1 || c.s[1] > 1 || c.x[0] * ho * wo < fewRowsPerChannel * co;
}

export function dyShape(c: Case): Shape4 {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.f, c.s, 1, c.pad);
  return [c.x[0], info.outHeight, info.outWidth, c.f[3]];
}

/** Runs the active backend's Conv2DBackpropFilter kernel on x and dy of case `c` (NHWC, or transposed to NCHW). */
export function runBackpropFilter(c: Case, x: Float32Array, dy: Float32Array, nchw = false): tf.Tensor {
  return tf.tidy(() => {
    let xt: tf.Tensor4D = tf.tensor4d(x, c.x);
    let dyt: tf.Tensor4D = tf.tensor4d(dy, dyShape(c));
    if (nchw) {
      xt = tf.transpose(xt, [0, 3, 1, 2]);
      dyt = tf.transpose(dyt, [0, 3, 1, 2]);
    }
    const attrs = { filterShape: c.f, strides: c.s, pad: c.pad, dataFormat: nchw ? 'NCHW' : 'NHWC' };
    return tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
}

/** Float64 NHWC convolution with explicit pads [top, left] (the loop definition). */
export function convLoop(
  x: Float64Array,
  xs: Shape4,
  w: Float64Array,
  fs: Shape4,
  s: [number, number],
  top: number,
  left: number,
  oh: number,
  ow: number,
): Float64Array {
  const [n, h, wd, ci] = xs;
  const [fh, fw, , co] = fs;
  const out = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let o = 0; o < co; o++) {
          let acc = 0;
          for (let p = 0; p < fh; p++)
            for (let q = 0; q < fw; q++) {
              const r = i * s[0] - top + p;
              const col = j * s[1] - left + q;
              if (r < 0 || r >= h || col < 0 || col >= wd) continue;
              for (let c = 0; c < ci; c++) acc += x[((b * h + r) * wd + col) * ci + c] * w[((p * fw + q) * ci + c) * co + o];
            }
          out[((b * oh + i) * ow + j) * co + o] = acc;
        }
  return out;
}

/** SAME/VALID/explicit pads computed from their definitions, independently of tfjs. */
export function padsOf(c: Case): { top: number; left: number; oh: number; ow: number } {
  if (Array.isArray(c.pad)) {
    const [, [t, bt], [l, r]] = c.pad;
    return {
      top: t,
      left: l,
      oh: Math.floor((c.x[1] + t + bt - c.f[0]) / c.s[0]) + 1,
      ow: Math.floor((c.x[2] + l + r - c.f[1]) / c.s[1]) + 1,
    };
  }
  if (c.pad === 'valid') {
    return { top: 0, left: 0, oh: Math.floor((c.x[1] - c.f[0]) / c.s[0]) + 1, ow: Math.floor((c.x[2] - c.f[1]) / c.s[1]) + 1 };
  }
  const oh = Math.ceil(c.x[1] / c.s[0]);
  const ow = Math.ceil(c.x[2] / c.s[1]);
  const th = Math.max((oh - 1) * c.s[0] + c.f[0] - c.x[1], 0);
  const tw = Math.max((ow - 1) * c.s[1] + c.f[1] - c.x[2], 0);
  return { top: Math.floor(th / 2), left: Math.floor(tw / 2), oh, ow };
}

/**
 * Runs a kernel function directly (not through the registry) on new tensors of `inputs`, returns
 * its output's values and checks it left no tensors behind: the tests of the kernels' parts budget.
 */
export async function runKernelDirectly(
  kernel: (args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend?: unknown }) => tf.Tensor,
  inputs: Record<string, { data: Float32Array; shape: Shape4 }>,
  attrs: Record<string, unknown>,
): Promise<Float32Array> {
  const before = tf.memory().numTensors;
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor4d(v.data, v.shape)]));
  const out = kernel({ inputs: tensors, attrs: attrs as unknown as tf.NamedAttrMap, backend: tf.backend() });
  const data = (await out.data()) as Float32Array;
  tf.dispose([...Object.values(tensors), out]);
  if (tf.memory().numTensors !== before) throw new Error(`runKernelDirectly: ${tf.memory().numTensors - before} tensor(s) left behind`);
  return data;
}
