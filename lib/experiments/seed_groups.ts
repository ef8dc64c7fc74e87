/**
 * Finished runs pooled over seeds, for `see-kit table` and notebook 06: runs whose configurations
 * differ only in `train.seed` (and name, dataRoot) form one group; each group gets the mean, sd and
 * 95% interval of every metric over its seeds (lib/stats/intervals.ts) at the epoch a protocol picks
 * (./epoch_protocol.ts; default best-test, the paper's), beside the paper's Recall@K for its row.
 * Runs are found in the runs root and one level below (a sweep's folder holds its runs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { summarize, type SeedSummary } from '../stats/intervals';
import type { EvalRecord, RunMetrics } from '../train/loop';
import { DEFAULT_RUNS_ROOT, RunDir } from '../train/run_dir';
import { metricValues, recordOf, type EpochProtocol } from './epoch_protocol';
import { getRow } from './registry';

export interface FinishedRun {
  dir: RunDir;
  config: Record<string, unknown>;
  metrics: RunMetrics;
  /** a name for the run's configuration: sweep/variant, the row id, or the spec's name */
  label: string;
}

export interface SeedGroup {
  label: string;
  row: string | null;
  dataset: string | null;
  runs: FinishedRun[];
  seeds: (number | null)[];
  /** metric -> summary over the runs (at the protocol's epoch), in percent */
  metrics: Record<string, SeedSummary>;
  /** test R@1 at the validation-selected epoch, where every run had a validation split */
  validationR1?: SeedSummary;
  /** the paper's Recall@K for the group's row (percent), or null */
  paper: Record<string, number | null> | null;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The variant name of a run inside a sweep folder (its plan.json), else undefined. */
function sweepLabel(runPath: string): string | undefined {
  const plan = join(dirname(runPath), 'plan.json');
  if (!existsSync(plan)) return undefined;
  try {
    const p = JSON.parse(readFileSync(plan, 'utf8')) as { name: string; runs: { id: string; variant: string }[] };
    const run = p.runs.find((r) => r.id === basename(runPath));
    return run ? `${p.name}/${run.variant}` : undefined;
  } catch {
    return undefined;
  }
}

/** Every finished run (metrics.json and config.json) in `root` and in its subfolders' subfolders. */
export function findFinishedRuns(root: string): FinishedRun[] {
  if (!existsSync(root)) return [];
  const paths: string[] = [];
  for (const d of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    const path = join(root, d.name);
    if (existsSync(join(path, 'config.json'))) paths.push(path);
    else
      paths.push(
        ...readdirSync(path)
          .map((n) => join(path, n))
          .filter((p) => isDir(p) && existsSync(join(p, 'config.json'))),
      );
  }
  const out: FinishedRun[] = [];
  for (const path of paths.filter((p) => existsSync(join(p, 'metrics.json')))) {
    const dir = new RunDir(path);
    const config = dir.readConfig<Record<string, unknown>>();
    const metrics = dir.readMetrics<RunMetrics>() as RunMetrics;
    out.push({
      dir,
      config,
      metrics,
      label: sweepLabel(path) ?? (typeof config.row === 'string' ? config.row : String(config.name ?? dir.id)),
    });
  }
  return out;
}

function seedOf(config: Record<string, unknown>): number | null {
  const train = config.train as { seed?: unknown } | undefined;
  return typeof train?.seed === 'number' ? train.seed : null;
}

/** The configuration without what seeds of one setting may differ in, as canonical JSON. */
function groupKey(config: Record<string, unknown>): string {
  const { name: _n, dataRoot: _d, train, ...rest } = config;
  const { seed: _s, ...trainRest } = (train ?? {}) as Record<string, unknown>;
  const canonical = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;
  return JSON.stringify(canonical({ ...rest, train: trainRest }));
}

function paperOf(row: string | null): Record<string, number | null> | null {
  if (!row) return null;
  try {
    return getRow(row).paper;
  } catch {
    return null; // a row id from an older registry: the runs are still listed
  }
}

/** Groups of runs that differ only in their seed, with statistics at the protocol's epoch. */
export function seedGroups(runs: FinishedRun[], protocol: EpochProtocol = 'best-test'): SeedGroup[] {
  const byKey = new Map<string, FinishedRun[]>();
  for (const r of runs) byKey.set(groupKey(r.config), [...(byKey.get(groupKey(r.config)) ?? []), r]);
  const used = new Map<string, number>();
  const sortKey = (rs: FinishedRun[]): string => `${String(rs[0].config.dataset)} ${rs[0].label} ${rs[0].dir.path}`;
  return [...byKey.values()]
    .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
    .map((rs) => {
      const picked = rs.map((r) => recordOf(r.metrics, protocol)).filter((x): x is EvalRecord => x !== undefined);
      const values = picked.map((rec) => metricValues(rec.test));
      // every run needs the protocol's epoch (validation: a validation split), else the group shows no numbers
      const names = values.length && picked.length === rs.length ? Object.keys(values[0]).filter((m) => values.every((v) => m in v)) : [];
      const withValidation = rs.map((r) => r.metrics.selectedByValidation).filter((x): x is EvalRecord => x !== undefined);
      const firstMetric = (rec: EvalRecord): number => Object.values(metricValues(rec.test))[0];
      const row = typeof rs[0].config.row === 'string' ? rs[0].config.row : null;
      const n = (used.get(rs[0].label) ?? 0) + 1;
      used.set(rs[0].label, n);
      return {
        label: n === 1 ? rs[0].label : `${rs[0].label} (${n})`,
        row,
        dataset: typeof rs[0].config.dataset === 'string' ? rs[0].config.dataset : null,
        runs: rs,
        seeds: rs.map((r) => seedOf(r.config)),
        metrics: Object.fromEntries(names.map((m) => [m, summarize(values.map((v) => v[m]))])),
        ...(withValidation.length === rs.length ? { validationR1: summarize(withValidation.map(firstMetric)) } : {}),
        paper: paperOf(row),
      };
    });
}

/** The seed groups of every finished run under `root` (default data/runs). */
export function finishedSeedGroups(root = DEFAULT_RUNS_ROOT, protocol: EpochProtocol = 'best-test'): SeedGroup[] {
  return seedGroups(findFinishedRuns(root), protocol);
}
