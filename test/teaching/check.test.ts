/**
 * checkExercise / runExerciseCheck: PASS with the largest difference, FAIL with where and the input,
 * NOT SOLVED YET for a stub, and never an exception (in tslab an exception skips every later cell).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend } from '../../lib/tf';
import { checkExercise, notSolved, runExerciseCheck, type ExerciseSpec } from '../../lib/teaching/check';
import { compareAnswers, formatNumber } from '../../lib/teaching/compare';
import { parseCheckLines } from '../../lib/teaching/report';
import { TrialRandom } from '../../lib/teaching/trial_random';
import { simplexCoefficients } from '../../lib/method/coefficients';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

const simplex: ExerciseSpec<[number]> = {
  id: '02.1',
  title: 'the simplex coefficients',
  inputs: (r) => [r.int(1, 6)],
  library: (n) => simplexCoefficients(n),
  tolerance: 1e-9,
};

test('a correct answer passes and reports the largest difference, the trials and the seed', async () => {
  const copy = (n: number) => simplexCoefficients(n).map((row) => Array.from(row, (v) => v + 1e-12));
  const r = await runExerciseCheck({ ...simplex, seed: 42, trials: 4 }, copy);
  assert.equal(r.status, 'PASS');
  assert.ok(r.largest > 5e-13 && r.largest < 2e-12, String(r.largest));
  assert.match(
    r.line,
    /^exercise 02\.1 · the simplex coefficients: PASS — 4 random inputs, largest difference 1e-12 \(tolerance 1e-9\), seed 42$/,
  );
  assert.deepEqual(
    parseCheckLines(`noise\n${r.line}\n`).map((l) => [l.id, l.status]),
    [['02.1', 'PASS']],
  );
});

test('a wrong answer fails with the largest difference, where it is, both values and the input; the seed replays it', async () => {
  function wrongSimplex(n: number): number[][] {
    return simplexCoefficients(n).map((row, i) => Array.from(row, (v, j) => (i === n && j === 0 ? 0.5 : v)));
  }
  const r = await runExerciseCheck({ ...simplex, seed: 7 }, wrongSimplex);
  assert.equal(r.status, 'FAIL');
  const n = Number(/wrongSimplex\((\d+)\)/.exec(r.line)?.[1]);
  const expected = 0.5 + 1 / n;
  assert.ok(Math.abs(r.largest - expected) < 1e-12, `${r.largest} vs ${expected}`);
  assert.ok(
    r.line.includes(
      `largest difference ${formatNumber(expected)} at [${n}][0] (yours 0.5, library ${formatNumber(-1 / n)}; tolerance 1e-9)`,
    ),
    r.line,
  );
  assert.match(r.line, /trial 1 of 5, seed 7\)$/);
  assert.equal((await runExerciseCheck({ ...simplex, seed: 7 }, wrongSimplex)).line, r.line);
});

test('a stub reports NOT SOLVED YET without calling the library', async () => {
  let libraryCalls = 0;
  function simplexByHand(_n: number): number[][] {
    return notSolved();
  }
  const r = await runExerciseCheck(
    {
      ...simplex,
      library: (n) => {
        libraryCalls++;
        return simplexCoefficients(n);
      },
    },
    simplexByHand,
  );
  assert.equal(r.status, 'NOT SOLVED YET');
  assert.match(r.line, /NOT SOLVED YET — simplexByHand still calls notSolved\(\)/);
  assert.equal(libraryCalls, 0);
});

test('errors, wrong shapes and missing answers are FAIL lines, never exceptions', async () => {
  const cases: [string, (n: number) => unknown, RegExp][] = [
    [
      'throws',
      () => {
        throw new TypeError('x is undefined');
      },
      /threw TypeError: x is undefined/,
    ],
    ['too few rows', (n) => simplexCoefficients(n).slice(1), /expected \d+ entries, got \d+/],
    ['no return', () => undefined, /expected an array of \d+, got undefined/],
    ['a string', () => 'rows', /expected an array of \d+, got string/],
  ];
  for (const [what, fn, pattern] of cases) {
    const r = await runExerciseCheck(simplex, fn);
    assert.equal(r.status, 'FAIL', what);
    assert.match(r.line, pattern, what);
  }
  const badInputs = await runExerciseCheck(
    {
      ...simplex,
      inputs: () => {
        throw new Error('bad draw');
      },
    },
    (n: number) => n,
  );
  assert.match(badInputs.line, /FAIL — the check's inputs threw Error: bad draw/);
  const badLibrary = await runExerciseCheck(
    {
      ...simplex,
      library: () => {
        throw new Error('boom');
      },
    },
    (n: number) => n,
  );
  assert.match(badLibrary.line, /FAIL — the library's answer threw Error: boom .*a bug in the check/);
  const badId = await runExerciseCheck({ ...simplex, id: '2.1' }, (n: number) => n);
  assert.match(badId.line, /FAIL — the check itself is wrong: id "2\.1"/);
});

test('checkExercise prints exactly one line and resolves, whatever the student did', async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    printed.push(a.join(' '));
  };
  try {
    await checkExercise(simplex, (_n: number) => {
      throw new RangeError('deep');
    });
    await checkExercise(simplex, (_n: number) => notSolved());
    await checkExercise(simplex, (n) => simplexCoefficients(n));
  } finally {
    console.log = log;
  }
  assert.deepEqual(
    parseCheckLines(printed.join('\n')).map((l) => l.status),
    ['FAIL', 'NOT SOLVED YET', 'PASS'],
  );
  assert.equal(printed.length, 3);
});

test('the inputs are drawn twice from the trial seed: a student mutating them cannot change the library answer', async () => {
  const spec: ExerciseSpec<[number[]]> = { id: '09.1', title: 'max', inputs: (r) => [r.vector(6)], library: (v) => Math.max(...v) };
  const r = await runExerciseCheck(spec, (v: number[]) => {
    const m = Math.max(...v);
    v.fill(-100);
    return m;
  });
  assert.equal(r.status, 'PASS', r.line);
});

test('tensor answers and async functions are read and freed: no tensor leaks', async () => {
  const spec: ExerciseSpec<[number[]]> = {
    id: '09.2',
    title: 'doubling',
    inputs: (r) => [r.vector(5)],
    library: (v) => tf.tidy(() => tf.mul(tf.tensor1d(v), 2)),
  };
  await runExerciseCheck(spec, async (v: number[]) => tf.tensor1d(v.map((x) => 2 * x)));
  const before = tf.memory().numTensors;
  const pass = await runExerciseCheck(spec, async (v: number[]) => tf.tensor1d(v.map((x) => 2 * x)));
  const fail = await runExerciseCheck(spec, (v: number[]) => tf.tensor1d(v));
  assert.equal(pass.status, 'PASS', pass.line);
  assert.equal(fail.status, 'FAIL', fail.line);
  assert.equal(tf.memory().numTensors, before);
});

test('compareAnswers: tolerance abs + rel·|library|, objects by keys, NaN, booleans and strings exactly', () => {
  const tol = { abs: 1e-3, rel: 1e-2 };
  assert.equal(compareAnswers(101.1, 100, tol).ok, false);
  assert.equal(compareAnswers(100.9, 100, tol).ok, true);
  assert.equal(compareAnswers({ a: [1, 2], b: { c: true } }, { b: { c: true }, a: [1, 2] }, tol).ok, true);
  const missing = compareAnswers({ a: 1 }, { a: 1, b: 2 }, tol);
  assert.equal(missing.mismatch?.why, 'missing key(s) b');
  assert.equal(compareAnswers({ a: 1, z: 0 }, { a: 1 }, tol).mismatch?.why, 'unexpected key(s) z');
  assert.equal(compareAnswers(NaN, NaN, tol).ok, true);
  assert.equal(compareAnswers(NaN, 1, tol).ok, false);
  assert.equal(compareAnswers([true, false], [true, true], tol).mismatch?.at, '[1]');
  assert.equal(compareAnswers('a', 'b', tol).ok, false);
  const deep = compareAnswers({ crop: { top: 3, left: 5 } }, { crop: { top: 2, left: 5 } }, { abs: 0, rel: 0 });
  assert.deepEqual([deep.ok, deep.largest, deep.largestAt], [false, 1, '.crop.top']);
});

test('TrialRandom: int includes both ends, the same seed gives the same draws', () => {
  const r = new TrialRandom(3);
  const seen = new Set(Array.from({ length: 400 }, () => r.int(1, 4)));
  assert.deepEqual([...seen].sort(), [1, 2, 3, 4]);
  const [a, b] = [new TrialRandom(9), new TrialRandom(9)];
  assert.deepEqual(
    [a.matrix(2, 3), a.labels(5, 3), a.bytes(4), a.seedValue()],
    [b.matrix(2, 3), b.labels(5, 3), b.bytes(4), b.seedValue()],
  );
  const u = new TrialRandom(1).unitVector(7);
  assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-12);
  assert.throws(() => r.int(3, 2), /lo <= hi/);
});
