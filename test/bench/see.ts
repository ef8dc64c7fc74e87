/**
 * `npm run bench -- see`: SEE expansion alone, one whole SEE Proxy-Anchor step (expansion, both
 * losses, gradients for embeddings and proxies) and one plain Proxy-Anchor step, batch 180,
 * plan 1 with fraction 0.4 (72 anchors expanded), the issue's four (d, classes, n) settings.
 * The same expansion and SEE step through the readable per-sample path (lib/method/reference.ts,
 * `plain_*` fields) keep the fast path's payoff measured (`expansion_speedup`, `see_speedup`).
 * The official step side by side in the same run: SEE_OFFICIAL_SCRIPT (a timing script kept
 * outside this repository, it runs the authors' SEEProxyAnchor on CPU) with SEE_OFFICIAL_REPO (a
 * checkout of Leminhbinh0209/PAKDD24-SEE), run per setting right after the kit with PyTorch's
 * threads SEE_OFFICIAL_THREADS (default 1 and 2); without them, earlier official figures are
 * quoted and marked `official_source: "quoted"`. The official step's products run on whatever
 * libblas.so.3 resolves to (LD_LIBRARY_PATH, recorded, may select an optimised BLAS).
 * With many classes the kit's step uses a second thread (the Proxy-Anchor helper, SEE_WORKERS above 1):
 * `see_ms` is the step as it runs (`see_threads` threads), `see_ms_1_thread` the same step with
 * SEE_WORKERS=1; `see_fraction_of_official` compares the first with the official step on PyTorch's
 * default threads (the cores), `see_fraction_of_official_1_thread` the second with the official one on
 * one thread.
 */
import { tf } from '../../lib/tf';
import { sphericalExpansion } from '../../lib/method/fast/expansion';
import { SeededRandom } from '../../lib/random';
import { referenceExpansion, referenceSeeLoss } from '../../lib/method/reference';
import { proxyAnchorLoss } from '../../lib/losses/proxy_anchor';
import { seeProxyAnchorLoss } from '../../lib/losses/see_proxy_anchor';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { helperSplit } from '../../lib/losses/fused_proxy_anchor';
import { trainWorkerCount } from '../../lib/train/parallel/worker_count';
import { timeMs, type Benchmark } from './harness';

interface OfficialRun {
  threads: number;
  expansion_ms: number;
  see_ms: number;
  see_cpu_ms?: number;
}

/** the official step timed by SEE_OFFICIAL_SCRIPT, or undefined when it is not configured */
function officialTimes(d: number, classes: number, n: number): OfficialRun[] | undefined {
  const script = process.env.SEE_OFFICIAL_SCRIPT;
  const repo = process.env.SEE_OFFICIAL_REPO;
  if (!script || !repo) return undefined;
  const python = process.env.SEE_PYTHON ?? '/usr/bin/python3';
  const threads = (process.env.SEE_OFFICIAL_THREADS ?? '1,2').split(',').map(Number);
  return threads.map((t) => {
    const r = spawnSync(python, [script, repo, String(t), '5', `${d}:${classes}:${n}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) },
    });
    if (r.status !== 0) throw new Error(`SEE_OFFICIAL_SCRIPT ${script} failed: ${r.error?.message ?? r.stderr.slice(-2000)}`);
    const line = r.stdout.trim().split('\n').pop()!;
    const rec = JSON.parse(line) as OfficialRun;
    return {
      threads: t,
      expansion_ms: +rec.expansion_ms.toFixed(2),
      see_ms: +rec.see_ms.toFixed(2),
      ...(rec.see_cpu_ms === undefined ? {} : { see_cpu_ms: +rec.see_cpu_ms.toFixed(2) }),
    };
  });
}

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

/** threads of the kit's SEE step: 2 when the Proxy-Anchor helper thread takes a share of the synthetic term (SEE_WORKERS > 1, many classes) */
function seeThreads(d: number, classes: number, synthetic: number): number {
  return trainWorkerCount() > 1 && helperSplit(classes, synthetic, d) < classes ? 2 : 1;
}

/** runs fn with SEE_WORKERS set to `workers`, then restores it */
function withWorkers<T>(workers: string, fn: () => T): T {
  const saved = process.env.SEE_WORKERS;
  process.env.SEE_WORKERS = workers;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.SEE_WORKERS;
    else process.env.SEE_WORKERS = saved;
  }
}
const FRACTION = 0.4;

function inputs(d: number, classes: number, random: SeededRandom): { x: tf.Tensor2D; y: tf.Tensor1D; p: tf.Tensor2D } {
  const xs = random.fillNormal(new Float32Array(BATCH * d));
  const ps = random.fillNormal(new Float32Array(classes * d));
  // m-per-class batches as the official sampler: 45 classes x 4 images
  const labels = new Int32Array(BATCH);
  for (let i = 0; i < BATCH; i++) labels[i] = (Math.floor(i / 4) * Math.max(1, Math.floor(classes / 45))) % classes;
  return { x: tf.tensor2d(xs, [BATCH, d]), y: tf.tensor1d(labels, 'int32'), p: tf.tensor2d(ps, [classes, d]) };
}

export const benchmark: Benchmark = {
  description: 'SEE expansion / SEE Proxy-Anchor step / Proxy-Anchor step, batch 180, plan 1 fraction 0.4',
  async run(emit) {
    const random = new SeededRandom(7);
    for (const s of SETTINGS) {
      const { x, y, p } = inputs(s.d, s.classes, random);
      const opts = { n: s.n, plan: 1 as const, threshold: FRACTION, random };
      const exp = timeBoth(
        () => {
          const e = sphericalExpansion(x, y, p, opts);
          e.points.dispose();
          e.labels.dispose();
        },
        9,
        2,
      );
      const seeStep = (): void => {
        const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) => {
          const r = seeProxyAnchorLoss(xa as tf.Tensor2D, y, pa as tf.Tensor2D, { ...opts, lambda: 0.1, margin: 0.1, alpha: 32 });
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
      const load = loadavg()[0];
      const see = timeBoth(seeStep, 5, 1);
      // the same step on one thread (SEE_WORKERS=1: no Proxy-Anchor helper thread, lib/losses/pa_helper.ts)
      const threads = seeThreads(s.d, s.classes, Math.round(BATCH * FRACTION) * s.n);
      const seeOneThread = threads === 1 ? see : withWorkers('1', () => timeBoth(seeStep, 5, 1));
      const pa = timeBoth(paStep, 5, 1);
      const labels = Array.from(await y.data());
      const plainExpansion = await timeMs(
        async () => {
          tf.dispose((await referenceExpansion(x, y, p, opts)).points);
        },
        3,
        1,
      );
      const plainSee = await timeMs(
        async () => {
          const e = await referenceExpansion(x, y, p, opts);
          const [gx, gp] = tf.grads((xa: tf.Tensor, pa: tf.Tensor) =>
            referenceSeeLoss(xa as tf.Tensor2D, labels, pa as tf.Tensor2D, e, 0.1),
          )([x, p]);
          await gp.data();
          tf.dispose([gx, gp, e.points]);
        },
        3,
        1,
      );
      const official = officialTimes(s.d, s.classes, s.n);
      const officialFields = official
        ? {
            official_source: 'measured in this run (SEE_OFFICIAL_SCRIPT)',
            official_ld_library_path: process.env.LD_LIBRARY_PATH ?? null,
            official: official,
            // against the official step with PyTorch's default threads (the machine's cores)
            official_see_ms: official[official.length - 1].see_ms,
            official_expansion_ms: official[official.length - 1].expansion_ms,
            see_fraction_of_official: +(see.wall / official[official.length - 1].see_ms).toFixed(3),
            // both on one thread
            ...(official[0].threads === 1
              ? { see_fraction_of_official_1_thread: +(seeOneThread.wall / official[0].see_ms).toFixed(3) }
              : {}),
            // CPU time against the 1-thread official step: both single-threaded, less sensitive to the load
            ...(official[0].threads === 1 && official[0].see_cpu_ms
              ? { see_cpu_fraction_of_official_1_thread: +(seeOneThread.cpu / official[0].see_cpu_ms).toFixed(3) }
              : {}),
          }
        : { official_source: 'quoted (earlier run)', official_expansion_ms: s.official.expansion_ms, official_see_ms: s.official.see_ms };
      emit({
        d: s.d,
        classes: s.classes,
        n: s.n,
        batch: BATCH,
        fraction: FRACTION,
        synthetic: Math.round(BATCH * FRACTION) * s.n,
        expansion_ms: +exp.wall.toFixed(2),
        see_ms: +see.wall.toFixed(2),
        see_threads: threads,
        see_ms_1_thread: +seeOneThread.wall.toFixed(2),
        pa_ms: +pa.wall.toFixed(2),
        ratio: +(see.wall / pa.wall).toFixed(3),
        // CPU time of this process: less sensitive to other work on a shared machine
        expansion_cpu_ms: +exp.cpu.toFixed(2),
        see_cpu_ms: +see.cpu.toFixed(2),
        see_cpu_ms_1_thread: +seeOneThread.cpu.toFixed(2),
        pa_cpu_ms: +pa.cpu.toFixed(2),
        plain_expansion_ms: +plainExpansion.toFixed(2),
        plain_see_ms: +plainSee.toFixed(2),
        expansion_speedup: +(plainExpansion / exp.wall).toFixed(1),
        see_speedup: +(plainSee / see.wall).toFixed(2),
        load_average: load,
        ...officialFields,
      });
      tf.dispose([x, y, p]);
    }
  },
};
