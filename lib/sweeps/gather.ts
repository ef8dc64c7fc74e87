/**
 * A sweep's results: for each variant (a cell of the sweep) the mean, standard deviation and 95%
 * interval of every metric over its seeds; for each comparison the paired difference over the
 * seeds both variants finished, with its interval and the paired t test (lib/stats/intervals.ts).
 * Metrics come from the epoch the protocol picks (lib/experiments/epoch_protocol.ts), in percent.
 */
import { EPOCH_PROTOCOLS, metricValues, recordOf, type EpochProtocol } from '../experiments/epoch_protocol';
import { pairedDifference, summarize, type PairedDifference, type SeedSummary } from '../stats/intervals';
import type { RunMetrics } from '../train/loop';
import { RunDir } from '../train/run_dir';
import { isFinished } from './run_task';
import type { SweepFolder, SweepPlan } from './sweep_folder';

export interface RunResult {
  id: string;
  variant: string;
  seed: number;
  /** the epoch the protocol picked */
  epoch: number;
  metrics: Record<string, number>;
}

export interface CellSummary {
  variant: string;
  seeds: number[];
  metrics: Record<string, SeedSummary>;
}

export interface Comparison {
  variant: string;
  baseline: string;
  metrics: Record<string, PairedDifference>;
  /** seeds only one of the two finished (left out of the pairs) */
  unpaired: number[];
}

export interface SweepResults {
  name: string;
  protocol: EpochProtocol;
  protocolText: string;
  level: number;
  /** metric names in print order */
  metricNames: string[];
  runs: RunResult[];
  cells: CellSummary[];
  comparisons: Comparison[];
  /** runs of the plan without metrics.json */
  unfinished: string[];
}

function metricOrder(runs: RunResult[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.metrics)) if (!names.includes(k)) names.push(k);
  return names;
}

/** Reads every finished run of the plan and computes the statistics. */
export function gatherSweep(folder: SweepFolder, plan: SweepPlan, protocol: EpochProtocol = plan.protocol, level = 0.95): SweepResults {
  const runs: RunResult[] = [];
  const unfinished: string[] = [];
  for (const run of plan.runs) {
    if (!isFinished(folder, run)) {
      unfinished.push(run.id);
      continue;
    }
    const metrics = new RunDir(folder.runPath(run)).readMetrics<RunMetrics>() as RunMetrics;
    const record = recordOf(metrics, protocol);
    if (!record)
      throw new Error(
        `sweep ${plan.name}: run ${run.id} has no validation-selected epoch (validationClasses is ${run.spec.validationClasses}); the ${protocol} protocol needs a validation split`,
      );
    runs.push({ id: run.id, variant: run.variant, seed: run.seed, epoch: record.epoch, metrics: metricValues(record.test) });
  }
  const metricNames = metricOrder(runs);
  const byVariant = (v: string): RunResult[] => runs.filter((r) => r.variant === v);
  const cells: CellSummary[] = plan.variants
    .filter((v) => byVariant(v).length > 0)
    .map((v) => {
      const rs = byVariant(v);
      const names = metricNames.filter((m) => rs.every((r) => m in r.metrics));
      return {
        variant: v,
        seeds: rs.map((r) => r.seed),
        metrics: Object.fromEntries(
          names.map((m) => [
            m,
            summarize(
              rs.map((r) => r.metrics[m]),
              level,
            ),
          ]),
        ),
      };
    });
  const comparisons: Comparison[] = [];
  for (const [variant, baseline] of plan.compare) {
    const [a, b] = [byVariant(variant), byVariant(baseline)];
    const seedsA = new Set(a.map((r) => r.seed));
    const seedsB = new Set(b.map((r) => r.seed));
    const paired = [...seedsA].filter((s) => seedsB.has(s));
    if (paired.length === 0) continue;
    const names = metricNames.filter((m) => [...a, ...b].every((r) => m in r.metrics));
    const values = (rs: RunResult[], m: string): Map<number, number> => new Map(rs.map((r) => [r.seed, r.metrics[m]]));
    comparisons.push({
      variant,
      baseline,
      metrics: Object.fromEntries(names.map((m) => [m, pairedDifference(values(a, m), values(b, m), level)])),
      unpaired: [...new Set([...seedsA, ...seedsB])].filter((s) => !(seedsA.has(s) && seedsB.has(s))).sort((x, y) => x - y),
    });
  }
  return { name: plan.name, protocol, protocolText: EPOCH_PROTOCOLS[protocol], level, metricNames, runs, cells, comparisons, unfinished };
}
