/**
 * Proxy-Anchor on unit vectors, fused on wasm: the batch term of Proxy-Anchor and SEE, and SEE's
 * synthetic points (constants, the official `.detach()`: only dL/dproxies). With E_ic the
 * exponentials of the negative pairs,
 *   S_c = sum_{i: y_i != c} E_ic,  E_ic = exp(alpha (x_i . p_c + mrg)),  P_c = sum_{i: y_i = c} exp(-alpha (x_i . p_c - mrg))
 *   L = 1/|U| sum_{c in U} log(1 + P_c) + 1/C sum_c log(1 + S_c)      (U: the classes of the rows)
 *   dL/dp_c = alpha/C W_c / (1 + S_c) - alpha/|U| sum_{i: y_i = c} e_i / (1 + P_c) x_i,  W_c = sum_i E_ic x_i
 *   dL/dx_i = alpha/C V_i - alpha/|U| e_i / (1 + P_{y_i}) p_{y_i},                         V_i = sum_c E_ic p_c / (1 + S_c)
 * (times the incoming scalar gradient). Everything that touches the [C, N] exponentials is computed in
 * the forward pass, block of classes by block of classes, on the wasm heap (pa_blocks.ts): the
 * cosines of a block (the kit's product, reading x transposed in place), the SIMD exponential with
 * the positive pairs masked and the row sums S, then W of the block and (when x gets a gradient)
 * V += E^T q with q = the block's proxies / (1 + S). The [C, N] matrix never exists whole (one block
 * of at most 2,048 classes, 9 MB at N = 1,152), nothing is sliced, transposed or concatenated, and
 * the backward pass only scales W and V. With many classes the upper ones go to a helper thread on
 * the other core (pa_helper.ts, helperSplit; none with SEE_WORKERS=1), whose blocks are the same
 * blocks, so W and S are the same bits either way and V differs by the order of one sum.
 * Equal to proxyAnchorNormalized (proxy_anchor_plain.ts, plain tensor operations) up to float
 * rounding (tested); other backends use that function.
 */
import { tf } from '../tf';
import { addressOf, heapMemory, heapTensor, type WasmBackend } from '../backend/wasm_kernels/heap';
import { heapKernels, type HeapKernels } from '../backend/wasm_kernels/simd';
import { BLOCK, paNegativeBlocks, type PaBlocksJob } from './pa_blocks';
import { paHelper, type HelperOutputs } from './pa_helper';
import { batchClasses, proxyAnchorNormalized } from './proxy_anchor_plain';

/** multiply-adds of one [C, N, D] product below which the helper thread takes no share (about 3 ms) */
const HELPER_MIN_WORK = 1 << 26;

/**
 * The first class of the helper thread's range, or c when the calling thread keeps every class: a
 * multiple of BLOCK near c / 2 (so that each block is computed as on one thread), when there are
 * more classes than one block and enough work to pay for the copies (about 3 ms of products).
 */
export function helperSplit(c: number, n: number, d: number): number {
  if (c <= BLOCK || c * n * d < HELPER_MIN_WORK) return c;
  return BLOCK * Math.max(1, Math.round(c / 2 / BLOCK));
}

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

/** the helper's outputs into the heap: its rows of W and S, its positives' cosines, its share of V */
function mergeHelper(backend: WasmBackend, out: HelperOutputs, split: number, labels: Int32Array, t: NegativeTerms): void {
  const d = t.w.shape[1] as number;
  const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
  const at = (x: tf.Tensor): number => addressOf(backend, x) / 4;
  heap.set(out.w, at(t.w) + split * d);
  heap.set(out.sums, at(t.sums) + split);
  const pos = at(t.posCos);
  labels.forEach((c, i) => {
    if (c >= split) heap[pos + i] = out.posCos[i];
  });
  if (t.v && out.v) {
    const v = at(t.v);
    for (let i = 0; i < out.v.length; i++) heap[v + i] += out.v[i];
  }
}

/** one call's inputs: unit rows x [N, D] with their labels, unit proxies p [C, D], and whether x gets a gradient */
interface Problem {
  k: HeapKernels;
  x: tf.Tensor2D;
  labels: Int32Array;
  p: tf.Tensor2D;
  margin: number;
  alpha: number;
  wantX: boolean;
}

interface NegativeTerms {
  w: tf.Tensor; // [C, D]
  v?: tf.Tensor; // [N, D]
  sums: tf.Tensor; // [C]
  posCos: tf.Tensor; // [N]
}

/**
 * W (and V), S and the positive cosines: the parts of the forward pass that read the exponentials,
 * block by block on the heap (pa_blocks.ts), the upper classes on the helper thread when there is one
 * (pa_helper.ts, helperSplit). Scratch memory is freed before it returns.
 */
function negativeTerms({ k, x, labels, p, margin, alpha, wantX }: Problem): NegativeTerms {
  const backend = tf.backend() as unknown as WasmBackend;
  const [c, d] = p.shape;
  const n = labels.length;
  const wanted = helperSplit(c, n, d);
  const helper = wanted < c ? paHelper() : undefined; // started only for work it takes a share of
  const split = helper ? wanted : c;
  const block = Math.min(BLOCK, split);
  const terms: NegativeTerms = {
    w: heapTensor(backend, [c, d]), // every row written by its block's product
    v: wantX ? zeros(backend, [n, d]) : undefined, // each block adds its share
    sums: zeros(backend, [c]), // S_c
    posCos: zeros(backend, [n]), // cos(x_i, p_{y_i})
  };
  const lab = tf.tensor1d(labels, 'int32'); // [N]
  const g = heapTensor(backend, [block, n]); // [block, N] cosines, then exponentials
  const q = wantX ? heapTensor(backend, [block, d]) : undefined; // [block, D] p_c / (1 + S_c)
  try {
    // addresses stay valid while their tensors live; heap views do not
    const at = (t: tf.Tensor): number => addressOf(backend, t);
    /** the job of this thread's classes first .. first + count - 1 */
    const rangeJob = (first: number, count: number): PaBlocksJob => ({
      ...{ n, d, first, count, alpha, margin, x: at(x), labels: at(lab), proxies: at(p) + 4 * first * d },
      ...{ w: at(terms.w) + 4 * first * d, sums: at(terms.sums) + 4 * first, posCos: at(terms.posCos) },
      ...{ v: terms.v ? at(terms.v) : undefined, g: at(g), q: q ? at(q) : undefined },
    });
    if (helper && split < c) {
      const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
      const [x0, p0] = [at(x) / 4, at(p) / 4];
      const proxies = heap.subarray(p0 + split * d, p0 + c * d);
      helper.post({
        n,
        d,
        first: split,
        count: c - split,
        alpha,
        margin,
        wantV: wantX,
        x: heap.subarray(x0, x0 + n * d),
        labels,
        proxies,
      });
      try {
        paNegativeBlocks(heapMemory(backend), k, rangeJob(0, split));
      } catch (err) {
        // the helper's job must end before its staging buffer is used again; this failure is the one to report
        try {
          helper.finish();
        } catch {
          /* reported above */
        }
        throw err;
      }
      mergeHelper(backend, helper.finish(), split, labels, terms);
    } else {
      paNegativeBlocks(heapMemory(backend), k, rangeJob(0, c));
    }
  } finally {
    tf.dispose([lab, g, ...(q ? [q] : [])]);
  }
  return terms;
}

function forward(problem: Problem): { loss: tf.Scalar; saved: Saved } {
  const { x, labels, p, margin, alpha } = problem;
  const [c] = p.shape;
  const n = labels.length;
  const { classes, oneHotT } = batchClasses(labels); // U distinct classes, [U, N]
  const u = classes.length;
  const { w, v, sums, posCos } = negativeTerms(problem);
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
      const { loss, saved } = forward({ k, x: xn, labels, p: args[0] as tf.Tensor2D, margin, alpha, wantX: false });
      (args[1] as tf.GradSaveFunc)(toList(saved));
      return { value: loss, gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => [tf.tidy(() => backward(dy, fromList(list), alpha)[1])] };
    });
    return core(pn) as tf.Scalar;
  }
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const problem = { k, x: args[0] as tf.Tensor2D, labels, p: args[1] as tf.Tensor2D, margin, alpha, wantX: true };
    const { loss, saved } = forward(problem);
    (args[2] as tf.GradSaveFunc)(toList(saved));
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => tf.tidy(() => backward(dy, fromList(list), alpha) as tf.Tensor[]),
    };
  });
  return core(xn, pn) as tf.Scalar;
}
