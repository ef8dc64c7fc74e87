/**
 * Proxy-Anchor on unit vectors, fused on wasm: the batch term of Proxy-Anchor and SEE, and SEE's
 * synthetic points (constants, the official `.detach()`: only dL/dproxies). With E_ic the
 * exponentials of the negative pairs,
 *   S_c = sum_{i: y_i != c} E_ic,  E_ic = exp(alpha (x_i . p_c + mrg)),  P_c = sum_{i: y_i = c} exp(-alpha (x_i . p_c - mrg))
 *   L = 1/|U| sum_{c in U} log(1 + P_c) + 1/C sum_c log(1 + S_c)      (U: the classes of the rows)
 *   dL/dp_c = alpha/C W_c / (1 + S_c) - alpha/|U| sum_{i: y_i = c} e_i / (1 + P_c) x_i,  W_c = sum_i E_ic x_i
 *   dL/dx_i = alpha/C V_i - alpha/|U| e_i / (1 + P_{y_i}) p_{y_i},                         V_i = sum_c E_ic p_c / (1 + S_c)
 * (times the incoming scalar gradient). Everything that touches the [C, N] exponentials is computed in
 * the forward pass, block of classes by block of classes, on the wasm heap: the cosines of a block
 * [block, N] (the kit's product, gemm.ts, reading x transposed in place), the SIMD exponential,
 * masking of the positive pairs and the row sums S in one pass (exp_mask_sum,
 * lib/backend/wasm_kernels/simd), then W of the block and (when x gets a gradient) V += E^T q with
 * q = the block's proxies / (1 + S), E^T read in place. The [C, N] matrix never exists whole (one
 * block of at most 2,048 classes, 9 MB at N = 1,152), nothing is sliced, transposed or concatenated,
 * and the backward pass only scales W and V. Equal to proxyAnchorNormalized (lib/losses/proxy_anchor.ts,
 * plain tensor operations) up to float rounding (tested); other backends use that function.
 */
import { tf } from '../tf';
import { addressOf, heapTensor, type WasmBackend } from '../backend/wasm_kernels/heap';
import { gemmOnHeap, type HeapMatrix } from '../backend/wasm_kernels/gemm';
import { heapKernels, type HeapKernels } from '../backend/wasm_kernels/simd';
import { batchClasses, proxyAnchorNormalized } from './proxy_anchor_plain';

/** classes per block: [2048, N] exponentials (9 MB at N = 1,152) */
const BLOCK = 2048;

/** a new zeroed float32 tensor of its own memory (the kernels add into it) */
function zeros(backend: WasmBackend, shape: number[]): tf.Tensor {
  const t = heapTensor(backend, shape);
  backend.typedArrayFromHeap(t).fill(0);
  return t;
}

/** what the backward pass reads; v only when x gets a gradient */
interface Saved {
  w: tf.Tensor; // [C, D] W
  sums: tf.Tensor; // [C] S
  posExp: tf.Tensor; // [N] exp(-alpha (cos_{i, y_i} - mrg))
  posSum: tf.Tensor; // [U, 1] P
  oneHotT: tf.Tensor; // [U, N]
  distinct: tf.Tensor; // [U, 1] int32, the classes U
  x: tf.Tensor; // [N, D]
  p: tf.Tensor; // [C, D]
  v?: tf.Tensor; // [N, D] V
}

const SAVED_ORDER = ['w', 'sums', 'posExp', 'posSum', 'oneHotT', 'distinct', 'x', 'p', 'v'] as const;

function toList(s: Saved): tf.Tensor[] {
  return SAVED_ORDER.flatMap((key) => {
    const t = s[key];
    return t ? [t] : [];
  });
}

function fromList(list: tf.Tensor[]): Saved {
  const [w, sums, posExp, posSum, oneHotT, distinct, x, p, v] = list;
  return { w, sums, posExp, posSum, oneHotT, distinct, x, p, v };
}

/**
 * W (and V) block by block on the heap, and S and the positive cosines: the parts of the forward
 * pass that read the exponentials. Scratch memory is freed before it returns.
 */
function negativeTerms(
  k: HeapKernels,
  x: tf.Tensor2D,
  labels: Int32Array,
  p: tf.Tensor2D,
  margin: number,
  alpha: number,
  wantX: boolean,
): { w: tf.Tensor; v?: tf.Tensor; sums: tf.Tensor; posCos: tf.Tensor } {
  const backend = tf.backend() as unknown as WasmBackend;
  const [c, d] = p.shape;
  const n = labels.length;
  const block = Math.min(BLOCK, c);
  const sums = zeros(backend, [c]); // [C] S_c
  const posCos = zeros(backend, [n]); // [N] cos(x_i, p_{y_i})
  const w = heapTensor(backend, [c, d]); // [C, D]: every row written by its block's product
  const v = wantX ? zeros(backend, [n, d]) : undefined; // [N, D]: each block adds its share
  const lab = tf.tensor1d(labels, 'int32'); // [N]
  const g = heapTensor(backend, [block, n]); // [block, N] cosines, then exponentials
  const q = wantX ? heapTensor(backend, [block, d]) : undefined; // [block, D] p_c / (1 + S_c)
  try {
    // addresses stay valid while their tensors live; heap views do not (taken anew below)
    const at = (t: tf.Tensor): number => addressOf(backend, t);
    const [pAt, gAt, sumsAt] = [at(p), at(g), at(sums)];
    const xRows: HeapMatrix = { address: at(x), rowStride: d, colStride: 1 }; // x [N, D]
    const xColumns: HeapMatrix = { address: at(x), rowStride: 1, colStride: d }; // x^T [D, N], in place
    for (let c0 = 0; c0 < c; c0 += block) {
      const rows = Math.min(block, c - c0);
      const proxies: HeapMatrix = { address: pAt + 4 * c0 * d, rowStride: d, colStride: 1 }; // [rows, D]
      gemmOnHeap(backend, k, proxies, xColumns, gAt, rows, d, n); // [rows, N] cosines
      k.exp_mask_sum(gAt, rows, n, at(lab), c0, alpha, margin, sumsAt + 4 * c0, at(posCos));
      const e: HeapMatrix = { address: gAt, rowStride: n, colStride: 1 }; // [rows, N] E of the block
      gemmOnHeap(backend, k, e, xRows, at(w) + 4 * c0 * d, rows, n, d); // [rows, D] W of the block
      if (v && q) {
        const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
        const [p0, q0, s0] = [pAt / 4 + c0 * d, at(q) / 4, sumsAt / 4 + c0];
        for (let r = 0; r < rows; r++) {
          const scale = 1 / (1 + heap[s0 + r]);
          for (let j = 0; j < d; j++) heap[q0 + r * d + j] = heap[p0 + r * d + j] * scale;
        }
        const eT: HeapMatrix = { address: gAt, rowStride: 1, colStride: n }; // E^T [N, rows], in place
        const scaled: HeapMatrix = { address: at(q), rowStride: d, colStride: 1 }; // [rows, D]
        gemmOnHeap(backend, k, eT, scaled, at(v), n, rows, d, true); // V += E^T q [N, D]
      }
    }
  } finally {
    tf.dispose([lab, g, ...(q ? [q] : [])]);
  }
  return { w, v, sums, posCos };
}

function forward(
  k: HeapKernels,
  x: tf.Tensor2D,
  labels: Int32Array,
  p: tf.Tensor2D,
  margin: number,
  alpha: number,
  wantX: boolean,
): { loss: tf.Scalar; saved: Saved } {
  const [c] = p.shape;
  const n = labels.length;
  const { classes, oneHotT } = batchClasses(labels); // U distinct classes, [U, N]
  const u = classes.length;
  const { w, v, sums, posCos } = negativeTerms(k, x, labels, p, margin, alpha, wantX);
  const posExp = tf.exp(tf.sub(alpha * margin, tf.mul(posCos, alpha))); // [N] exp(-alpha (cos - mrg))
  const local1hT = tf.tensor2d(oneHotT, [u, n]); // [U, N]
  const posSum = tf.matMul(local1hT, tf.reshape(posExp, [n, 1])); // [U, 1] P_c
  const loss = tf.add(tf.div(tf.sum(tf.log1p(posSum)), u), tf.div(tf.sum(tf.log1p(sums)), c)) as tf.Scalar;
  const distinct = tf.tensor2d(Int32Array.from(classes), [u, 1], 'int32'); // [U, 1]
  return { loss, saved: { w, v, sums, posExp, posSum, oneHotT: local1hT, distinct, x, p } };
}

/** [dL/dx (when V was computed, else null), dL/dp] */
function backward(dy: tf.Tensor, s: Saved, alpha: number): [tf.Tensor | null, tf.Tensor] {
  const [c, d] = s.w.shape;
  const [u, n] = s.oneHotT.shape;
  const colCoef = tf.reshape(tf.div(tf.mul(dy, alpha / c), tf.add(s.sums, 1)), [c, 1]); // [C, 1]
  const perSample = tf.matMul(tf.reshape(s.posSum, [1, u]), s.oneHotT); // [1, N] P_{y_i}
  const rowCoef = tf.div(tf.mul(tf.reshape(s.posExp, [1, n]), tf.mul(dy, -alpha / u)), tf.add(perSample, 1)); // [1, N]
  const weighted1hT = tf.mul(s.oneHotT, rowCoef); // [U, N]
  const dpPos = tf.scatterND(s.distinct, tf.matMul(weighted1hT, s.x), [c, d]); // [C, D]
  const dp = tf.add(tf.mul(s.w, colCoef), dpPos); // [C, D]
  if (!s.v) return [null, dp];
  const ownProxies = tf.gather(s.p, tf.reshape(s.distinct, [u])); // [U, D]
  const dxPos = tf.matMul(weighted1hT, ownProxies, true, false); // [N, D] rowCoef_i p_{y_i}
  return [tf.add(tf.mul(s.v, tf.mul(dy, alpha / c)), dxPos), dp]; // [N, D], [C, D]
}

/**
 * Proxy-Anchor of unit rows xn [N, D] (labels on the CPU) against unit proxies pn [C, D], as
 * proxyAnchorNormalized: `constantEmbeddings` (SEE's synthetic points) gives pn alone a gradient.
 * Fused on wasm (float32), proxyAnchorNormalized elsewhere.
 */
export function fusedProxyAnchor(
  xn: tf.Tensor2D,
  labels: Int32Array,
  pn: tf.Tensor2D,
  margin = 0.1,
  alpha = 32,
  constantEmbeddings = false,
): tf.Scalar {
  const k = heapKernels();
  if (!k || xn.dtype !== 'float32' || pn.dtype !== 'float32')
    return proxyAnchorNormalized(xn, labels, pn, margin, alpha, constantEmbeddings);
  if (constantEmbeddings) {
    // xn is captured, not an input: the tape asks for the proxies' gradient only (saved tensors are cloned)
    const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const { loss, saved } = forward(k, xn, labels, args[0] as tf.Tensor2D, margin, alpha, false);
      (args[1] as tf.GradSaveFunc)(toList(saved));
      return { value: loss, gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => [tf.tidy(() => backward(dy, fromList(list), alpha)[1])] };
    });
    return core(pn) as tf.Scalar;
  }
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const { loss, saved } = forward(k, args[0] as tf.Tensor2D, labels, args[1] as tf.Tensor2D, margin, alpha, true);
    (args[2] as tf.GradSaveFunc)(toList(saved));
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => tf.tidy(() => backward(dy, fromList(list), alpha) as tf.Tensor[]),
    };
  });
  return core(xn, pn) as tf.Scalar;
}
