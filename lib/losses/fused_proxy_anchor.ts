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
 * the backward pass only scales W and V. What is left (P, the loss, the factors of the gradient, the
 * backward pass, and for proxyAnchorOfRawRows the rows' normalisation and its gradient) is loops on
 * the host over N or C values (pa_host_terms.ts) and two SIMD passes over C x D (l2_rows,
 * scale_project_rows), no tfjs kernel. With many classes the upper ones go to a helper thread on
 * the other core (pa_helper.ts, helperSplit; none with SEE_WORKERS=1), whose blocks are the same
 * blocks, so W and S are the same bits either way and V differs by the order of one sum.
 * Equal to proxyAnchorNormalized (proxy_anchor_plain.ts, plain tensor operations) up to float
 * rounding (tested); other backends use that function.
 */
import { tf } from '../tf';
import { addressOf, heapMemory, heapTensor, heapValues, type WasmBackend } from '../backend/wasm_kernels/heap';
import { heapKernels, type HeapKernels } from '../backend/wasm_kernels/simd';
import { BLOCK, paNegativeBlocks, type PaBlocksJob } from './pa_blocks';
import { paHelper, type HelperOutputs } from './pa_helper';
import { proxyAnchorNormalized } from './proxy_anchor_plain';
import { l2Normalize } from './l2_normalize';
import { addPositiveTerms, paTail, type PaTail } from './pa_host_terms';

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

/** what the forward pass leaves the backward pass on the host: the factors, and the row norms when it normalised */
interface HostSaved {
  tail: PaTail;
  xNorms?: Float32Array; // [N]
  pNorms?: Float32Array; // [C]
}

/** unit rows of a raw [R, D] tensor in a new heap tensor (l2_rows), and their norms */
function unitRows(k: HeapKernels, backend: WasmBackend, raw: tf.Tensor2D): { unit: tf.Tensor2D; norms: Float32Array } {
  const [rows, d] = raw.shape;
  const unit = heapTensor(backend, [rows, d]) as tf.Tensor2D;
  const norms = heapTensor(backend, [rows]);
  try {
    k.l2_rows(addressOf(backend, raw), addressOf(backend, unit), addressOf(backend, norms), rows, d);
    return { unit, norms: heapValues(norms)!.slice() };
  } finally {
    norms.dispose();
  }
}

/**
 * The loss, with the tensors and host values its backward pass reads; with `normalize`, x and p are
 * raw rows, normalised here first (the saved x and p are the unit rows either way).
 */
function forward(problem: Problem, normalize: boolean): { loss: tf.Scalar; saved: tf.Tensor[]; host: HostSaved } {
  const backend = tf.backend() as unknown as WasmBackend;
  const { k } = problem;
  const xs = normalize ? unitRows(k, backend, problem.x) : { unit: problem.x, norms: undefined };
  const ps = normalize ? unitRows(k, backend, problem.p) : { unit: problem.p, norms: undefined };
  const [x, p] = [xs.unit, ps.unit];
  const { w, v, sums, posCos } = negativeTerms({ ...problem, x, p });
  const tail = paTail(heapValues(posCos)!, heapValues(sums)!, problem.labels, problem.margin, problem.alpha);
  tf.dispose([sums, posCos]);
  // saved in this order (backward reads them so); v only when x gets a gradient
  const saved = v ? [w, x, p, v] : [w, x, p];
  return { loss: tf.scalar(tail.loss), saved, host: { tail, xNorms: xs.norms, pNorms: ps.norms } };
}

/**
 * [dL/dx (when V was computed, else null), dL/dp]: dp = g alpha/C W_c / (1 + S_c) by scale_project_rows,
 * the positive terms on the host (addPositiveTerms), then through the normalisation (scale_project_rows
 * with the norms) when the forward pass normalised.
 */
function backward(
  k: HeapKernels,
  dy: tf.Tensor,
  saved: tf.Tensor[],
  host: HostSaved,
  labels: Int32Array,
  alpha: number,
): [tf.Tensor | null, tf.Tensor] {
  const backend = tf.backend() as unknown as WasmBackend;
  const [w, x, p, v] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
  const [c, d] = w.shape as [number, number];
  const n = labels.length;
  const dp = heapTensor(backend, [c, d]); // [C, D]
  const dx = v ? heapTensor(backend, [n, d]) : null; // [N, D]
  const factors = heapTensor(backend, [c + c + n]); // [C] g alpha/C / (1 + S_c), then the norms of p [C] and of x [N]
  try {
    const at = (t: tf.Tensor): number => addressOf(backend, t);
    // views after the last allocation
    const heap = new Float32Array(backend.wasm.HEAPU8.buffer);
    const view = (t: tf.Tensor): Float32Array => heap.subarray(at(t) / 4, at(t) / 4 + t.size);
    const g = heap[at(dy) / 4];
    const scratch = view(factors);
    const negative = (g * alpha) / c;
    host.tail.classFactor.forEach((f, j) => (scratch[j] = negative * f));
    k.scale_project_rows(at(w), at(factors), 0, 0, c, d, at(dp));
    addPositiveTerms(
      { g, alpha, tail: host.tail, labels, d, x: view(x), p: view(p), v: v ? view(v) : undefined },
      view(dp),
      dx ? view(dx) : undefined,
    );
    if (host.pNorms) {
      scratch.set(host.pNorms, c);
      k.scale_project_rows(at(dp), 0, at(p), at(factors) + 4 * c, c, d, at(dp));
    }
    if (dx && host.xNorms) {
      scratch.set(host.xNorms, 2 * c);
      k.scale_project_rows(at(dx), 0, at(x), at(factors) + 8 * c, n, d, at(dx));
    }
  } finally {
    factors.dispose();
  }
  return [dx, dp];
}

/** Proxy-Anchor fused on wasm, of unit rows or (normalize) raw ones; the callers below pick the backend. */
function fusedCore(
  k: HeapKernels,
  x: tf.Tensor2D,
  labels: Int32Array,
  p: tf.Tensor2D,
  o: { margin: number; alpha: number; constantEmbeddings: boolean; normalize: boolean },
): tf.Scalar {
  const { margin, alpha, normalize } = o;
  if (o.constantEmbeddings) {
    // x is captured, not an input: the tape asks for the proxies' gradient only (saved tensors are cloned)
    const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const { loss, saved, host } = forward({ k, x, labels, p: args[0] as tf.Tensor2D, margin, alpha, wantX: false }, normalize);
      (args[1] as tf.GradSaveFunc)(saved);
      return { value: loss, gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => [backward(k, dy, list, host, labels, alpha)[1]] };
    });
    return core(p) as tf.Scalar;
  }
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const problem = { k, x: args[0] as tf.Tensor2D, labels, p: args[1] as tf.Tensor2D, margin, alpha, wantX: true };
    const { loss, saved, host } = forward(problem, normalize);
    (args[2] as tf.GradSaveFunc)(saved);
    return { value: loss, gradFunc: (dy: tf.Tensor, list: tf.Tensor[]) => backward(k, dy, list, host, labels, alpha) as tf.Tensor[] };
  });
  return core(x, p) as tf.Scalar;
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
  return fusedCore(k, xn, labels, pn, { margin, alpha, constantEmbeddings, normalize: false });
}

/**
 * Proxy-Anchor of raw rows x [N, D] against raw proxies p [C, D], both normalised as the official
 * l2_norm: fusedProxyAnchor(l2Normalize(x), labels, l2Normalize(p)), with the normalisation inside
 * the fused op on wasm (l2_rows forward, scale_project_rows backward: two SIMD passes instead of
 * about 30 kernel calls a term) and as tensor operations elsewhere. What the losses call.
 */
export function proxyAnchorOfRawRows(
  x: tf.Tensor2D,
  labels: Int32Array,
  p: tf.Tensor2D,
  margin = 0.1,
  alpha = 32,
  constantEmbeddings = false,
): tf.Scalar {
  const k = heapKernels();
  if (!k || x.dtype !== 'float32' || p.dtype !== 'float32')
    return tf.tidy(() => proxyAnchorNormalized(l2Normalize(x), labels, l2Normalize(p), margin, alpha, constantEmbeddings));
  return fusedCore(k, x, labels, p, { margin, alpha, constantEmbeddings, normalize: true });
}
