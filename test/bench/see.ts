/**
 * `npm run bench -- see`: SEE expansion alone, one whole SEE Proxy-Anchor step (expansion, both
 * losses, gradients for embeddings and proxies) and one plain Proxy-Anchor step, batch 180,
 * plan 1 with fraction 0.4 (72 anchors expanded), the four (d, classes, n) settings.
 * The same expansion and SEE step through the readable per-sample path (lib/method/reference.ts,
 * `plain_*` fields) keep the fast path's payoff measured (`expansion_speedup`, `see_speedup`).
 */
import { tf } from '../../lib/tf';
import { sphericalExpansion } from '../../lib/method/fast/expansion';
import { SeededRandom } from '../../lib/random';
import { referenceExpansion, referenceSeeLoss } from '../../lib/method/reference';
import { proxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { seeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { timeMs, type Benchmark } from './harness';

/** median wall ms (as the harness's timeMs) and mean process CPU ms over the same runs */
function timeBoth(fn: () => void, repeats: number, warmup: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const walls: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    walls.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const c = process.cpuUsage(c0);
  walls.sort((a, b) => a - b);
  return { wall: walls[Math.floor(walls.length / 2)], cpu: (c.user + c.system) / 1000 / repeats };
}

const SETTINGS: Array<{ d: number; classes: number; n: number; official: { expansion_ms: number; see_ms: number } }> = [
  { d: 512, classes: 100, n: 16, official: { expansion_ms: 108, see_ms: 111 } },
  { d: 128, classes: 11318, n: 16, official: { expansion_ms: 55, see_ms: 780 } },
  { d: 384, classes: 98, n: 16, official: { expansion_ms: 84, see_ms: 114 } },
  { d: 128, classes: 98, n: 8, official: { expansion_ms: 44, see_ms: 64 } },
];
const BATCH = 180;
const FRACTION = 0.4;

function inputs(d: number, classes: number, random: SeededRandom): { x: tf.Tensor2D; y: tf.Tensor1D; p: tf.Tensor2D } {
  const xs = random.fillNormal(new Float32Array(BATCH * d));
  const ps = random.fillNormal(new Float32Array(classes * d));
  // m-per-class batches as the official sampler: 45 classes x 4 images
  const labels = new Int32Array(BATCH);
  for (let i = 0; i < BATCH; i++) labels[i] = Math.floor(i / 4) * Math.max(1, Math.floor(classes / 45)) % classes;
  return { x: tf.tensor2d(xs, [BATCH, d]), y: tf.tensor1d(labels, 'int32'), p: tf.tensor2d(ps, [classes, d]) };
}

export const benchmark: Benchmark = {
  description: 'SEE expansion / SEE Proxy-Anchor step / Proxy-Anchor step, batch 180, plan 1 fraction 0.4',
  async run(emit) {
    const random = new SeededRandom(7);
    for (const s of SETTINGS) {
      const { x, y, p } = inputs(s.d, s.classes, random);
      const opts = { n: s.n, plan: 1 as const, threshold: FRACTION, random };
      const exp = timeBoth(() => {
        const e = sphericalExpansion(x, y, p, opts);
        e.points.dispose();
        e.labels.dispose();
      }, 9, 2);
      const seeStep = (): void => {
        const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) => {
          const r = seeProxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D,
            { ...opts, lambda: 0.1, margin: 0.1, alpha: 32 });
          r.batchLoss.dispose();
          r.augLoss.dispose();
          return r.loss;
        })([x, p]);
        gp.dataSync();
        tf.dispose([gx, gp]);
      };
      const paStep = (): void => {
        const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) => proxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D))([x, p]);
        gp.dataSync();
        tf.dispose([gx, gp]);
      };
      const see = timeBoth(seeStep, 5, 1);
      const pa = timeBoth(paStep, 5, 1);
      const labels = Array.from(await y.data());
      const plainExpansion = await timeMs(async () => {
        tf.dispose((await referenceExpansion(x, y, p, opts)).points);
      }, 3, 1);
      const plainSee = await timeMs(async () => {
        const e = await referenceExpansion(x, y, p, opts);
        const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) => referenceSeeLoss(xa as tf.Tensor2D, labels, pa as tf.Tensor2D, e, 0.1))([x, p]);
        await gp.data();
        tf.dispose([gx, gp, e.points]);
      }, 3, 1);
      emit({
        d: s.d, classes: s.classes, n: s.n, batch: BATCH, fraction: FRACTION, synthetic: Math.round(BATCH * FRACTION) * s.n,
        expansion_ms: +exp.wall.toFixed(2), see_ms: +see.wall.toFixed(2), pa_ms: +pa.wall.toFixed(2),
        ratio: +(see.wall / pa.wall).toFixed(3),
        // CPU time of this process: less sensitive to other work on a shared machine
        expansion_cpu_ms: +exp.cpu.toFixed(2), see_cpu_ms: +see.cpu.toFixed(2), pa_cpu_ms: +pa.cpu.toFixed(2),
        official_expansion_ms: s.official.expansion_ms, official_see_ms: s.official.see_ms,
        plain_expansion_ms: +plainExpansion.toFixed(2), plain_see_ms: +plainSee.toFixed(2),
        expansion_speedup: +(plainExpansion / exp.wall).toFixed(1), see_speedup: +(plainSee / see.wall).toFixed(2),
      });
      tf.dispose([x, y, p]);
    }
  },
};
