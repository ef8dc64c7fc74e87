/**
 * `npm run bench -- frozen`: seconds per training epoch of Proxy-Anchor and SEE Proxy-Anchor on
 * the glyphs with the demo backbone (the demo's spec: resnet_small.demo from scratch, 64-d, batch
 * 180), end to end on images and on cached features (train.frozenBackbone=true), side by side in
 * one process, and the ratio. Epoch seconds are the training loop's own (its log's epoch records:
 * steps only, no evaluation). The features cache is built once in a temporary folder (its time
 * reported on its own) and reused by the second method. Settings: BENCH_FROZEN_DATA (data root
 * with glyphs/, default data; a 40-class subset is made when it has none), BENCH_FROZEN_EPOCHS
 * (frozen epochs per method, default 5; end to end runs 1).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glyphImageDir, makeGlyphs } from '../../lib/data/glyphs';
import { cacheFeatures } from '../../lib/experiments/cache_features';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { runExperiment } from '../../lib/experiments/run_experiment';
import { applyOverrides } from '../../lib/experiments/spec_merge';
import type { Benchmark } from './harness';

const loadavg = (): string | undefined => (existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').trim() : undefined);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const benchmark: Benchmark = {
  description:
    'seconds per epoch, PA and SEE on glyphs with the demo backbone: end to end vs on cached features (train.frozenBackbone=true)',
  async run(emit) {
    const tmp = mkdtempSync(join(tmpdir(), 'see-bench-frozen-'));
    try {
      let dataRoot = process.env.BENCH_FROZEN_DATA ?? join(__dirname, '..', '..', 'data');
      let source = `${dataRoot}/glyphs`;
      const sets: string[] = [];
      if (!existsSync(glyphImageDir(join(dataRoot, 'glyphs')))) {
        dataRoot = tmp;
        source = 'temp subset (40 classes, batch 40)';
        sets.push('train.globalBatch=40'); // 20 training classes x 2
        await makeGlyphs({ outDir: join(tmp, 'glyphs'), numClasses: 40 });
      }
      const frozenEpochs = Number(process.env.BENCH_FROZEN_EPOCHS ?? 5);
      const featuresRoot = join(tmp, 'features');
      const perEpoch: Record<string, number> = {};
      for (const mode of ['end_to_end', 'frozen_backbone'] as const) {
        if (mode === 'frozen_backbone') {
          const load = loadavg();
          const cache = await cacheFeatures(
            applyOverrides(demoSpec('proxy_anchor', 1, 0, dataRoot), [...sets, 'mode.name=frozen_backbone']),
            { featuresRoot },
          );
          const { train, test } = cache.manifest.identity.images;
          emit({
            case: 'features cache',
            source,
            action: cache.status.action,
            images: train + test,
            featureDim: cache.featureDim,
            seconds: +cache.status.seconds.toFixed(1),
            loadavgBefore: load,
            loadavgAfter: loadavg(),
          });
        }
        for (const loss of ['proxy_anchor', 'see_proxy_anchor'] as const) {
          const epochs = mode === 'end_to_end' ? 1 : frozenEpochs;
          const spec = applyOverrides(demoSpec(loss, epochs, 0, dataRoot), [
            ...sets,
            `mode.name=${mode}`,
            'evalKs=[1]',
            'evalMetrics=["recall"]',
            `train.evalFreq=${epochs}`,
          ]);
          const t0 = performance.now();
          const load = loadavg();
          const { runDir, metrics } = await runExperiment(spec, { runsRoot: join(tmp, 'runs'), featuresRoot });
          const seconds = runDir
            .readLog()
            .filter((r) => r.kind === 'epoch')
            .map((r) => r.seconds as number);
          perEpoch[`${mode} ${loss}`] = median(seconds);
          emit({
            case: mode,
            loss,
            source,
            epochs,
            secondsPerEpoch: +median(seconds).toFixed(3),
            epochSeconds: seconds.map((s) => +s.toFixed(3)),
            runSeconds: +((performance.now() - t0) / 1000).toFixed(1),
            lastR1: +(100 * metrics.last.test.recallAtK['1']).toFixed(2),
            loadavgBefore: load,
            loadavgAfter: loadavg(),
          });
        }
      }
      for (const loss of ['proxy_anchor', 'see_proxy_anchor']) {
        emit({
          case: 'ratio',
          loss,
          source,
          endToEndOverFrozen: +(perEpoch[`end_to_end ${loss}`] / perEpoch[`frozen_backbone ${loss}`]).toFixed(1),
          loadavg: loadavg(),
        });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  },
};
