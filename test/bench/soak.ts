/**
 * `npm run bench -- soak`: 1,000 training steps of the demo network with SEE, through the
 * training loop as `npm run demo` runs it (glyphs loader, SEE Proxy-Anchor, AdamW, a log record
 * per step, a checkpoint per epoch): global batch 168 (84 classes x 2), so the 8,400 training
 * glyphs give 50 steps per epoch and 20 epochs give exactly 1,000 steps. Every 50 steps it
 * samples tf.memory().numTensors and the process RSS. Pass: the tensor count is the same at every
 * sample (no leak), and RSS after the warm-up (the first two epochs: the allocator, libvips's
 * cache and the first checkpoint write take what they keep, about 40 MB) grows by less than 5%:
 * no sample from step 100 on is 5% above the one at step 100. The growth from the very first
 * sample is reported too. Evaluation only after the last epoch (outside the samples).
 * data/glyphs is built if missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeGlyphs } from '../../lib/data/glyphs';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { runExperiment } from '../../lib/experiments/run_experiment';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import { tf } from '../../lib/tf';
import type { Benchmark } from './harness';

const STEPS_PER_EPOCH = 50;
const EPOCHS = 20;
const EVERY = 50;
const BATCH = 168;
/** the first two epochs: see the header */
const WARM_UP_STEPS = 100;

interface Sample {
  step: number;
  tensors: number;
  rssMB: number;
  wasmMB: number;
  seconds: number;
}

export const benchmark: Benchmark = {
  description: `soak: ${STEPS_PER_EPOCH * EPOCHS} SEE training steps of the demo network (batch ${BATCH}), tensors and RSS every ${EVERY} steps`,
  async run(emit) {
    const dataRoot = resolve(__dirname, '..', '..', 'data');
    if (!existsSync(join(dataRoot, 'glyphs', 'manifest.json'))) {
      console.error('# building data/glyphs (about 70 s, once)');
      await makeGlyphs({ outDir: join(dataRoot, 'glyphs') });
    }
    const spec = applyOverrides(demoSpec('see_proxy_anchor', EPOCHS, 0, dataRoot), [`train.globalBatch=${BATCH}`, 'train.evalFreq=1000']);
    const runs = mkdtempSync(join(tmpdir(), 'see-soak-'));
    const samples: Sample[] = [];
    const t0 = performance.now();
    try {
      await runExperiment(spec, {
        runPath: join(runs, 'soak'),
        onStart: (run) => {
          if (run.source.itersPerEpoch !== STEPS_PER_EPOCH)
            throw new Error(`soak: ${run.source.itersPerEpoch} steps per epoch, expected ${STEPS_PER_EPOCH}`);
        },
        progress: (e) => {
          const step = e.epoch * STEPS_PER_EPOCH + e.step + 1;
          if (step % EVERY !== 0) return;
          const s: Sample = {
            step,
            tensors: tf.memory().numTensors,
            rssMB: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
            wasmMB: +(tf.memory().numBytes / 2 ** 20).toFixed(1),
            seconds: +((performance.now() - t0) / 1000).toFixed(1),
          };
          samples.push(s);
          console.error(`# step ${s.step}: ${s.tensors} tensors, RSS ${s.rssMB} MB (${s.seconds} s)`);
        },
      });
    } finally {
      rmSync(runs, { recursive: true, force: true });
    }
    const [first, last] = [samples[0], samples[samples.length - 1]];
    const warm = samples.find((s) => s.step === WARM_UP_STEPS) as Sample;
    const after = samples.filter((s) => s.step >= WARM_UP_STEPS);
    const pct = (a: number, b: number): number => +((100 * (a - b)) / b).toFixed(2);
    const tensorsFlat = samples.every((s) => s.tensors === first.tensors);
    const rssMax = Math.max(...after.map((s) => s.rssMB));
    emit({
      steps: last.step,
      every: EVERY,
      batch: BATCH,
      model: spec.backbone,
      loss: spec.loss.name,
      tensors_first: first.tensors,
      tensors_last: last.tensors,
      tensors_flat: tensorsFlat,
      rss_first_mb: first.rssMB,
      rss_warm_mb: warm.rssMB,
      rss_last_mb: last.rssMB,
      rss_max_after_warm_up_mb: rssMax,
      rss_growth_after_warm_up_pct: pct(last.rssMB, warm.rssMB),
      rss_max_growth_after_warm_up_pct: pct(rssMax, warm.rssMB),
      rss_growth_from_first_pct: pct(last.rssMB, first.rssMB),
      warm_up_steps: WARM_UP_STEPS,
      pass: tensorsFlat && pct(rssMax, warm.rssMB) < 5,
      seconds: +((performance.now() - t0) / 1000).toFixed(1),
      loadavg: existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : undefined,
      samples,
    });
  },
};
