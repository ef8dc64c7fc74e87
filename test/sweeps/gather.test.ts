/**
 * Gathering a sweep and pooling seeds in `see-kit table`, on run folders written here with chosen
 * metrics (no training): the numbers are the hand-worked ones of test/stats/intervals.test.ts.
 * A: R@1 40, 42, 47 (mean 43, sd sqrt 13); B: 41, 44, 48, so B - A = 1, 2, 1 (mean 4/3, t = 4,
 * p = 1 - 4/sqrt 18); MAP@R: B - A = 1 on every seed (significant).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../lib/cli/main';
import { seedGroups, findFinishedRuns } from '../../lib/experiments/seed_groups';
import { gatherSweep } from '../../lib/sweeps/gather';
import { defineSweep, expandSweep } from '../../lib/sweeps/sweep_definition';
import { preparePlan, SweepFolder } from '../../lib/sweeps/sweep_folder';
import { sweepReport } from '../../lib/sweeps/sweep_report';
import { demoSpec } from '../../lib/experiments/demo_spec';
import { runInfoOf } from '../../lib/experiments/run_spec';
import { RunDir } from '../../lib/train/run_dir';

const root = mkdtempSync(join(tmpdir(), 'see-gather-'));
after(() => rmSync(root, { recursive: true, force: true }));
const close = (a: number | null | undefined, b: number, tol: number, what: string): void =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const T975_2 = 0.95 / Math.sqrt(2 * 0.975 * 0.025);

const R1 = { A: [0.4, 0.42, 0.47], B: [0.41, 0.44, 0.48] };
const MAP = { A: [0.1, 0.11, 0.12], B: [0.11, 0.12, 0.13] };
const test1 = (r1: number, map: number): Record<string, unknown> => ({
  recallAtK: { '1': r1, '2': r1 + 0.1 },
  mapAtR: map,
  rPrecision: map + 0.05,
});

function writeRun(path: string, config: unknown, r1: number, map: number, validation = false): void {
  const dir = new RunDir(path);
  dir.writeConfig(config);
  const best = { epoch: 3, test: test1(r1, map), ...(validation ? { validation: { recallAtK: { '1': 0.5 } } } : {}) };
  const last = { epoch: 4, test: test1(r1 - 0.05, map) };
  dir.writeMetrics({
    status: 'finished',
    epochs: 5,
    best,
    last,
    ...(validation ? { selectedByValidation: { ...last, epoch: 4 } } : {}),
    history: [best, last],
    trainSeconds: 1,
  });
}

function makeSweep(runsRoot: string): { folder: SweepFolder; plan: ReturnType<typeof preparePlan> } {
  const def = defineSweep(
    {
      name: 'ab',
      base: demoSpec('see_proxy_anchor', 5, 0, join(root, 'data')),
      variants: [{ name: 'A', set: ['loss.name=proxy_anchor'] }, { name: 'B' }],
      seeds: [0, 1, 2],
      compare: [['B', 'A']],
    },
    'ab.json',
  );
  const folder = new SweepFolder(join(runsRoot, 'ab'));
  const plan = preparePlan(folder, def, expandSweep(def));
  for (const run of plan.runs) {
    const k = run.seed;
    const v = run.variant as 'A' | 'B';
    writeRun(folder.runPath(run), { ...runInfoOf(run.spec), train: run.spec.train }, R1[v][k], MAP[v][k], v === 'B');
  }
  return { folder, plan };
}

test("gathered sweep: per-variant intervals and the paired difference, at the protocol's epoch", () => {
  const { folder, plan } = makeSweep(join(root, 'runs'));
  const r = gatherSweep(folder, plan);
  assert.deepEqual(r.metricNames, ['R@1', 'R@2', 'MAP@R', 'RP']);
  const a = r.cells.find((c) => c.variant === 'A')!;
  close(a.metrics['R@1'].mean, 43, 1e-9, 'A mean');
  close(a.metrics['R@1'].sd, Math.sqrt(13), 1e-9, 'A sd');
  close(a.metrics['R@1'].halfWidth, T975_2 * Math.sqrt(13 / 3), 1e-9, 'A half-width');
  const d = r.comparisons[0];
  assert.deepEqual([d.variant, d.baseline, d.unpaired], ['B', 'A', []]);
  close(d.metrics['R@1'].mean, 4 / 3, 1e-9, 'B - A');
  close(d.metrics['R@1'].t, 4, 1e-9, 't');
  close(d.metrics['R@1'].p, 1 - 4 / Math.sqrt(18), 1e-9, 'p');
  assert.equal(d.metrics['R@1'].significant, false);
  assert.equal(d.metrics['MAP@R'].significant, true);
  const last = gatherSweep(folder, plan, 'last');
  close(last.cells[0].metrics['R@1'].mean, 38, 1e-9, 'last epoch: 5 points lower');
  assert.equal(last.runs[0].epoch, 4);
  assert.throws(
    () => gatherSweep(folder, plan, 'validation'),
    /run A-seed0 has no validation-selected epoch \(validationClasses is 0\); the validation protocol needs a validation split/,
  );
  const text = sweepReport(r);
  assert.match(
    text,
    /at the best test epoch \(the epoch with the highest test R@1: the official code's protocol, which the paper reports\)/,
  );
  assert.match(text, /^metric \(%\) +A \(n 3\) +B \(n 3\) +B - A$/m);
  assert.match(text, /^R@1 +43\.00 ± 8\.96 +44\.33 ± 8\.72 +\+1\.33 ± 1\.43$/m);
  assert.match(text, /^MAP@R +11\.00 ± 2\.48 +12\.00 ± 2\.48 +\+1\.00 ± 0\.00$/m);
  // more than four variants and comparisons: they become rows, the metrics columns
  const wide = sweepReport({ ...r, comparisons: [d, d, d] });
  assert.match(wide, /^A \(n 3\) +43\.00 ± 8\.96 +53\.00 ± 8\.96 +11\.00 ± 2\.48/m);
  assert.match(wide, /^B - A \(paired\) +\+1\.33 ± 1\.43 /m);
  assert.match(
    text,
    /B - A over 3 paired seeds \(0, 1, 2\): significant at the 95% level on MAP@R, RP \(the interval excludes 0\); not significant on R@1, R@2\. R@1 \+1\.33 \[-0\.10, 2\.77\], p 0\.057/,
  );
});

test('see-kit table pools seeds: mean ± interval per configuration, the paper beside a row, the protocol named', async () => {
  const runs = join(root, 'table');
  makeSweep(runs);
  const cfg = (seed: number): unknown => ({
    name: `row-${seed}`,
    row: 'see-de128-cub',
    dataset: 'cub',
    dataRoot: `/d${seed}`,
    loss: { name: 'see_proxy_anchor' },
    train: { epochs: 5, seed },
  });
  writeRun(join(runs, 'row-0'), cfg(0), 0.7, 0.3);
  writeRun(join(runs, 'row-1'), cfg(1), 0.72, 0.3);
  writeRun(join(runs, 'other'), { ...(cfg(2) as object), train: { epochs: 6, seed: 2 } }, 0.6, 0.3);
  const groups = seedGroups(findFinishedRuns(runs));
  assert.deepEqual(
    groups.map((g) => [g.label, g.runs.length, g.seeds]),
    [
      ['see-de128-cub', 1, [2]],
      ['see-de128-cub (2)', 2, [0, 1]],
      ['ab/A', 3, [0, 1, 2]],
      ['ab/B', 3, [0, 1, 2]],
    ],
  );
  assert.equal(groups[3].validationR1?.n, 3);
  assert.equal(groups[2].validationR1, undefined);
  const out: string[] = [];
  assert.equal(await main(['table', '--runs-root', runs], { out: (l) => out.push(l), err: (l) => out.push(l) }), 0);
  const lines = out.join('\n').split('\n');
  assert.match(
    lines[1],
    /R@K, MAP@R, RP \(R-Precision\), NMI in %, at the best test epoch \(the epoch with the highest test R@1: the official code's protocol, which the paper reports\)$/,
  );
  assert.match(lines[2], /a ± b: mean ± half-width of the 95% Student-t interval over the seeds \(a single number: one seed\); val R@1: /);
  assert.match(lines[3], /^group +dataset +n +seeds +R@1 +paper R@1 +kit - paper R@1 +R@2 +paper R@2 +kit - paper R@2 +MAP@R +RP +val R@1/);
  // R@1 71 ± t(1) * 1 = 71 ± 12.7 over seeds 0 and 1 (t_.975(1) = 12.706); the paper's CUB De^128 R@1 is 75.1
  assert.match(
    lines.find((l) => l.startsWith('see-de128-cub (2)'))!,
    /cub +2 +0,1 +71\.0 ± 12\.7 +75\.1 +-4\.1 ± 12\.7 /,
  );
  assert.match(
    lines.find((l) => l.startsWith('see-de128-cub '))!,
    /cub +1 +2 +60\.0 +75\.1 +-15\.1 /,
  );
  assert.match(
    lines.find((l) => l.startsWith('ab/A '))!,
    /glyphs +3 +0,1,2 +43\.0 ± 9\.0 .* 11\.0 ± 2\.5 +16\.0 ± 2\.5 +-$/,
  );
  const last: string[] = [];
  assert.equal(await main(['table', '--runs-root', runs, '--protocol', 'last'], { out: (l) => last.push(l), err: (l) => last.push(l) }), 0);
  assert.match(last.join('\n'), /at the last epoch; the paper reports the best test epoch/);
  assert.match(last.join('\n'), /\nab\/A +glyphs +3 +0,1,2 +38\.0 ± 9\.0 /);
  const perRun: string[] = [];
  assert.equal(await main(['table', '--runs', '--runs-root', runs], { out: (l) => perRun.push(l), err: (l) => perRun.push(l) }), 0);
  assert.match(
    perRun.join('\n'),
    /^run +row +dataset +bestEpoch +lastEpoch +R@1 +last R@1 +paper R@1 +diff R@1 +R@2 +last R@2 +paper R@2 +diff R@2 +MAP@R +RP +val-selected R@1$/m,
  );
  assert.match(perRun.join('\n'), /^ab\/B-seed2 +- +glyphs +3 +4 +48 +43 +- +- +58 +53 +- +- +13 +18 +43$/m);
});
