/**
 * Conv2DBackpropFilter for webgpu: dW[i,j,ci,co] = sum_{n,ho,wo} x[n, ho*sh - top + i, wo*sw - left + j, ci] * dy[n,ho,wo,co].
 *
 * tfjs-backend-webgpu 4.22 runs this as one GPU thread per filter weight, each looping over
 * every (n, ho, wo): few threads, no shared loads. Here it is a matrix product: the im2col rows
 * of x ([rows = n*Ho*Wo, fh*fw*Ci], one strided slice of the padded x per filter tap, concatenated
 * in the filter's (i, j, ci) order) times dy ([rows, Co]), transposed on the left. The product's
 * output is small ([fh*fw*Ci, Co]) and its inner dimension long, so the rows are split into S
 * groups (split-K: a batched matmul [S, K, Co] and a sum over S) to give the GPU enough
 * workgroups. Images are taken in chunks so that no im2col block exceeds the budget (and the
 * device's storage binding limit). 1x1 filters with stride 1 and no padding use x as it is.
 *
 * Source: the definition of the gradient (TensorFlow conv_grad_filter_ops.cc); the attrs are
 * tfjs-core's conv2DBackpropFilter op's (tfjs's conv2d gradient requires dilation 1).
 */
import * as tf from '@tensorflow/tfjs';
import { backpropFilterInputs } from '../wasm_kernels/backprop_filter_inputs';

const NAME = 'Conv2DBackpropFilter';
/** largest im2col block and partial-sum block, bytes (setIm2colBudget) */
let chunkBytes = 128 * 2 ** 20;
/** workgroups (32x32 output tiles, tfjs's matmul) wanted per product: enough for a large GPU */
const TARGET_WORKGROUPS = 1024;
/** fewest rows per split-K group */
const MIN_GROUP_ROWS = 64;

/** Sets the im2col block budget (tests use a small one to exercise the chunking); returns the old one. */
export function setIm2colBudget(bytes: number): number {
  const old = chunkBytes;
  chunkBytes = bytes;
  return old;
}

function bindingLimit(): number {
  const device = (tf.backend() as unknown as { device?: { limits: { maxStorageBufferBindingSize: number } } }).device;
  return device ? device.limits.maxStorageBufferBindingSize : Infinity;
}

/** Largest divisor of `n` that is at most `cap` (1 at least). */
function divisorAtMost(n: number, cap: number): number {
  let best = 1;
  for (let d = 1; d * d <= n; d++) {
    if (n % d !== 0) continue;
    if (d <= cap) best = Math.max(best, d);
    if (n / d <= cap) best = Math.max(best, n / d);
  }
  return best;
}

/** Split-K group count for a [rows, k]^T x [rows, co] product. */
export function splitGroups(rows: number, k: number, co: number, budgetBytes: number): number {
  const tiles = Math.ceil(k / 32) * Math.ceil(co / 32);
  const wanted = Math.ceil(TARGET_WORKGROUPS / tiles);
  const byRows = Math.floor(rows / MIN_GROUP_ROWS);
  const byMemory = Math.floor(budgetBytes / (k * co * 4));
  return divisorAtMost(rows, Math.max(1, Math.min(wanted, byRows, byMemory)));
}

/** sum over rows of a^T b for a [rows, k], b [rows, co], as S split-K groups. */
function productOverRows(a: tf.Tensor2D, b: tf.Tensor2D, budgetBytes: number): tf.Tensor2D {
  const [rows, k] = a.shape;
  const co = b.shape[1];
  const s = splitGroups(rows, k, co, budgetBytes);
  if (s === 1) return tf.matMul(a, b, true, false); // [k, co]
  const parts = tf.matMul(tf.reshape(a, [s, rows / s, k]), tf.reshape(b, [s, rows / s, co]), true, false); // [S, k, co]
  return tf.sum(parts, 0);
}

/** im2col rows [n*Ho*Wo, fh*fw*Ci] of an already padded chunk xp [n, Hp, Wp, Ci]. */
function im2col(xp: tf.Tensor4D, fh: number, fw: number, oh: number, ow: number, sh: number, sw: number): tf.Tensor2D {
  const [n, hp, wp, ci] = xp.shape;
  if (fh === 1 && fw === 1 && sh === 1 && sw === 1 && hp === oh && wp === ow) return tf.reshape(xp, [n * oh * ow, ci]);
  const taps: tf.Tensor[] = [];
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      taps.push(tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci], [1, sh, sw, 1])); // [n, Ho, Wo, Ci]
    }
  }
  const cols = taps.length === 1 ? taps[0] : tf.concat(taps, 3); // [n, Ho, Wo, fh*fw*Ci]
  return tf.reshape(cols, [n * oh * ow, fh * fw * ci]);
}

function conv2dBackpropFilter({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  return tf.tidy(() => {
    const { x, dy, info, filterShape } = backpropFilterInputs(inputs, attrs);
    const [fh, fw, ci, co] = filterShape;
    const [n, h, w] = x.shape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const bottom = Math.max(0, (oh - 1) * sh + fh - h - top);
    const right = Math.max(0, (ow - 1) * sw + fw - w - left);
    const budget = Math.min(chunkBytes, bindingLimit() / 2);
    const perImage = oh * ow * fh * fw * ci * 4;
    const chunk = Math.max(1, Math.min(n, Math.floor(budget / perImage)));
    let dw: tf.Tensor2D | undefined;
    for (let b0 = 0; b0 < n; b0 += chunk) {
      const bc = Math.min(chunk, n - b0);
      // each chunk's im2col block is freed before the next one is built
      const part = tf.tidy(() => {
        const xc: tf.Tensor4D = bc === n ? x : tf.slice(x, [b0, 0, 0, 0], [bc, -1, -1, -1]); // [bc, H, W, Ci]
        const dyc = bc === n ? dy : tf.slice(dy, [b0, 0, 0, 0], [bc, -1, -1, -1]); // [bc, Ho, Wo, Co]
        const padded: tf.Tensor4D =
          top || bottom || left || right
            ? tf.pad(xc, [
                [0, 0],
                [top, bottom],
                [left, right],
                [0, 0],
              ])
            : xc;
        const cols = im2col(padded, fh, fw, oh, ow, sh, sw); // [bc*Ho*Wo, fh*fw*Ci]
        return productOverRows(cols, tf.reshape(dyc, [bc * oh * ow, co]), budget); // [fh*fw*Ci, Co]
      });
      if (dw) {
        const sum = tf.add(dw, part) as tf.Tensor2D;
        tf.dispose([dw, part]);
        dw = sum;
      } else {
        dw = part;
      }
    }
    return tf.reshape(dw!, filterShape); // [fh, fw, Ci, Co]
  });
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'webgpu',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
};
