/**
 * What several seeds of a run say: the mean, the sample standard deviation and a confidence
 * interval for the mean (Student t with n - 1 degrees of freedom: mean +- t * sd / sqrt(n)); and
 * for two methods run with the same seeds (the seed fixes the data order and the initialisation,
 * so the two runs of a seed form a pair) the paired difference: the mean of the per-seed
 * differences with its interval and a two-sided paired t test (H0: mean difference 0).
 * One seed has no spread: its sd, interval and test are null.
 */
import { studentTQuantile, studentTTwoSidedP } from './student_t';

export interface SeedSummary {
  n: number;
  mean: number;
  /** sample standard deviation (n - 1 in the denominator); null for one value */
  sd: number | null;
  /** half-width of the confidence interval (mean +- halfWidth); null for one value */
  halfWidth: number | null;
  /** the confidence level of the interval, e.g. 0.95 */
  level: number;
}

export interface PairedDifference extends SeedSummary {
  /** the seeds paired (both runs present), in order */
  seeds: number[];
  /** t statistic of the paired test (mean / (sd / sqrt(n))); null for one pair */
  t: number | null;
  /** two-sided p-value of the paired t test; null for one pair */
  p: number | null;
  /** the interval excludes 0 (equivalently p < 1 - level); false for one pair */
  significant: boolean;
}

function checkValues(values: readonly number[], where: string): void {
  if (values.length === 0) throw new Error(`${where}: no values (one per seed expected)`);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${where}: value ${bad} is ${values[bad]}, expected a finite number`);
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new Error(`confidence level ${level}, expected a number strictly between 0 and 1 (e.g. 0.95)`);
}

/** Mean, sd and the `level` (default 95%) Student t interval of the mean. */
export function summarize(values: readonly number[], level = 0.95): SeedSummary {
  checkValues(values, 'summarize');
  checkLevel(level);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: null, halfWidth: null, level };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd, halfWidth: studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n)), level };
}

/**
 * `variant - baseline` over the seeds both have: per-seed differences, their summary, the paired
 * t test. Values are keyed by seed; seeds present on one side only are left out (the caller names them).
 */
export function pairedDifference(
  variant: ReadonlyMap<number, number>,
  baseline: ReadonlyMap<number, number>,
  level = 0.95,
): PairedDifference {
  const seeds = [...variant.keys()].filter((s) => baseline.has(s)).sort((a, b) => a - b);
  if (seeds.length === 0)
    throw new Error(
      `pairedDifference: no seed in common (variant ${[...variant.keys()].join(', ') || 'none'}, baseline ${[...baseline.keys()].join(', ') || 'none'})`,
    );
  const diffs = seeds.map((s) => (variant.get(s) as number) - (baseline.get(s) as number));
  const summary = summarize(diffs, level);
  if (summary.sd === null || summary.halfWidth === null) return { ...summary, seeds, t: null, p: null, significant: false };
  const df = summary.n - 1;
  let t: number;
  let p: number;
  if (summary.sd === 0) {
    // every pair differs by the same amount: no spread, the test is decided by the sign alone
    t = summary.mean === 0 ? 0 : summary.mean > 0 ? Infinity : -Infinity;
    p = summary.mean === 0 ? 1 : 0;
  } else {
    t = summary.mean / (summary.sd / Math.sqrt(summary.n));
    p = studentTTwoSidedP(t, df);
  }
  const significant = summary.mean - summary.halfWidth > 0 || summary.mean + summary.halfWidth < 0;
  return { ...summary, seeds, t, p, significant };
}
