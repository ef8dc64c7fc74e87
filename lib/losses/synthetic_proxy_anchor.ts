/**
 * The Proxy-Anchor term of SEE's synthetic points, fused (the `lambda * PA(expansions)` term of
 * lib/losses/see_proxy_anchor.ts). The points are constants (the official `.detach()`), so only
 * dL/dproxies is needed:
 *   S_c = sum_{i: y_i != c} exp(alpha (x_i . p_c + mrg)),  P_c = sum_{i: y_i = c} exp(-alpha (x_i . p_c - mrg))
 *   L = 1/|U| sum_{c in U} log(1 + P_c) + 1/C sum_c log(1 + S_c)      (U: the classes of the points)
 *   dL/dp_c = alpha/C / (1 + S_c) W_c - alpha/|U| / (1 + P_c) sum_{i: y_i = c} e_i x_i,  W_c = sum_{i: y_i != c} E_ic x_i
 * W is computed in the forward pass, block of classes by block of classes: cosines [block, N]
 * (one plain product), the SIMD exponential, masking of the positive pairs and the row sums in
 * one pass on the wasm heap (exp_mask_sum, lib/backend/wasm_kernels/simd), and W of the block
 * (a second plain product). The [C, N] matrix of exponentials never exists whole, and the backward
 * pass only scales W. Equal to proxyAnchorNormalized(points, labels, proxies, mrg, alpha, true)
 * up to float rounding (tested); other backends use that function.
 */
import { tf } from '../tf';
import { addressOf, heapTensor, type WasmBackend } from '../backend/wasm_kernels/heap';
import { heapKernels, type HeapKernels } from '../backend/wasm_kernels/simd';
import { batchClasses, proxyAnchorNormalized } from './proxy_anchor';

/** classes per block: [2048, N] cosines (9 MB at N = 1,152) */
const BLOCK = 2048;

/** a new zeroed float32 tensor of its own memory (the kernel writes into it) */
function zeros(backend: WasmBackend, shape: number[]): tf.Tensor {
  const t = heapTensor(backend, shape);
  backend.typedArrayFromHeap(t).fill(0);
  return t;
}

/** forward of the fused term on the wasm heap: [loss, saved tensors for the backward pass] */
function forward(
  k: HeapKernels,
  x: tf.Tensor2D,
  labels: Int32Array,
  p: tf.Tensor2D,
  margin: number,
  alpha: number,
): { loss: tf.Scalar; saved: tf.Tensor[] } {
  const backend = tf.backend() as unknown as WasmBackend;
  const [c, d] = p.shape;
  const n = labels.length;
  const { classes, oneHotT } = batchClasses(labels); // U distinct classes, [U, N]
  const u = classes.length;
  const xT = tf.transpose(x); // [D, N]
  const lab = tf.tensor1d(labels, 'int32'); // [N]
  const sums = zeros(backend, [c]); // [C] S_c
  const posCos = zeros(backend, [n]); // [N] cos(x_i, p_{y_i})
  const blocks: tf.Tensor[] = [];
  for (let c0 = 0; c0 < c; c0 += BLOCK) {
    const rows = Math.min(BLOCK, c - c0);
    const g = tf.matMul(rows === c ? p : tf.slice(p, [c0, 0], [rows, d]), xT); // [rows, N] cosines
    k.exp_mask_sum(
      addressOf(backend, g),
      rows,
      n,
      addressOf(backend, lab),
      c0,
      alpha,
      margin,
      addressOf(backend, sums) + 4 * c0,
      addressOf(backend, posCos),
    );
    blocks.push(tf.matMul(g, x)); // [rows, D] W of the block (g holds the exponentials now)
  }
  const w = blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0); // [C, D]
  const posExp = tf.exp(tf.sub(alpha * margin, tf.mul(posCos, alpha))); // [N] exp(-alpha (cos - mrg))
  const local1hT = tf.tensor2d(oneHotT, [u, n]); // [U, N]
  const posSum = tf.matMul(local1hT, tf.reshape(posExp, [n, 1])); // [U, 1] P_c
  const loss = tf.add(tf.div(tf.sum(tf.log1p(posSum)), u), tf.div(tf.sum(tf.log1p(sums)), c)) as tf.Scalar;
  const distinct = tf.tensor2d(Int32Array.from(classes), [u, 1], 'int32');
  return { loss, saved: [w, sums, posExp, posSum, local1hT, distinct, x] };
}

function backward(dy: tf.Tensor, [w, sums, posExp, posSum, local1hT, distinct, x]: tf.Tensor[], alpha: number): tf.Tensor {
  const [c, d] = w.shape;
  const [u, n] = local1hT.shape;
  const colCoef = tf.reshape(tf.div(tf.mul(dy, alpha / c), tf.add(sums, 1)), [c, 1]); // [C, 1]
  const perSample = tf.matMul(tf.reshape(posSum, [1, u]), local1hT); // [1, N] P_{y_i}
  const rowCoef = tf.div(tf.mul(tf.reshape(posExp, [1, n]), tf.mul(dy, -alpha / u)), tf.add(perSample, 1)); // [1, N]
  const dpPos = tf.scatterND(distinct, tf.matMul(tf.mul(local1hT, rowCoef), x), [c, d]); // [C, D]
  return tf.add(tf.mul(w, colCoef), dpPos); // [C, D]
}

/**
 * PA of constant unit points [N, D] (labels on the CPU) against unit proxies pn [C, D]; the
 * gradient flows to pn only. Fused on wasm, proxyAnchorNormalized elsewhere.
 */
export function syntheticProxyAnchor(points: tf.Tensor2D, labels: Int32Array, pn: tf.Tensor2D, margin = 0.1, alpha = 32): tf.Scalar {
  const k = heapKernels();
  if (!k || points.dtype !== 'float32' || pn.dtype !== 'float32') return proxyAnchorNormalized(points, labels, pn, margin, alpha, true);
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const p = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    const { loss, saved } = forward(k, points, labels, p, margin, alpha);
    save(saved);
    return { value: loss, gradFunc: (dy: tf.Tensor, s: tf.Tensor[]) => [tf.tidy(() => backward(dy, s, alpha))] };
  });
  return core(pn) as tf.Scalar;
}
