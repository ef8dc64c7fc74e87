/**
 * Proxy-Anchor on unit vectors as plain tensor operations, on every backend: the function the
 * fused wasm version (fused_proxy_anchor.ts) is tested against and falls back to. The formula and
 * its sources: proxy_anchor.ts.
 */
import { tf } from '../tf';

/**
 * The [N, C] similarity matrix E laid out for the wasm backend's matrix product, which packs its
 * right-hand operand (a new tensor at every step here) before multiplying (the kit's gemm.ts as
 * XNNPACK's before it, which was also about ten times slower on transposed operands): E is stored
 * as [C, N] when the classes outnumber the rows and as [N, C] otherwise, so that in every large
 * product the right-hand operand is the small one and nothing is transposed on the fly (measured
 * with XNNPACK's product: the SOP-size SEE step 640 -> 450 ms).
 */
interface SimilarityLayout {
  /** alpha (x . p + mrg) as stored ([C, N] or [N, C]) */
  logits(x: tf.Tensor2D, p: tf.Tensor2D, alpha: number, margin: number): tf.Tensor;
  /** flat index pairs of (i, y_i) in the stored layout */
  positions(labels: Int32Array): Int32Array;
  /** [C] sum_i E_ic */
  classSums(e: tf.Tensor): tf.Tensor1D;
  /** [C, D] sum_i E_ic x_i */
  classWeighted(e: tf.Tensor, x: tf.Tensor): tf.Tensor;
  /** [N, D] sum_c E_ic q_c */
  rowWeighted(e: tf.Tensor, q: tf.Tensor): tf.Tensor;
}

function similarityLayout(n: number, numClasses: number): SimilarityLayout {
  const classesFirst = numClasses >= n;
  return {
    logits: (x, p, alpha, margin) =>
      classesFirst
        ? tf.fused.matMul({ a: p, b: tf.transpose(tf.mul(x, alpha)), bias: tf.fill([n], alpha * margin) }) // [C, N]
        : tf.fused.matMul({ a: tf.mul(x, alpha), b: tf.transpose(p), bias: tf.fill([numClasses], alpha * margin) }), // [N, C]
    positions: (labels) => {
      const idx = new Int32Array(2 * labels.length);
      labels.forEach((c, i) => {
        idx[2 * i] = classesFirst ? c : i;
        idx[2 * i + 1] = classesFirst ? i : c;
      });
      return idx;
    },
    // a matmul: far faster than sum on wasm
    classSums: (e) => tf.reshape(classesFirst ? tf.matMul(e, tf.ones([n, 1])) : tf.matMul(tf.ones([1, n]), e), [numClasses]),
    classWeighted: (e, x) => (classesFirst ? tf.matMul(e, x) : tf.transpose(tf.matMul(tf.transpose(x), e))),
    rowWeighted: (e, q) => (classesFirst ? tf.matMul(tf.transpose(e), q) : tf.matMul(e, q)),
  };
}

/** The batch's distinct classes U (sorted) and the one-hot matrix [U, N] of its labels. */
export function batchClasses(labels: Int32Array): { classes: number[]; oneHotT: Float32Array } {
  const n = labels.length;
  const classes = Array.from(new Set(labels)).sort((a, b) => a - b);
  const local = new Map(classes.map((c, k) => [c, k]));
  const oneHotT = new Float32Array(classes.length * n); // [U, N]
  labels.forEach((c, i) => {
    oneHotT[local.get(c)! * n + i] = 1;
  });
  return { classes, oneHotT };
}

/**
 * PA on already-normalised rows: xn [N, D] unit, pn [C, D] unit, labels known on the CPU.
 * A custom gradient: dL/dcos_ic = alpha/C * E_ic / (1 + S_c) on negatives and
 * -alpha/|P+| * e_i / (1 + P_{y_i}) at (i, y_i). The similarity matrix is laid out as
 * SimilarityLayout says; the per-class factor is applied to [C, D] operands, so the similarity
 * matrix is touched by matmuls and three elementwise ops. The positive cosines are read from the
 * logits (N values); the positive terms of the gradients go through the batch's U distinct classes
 * ([U, N] one-hot matmuls), never through a gather of [N, D] rows (tfjs-backend-wasm's gather costs
 * about 30 ns a value).
 * `constantEmbeddings`: xn is a constant (SEE's synthetic points, the official `.detach()`): only
 * the proxies get a gradient, and the [N, C] x [C, D] product for dL/dxn is never computed.
 */
export function proxyAnchorNormalized(
  xn: tf.Tensor2D,
  labels: Int32Array,
  pn: tf.Tensor2D,
  margin = 0.1,
  alpha = 32,
  constantEmbeddings = false,
): tf.Scalar {
  const numClasses = pn.shape[0];
  const n = labels.length;
  const { classes, oneHotT } = batchClasses(labels);
  const u = classes.length;
  const layout = similarityLayout(n, numClasses);
  const posIdx = layout.positions(labels);
  const forward = (x: tf.Tensor2D, p: tf.Tensor2D, save: tf.GradSaveFunc, inputs: tf.Tensor[]) => {
    const local1hT = tf.tensor2d(oneHotT, [u, n]);
    const distinct = tf.tensor2d(Int32Array.from(classes), [u, 1], 'int32');
    const pos = tf.tensor2d(posIdx, [n, 2], 'int32');
    const logits = layout.logits(x, p, alpha, margin); // [C, N] or [N, C]: alpha (cos + mrg)
    // exp(-alpha (cos_iy - mrg)) = exp(2 alpha mrg - alpha (cos_iy + mrg)); read before the update
    // below (tfjs-backend-cpu's TensorScatterUpdate writes into its input's buffer)
    const posExp = tf.exp(tf.sub(2 * alpha * margin, tf.gatherND(logits, pos))); // [N]
    // positives set to -1e30 so exp gives 0: one copy of the matrix instead of a one-hot mask and a product
    const masked = tf.tensorScatterUpdate(logits, pos, tf.fill([n], -1e30));
    const e = tf.exp(masked); // exp(alpha (cos + mrg)) on negatives, 0 on positives
    const negSum = layout.classSums(e); // [C]
    const neg = tf.div(tf.sum(tf.log1p(negSum)), numClasses);
    const posSum = tf.matMul(local1hT, tf.reshape(posExp, [n, 1])); // [U, 1]
    const posLoss = tf.div(tf.sum(tf.log1p(posSum)), u);
    save([...inputs, e, negSum, posExp, posSum, local1hT, distinct]);
    return tf.add(posLoss, neg) as tf.Scalar;
  };
  /** [dL/dx or null, dL/dp] from the saved forward values */
  const backward = (
    dy: tf.Tensor,
    [sx, sp, se, sNeg, sPosExp, sPosSum, s1hT, sDistinct]: tf.Tensor[],
    wantX: boolean,
  ): [tf.Tensor | null, tf.Tensor] => {
    // dL/dcos on negatives is E_ic * colCoef_c; colCoef is folded into the small factors, not the [N, C] matrix
    const colCoef = tf.reshape(tf.div(tf.mul(dy, alpha / numClasses), tf.add(sNeg, 1)), [numClasses, 1]); // [C, 1]
    const perSample = tf.matMul(tf.reshape(sPosSum, [1, u]), s1hT); // [1, N] P_{y_i}
    const rowCoef = tf.div(tf.mul(tf.reshape(sPosExp, [1, n]), tf.mul(dy, -alpha / u)), tf.add(perSample, 1)); // [1, N] dL/dcos_{i, y_i}
    const weighted1hT = tf.mul(s1hT, rowCoef); // [U, N]
    let dx: tf.Tensor | null = null;
    if (wantX) {
      const ownProxies = tf.gather(sp, tf.reshape(sDistinct, [u])); // [U, D]
      const dxPos = tf.matMul(tf.transpose(weighted1hT), ownProxies); // [N, D] rowCoef_i p_{y_i}
      dx = tf.add(layout.rowWeighted(se, tf.mul(sp, colCoef)), dxPos); // [N, D]
    }
    const dpNeg = tf.mul(layout.classWeighted(se, sx), colCoef); // [C, D]
    const dpPosLocal = tf.matMul(weighted1hT, sx); // [U, D] sum_{i: y_i = c} rowCoef_i x_i
    const dpPos = tf.scatterND(sDistinct, dpPosLocal, [numClasses, sp.shape[1] as number]); // [C, D]
    return [dx, tf.add(dpNeg, dpPos)];
  };
  if (constantEmbeddings) {
    // xn is captured, not an input: the tape sees one input (the proxies) and asks for one gradient
    const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const p = args[0] as tf.Tensor2D;
      // saved tensors are cloned by the engine, so saving the captured xn is safe
      const value = forward(xn, p, args[1] as tf.GradSaveFunc, [xn, p]);
      return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [backward(dy, saved, false)[1]] };
    });
    return core(pn) as tf.Scalar;
  }
  const core = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor2D;
    const p = args[1] as tf.Tensor2D;
    const value = forward(x, p, args[2] as tf.GradSaveFunc, [x, p]);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(dy, saved, true) as tf.Tensor[] };
  });
  return core(xn, pn) as tf.Scalar;
}
