/**
 * Exercises that check themselves (notebooks, "Exercises" at the end of each). A stub cell
 * declares the function the student writes, with `notSolved()` as its body; the check cell calls
 *
 *   await checkExercise({ id: '02.1', title: 'simplex coefficients',
 *     inputs: (r) => [r.int(1, 8)], library: (n) => simplexCoefficients(n) }, simplexByHand);
 *
 * which draws fresh random inputs (a new seed each run, printed), calls the student's function
 * and the library's on them (the inputs are drawn twice from the trial's seed, so neither call can
 * change the other's), compares the answers (lib/teaching/compare.ts) and prints ONE line:
 * PASS with the largest difference, FAIL with the largest difference, where, and the input, or
 * NOT SOLVED YET while the stub still calls notSolved(). It never throws: in tslab an exception
 * would silently skip every later cell of the notebook.
 */
import { tf } from '../tf';
import { compareAnswers, describeValue, formatNumber, toPlain, type Tolerance } from './compare';
import { EXERCISE_ID, formatCheckLine, type CheckStatus } from './report';
import { TrialRandom, freshSeed } from './trial_random';

/** Thrown by notSolved(): the stub has not been written yet. */
export class NotSolvedError extends Error {
  constructor() {
    super('not solved yet: replace notSolved() with your code');
    this.name = 'NotSolvedError';
  }
}

/** The body of an exercise stub: replace it with your code. Typed `never`, so any stub type-checks. */
export function notSolved(): never {
  throw new NotSolvedError();
}

export interface ExerciseSpec<A extends unknown[]> {
  /** `NN.k`: the notebook's number, a dot, the exercise's number */
  id: string;
  title: string;
  /** the arguments of one trial, drawn from `r` */
  inputs: (r: TrialRandom) => [...A];
  /** the library's answer for the same arguments */
  library: (...args: A) => unknown;
  /** random trials (default 5) */
  trials?: number;
  /** a number: absolute tolerance; default { abs: 1e-6, rel: 1e-6 } */
  tolerance?: number | Partial<Tolerance>;
  /** replay a printed seed instead of drawing a fresh one */
  seed?: number;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  seed: number;
  trials: number;
  /** the largest difference seen (over all trials when it passed, in the failing trial otherwise) */
  largest: number;
  /** the printed line */
  line: string;
}

const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-6, rel: 1e-6 };

function toleranceOf(t: ExerciseSpec<unknown[]>['tolerance']): Tolerance {
  if (typeof t === 'number') return { abs: t, rel: 0 };
  return { ...DEFAULT_TOLERANCE, ...(t ?? {}) };
}

function describeTolerance(t: Tolerance): string {
  return t.rel === 0 ? formatNumber(t.abs) : `${formatNumber(t.abs)} + ${formatNumber(t.rel)}·|library|`;
}

function describeArg(v: unknown): string {
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) return `[${v.length}×${(v[0] as unknown[]).length} numbers]`;
  if (Array.isArray(v)) return v.length <= 4 ? `[${v.map(describeArg).join(', ')}]` : `[${v.length} values]`;
  if (v instanceof tf.Tensor) return `tensor [${v.shape.join(', ')}]`;
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length <= 5 && entries.every(([, x]) => typeof x === 'number' || typeof x === 'string')) {
      return `{ ${entries.map(([k, x]) => `${k}: ${describeValue(x)}`).join(', ')} }`;
    }
    return v.constructor?.name && v.constructor.name !== 'Object' ? `a ${v.constructor.name}` : describeValue(v);
  }
  return describeValue(v);
}

function describeCall(name: string, args: unknown[]): string {
  return `${name}(${args.map(describeArg).join(', ')})`;
}

function disposeTensors(args: unknown[]): void {
  for (const a of args) if (a instanceof tf.Tensor && !a.isDisposed) a.dispose();
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** Runs the check and returns its result without printing; never throws. */
export async function runExerciseCheck<A extends unknown[]>(spec: ExerciseSpec<A>, yours: (...args: A) => unknown): Promise<CheckResult> {
  const title = spec.title;
  const seed = spec.seed ?? freshSeed();
  const trials = spec.trials ?? 5;
  const name = yours?.name || 'your function';
  const tol = toleranceOf(spec.tolerance as ExerciseSpec<unknown[]>['tolerance']);
  const done = (status: CheckStatus, largest: number, detail: string): CheckResult => ({
    id: spec.id,
    title,
    status,
    seed,
    trials,
    largest,
    line: formatCheckLine({ id: spec.id, title, status, detail }),
  });
  if (!EXERCISE_ID.test(spec.id)) return done('FAIL', NaN, `the check itself is wrong: id "${spec.id}" is not NN.k (e.g. 02.1)`);
  if (typeof yours !== 'function') return done('FAIL', NaN, `give the check your function, got ${describeValue(yours)}`);
  let largest = 0;
  for (let t = 0; t < trials; t++) {
    const trialSeed = (seed + 7919 * t) >>> 0;
    const where = `trial ${t + 1} of ${trials}, seed ${seed}`;
    let args: A | undefined;
    let yourAnswer: unknown;
    try {
      args = spec.inputs(new TrialRandom(trialSeed));
      yourAnswer = await toPlain(await yours(...args));
    } catch (e) {
      if (args) disposeTensors(args);
      if (e instanceof NotSolvedError) {
        return done('NOT SOLVED YET', NaN, `${name} still calls notSolved(): write it in the cell above, run that cell, then this one`);
      }
      return done(
        'FAIL',
        NaN,
        args ? `${describeCall(name, args)} threw ${errorText(e)} (${where})` : `the check's inputs threw ${errorText(e)}`,
      );
    }
    disposeTensors(args);
    let libraryAnswer: unknown;
    const libArgs = spec.inputs(new TrialRandom(trialSeed));
    try {
      libraryAnswer = await toPlain(await spec.library(...libArgs));
    } catch (e) {
      return done(
        'FAIL',
        NaN,
        `the library's answer threw ${errorText(e)} for ${describeCall('library', libArgs)} (${where}): a bug in the check, please report it`,
      );
    } finally {
      disposeTensors(libArgs);
    }
    const c = compareAnswers(yourAnswer, libraryAnswer, tol);
    if (!c.ok && c.mismatch) {
      const m = c.mismatch;
      const at = m.at === '' ? '' : ` at ${m.at}`;
      const v = c.largestValues;
      const what =
        m.why === 'outside the tolerance' && v
          ? `largest difference ${formatNumber(c.largest)}${c.largestAt ? ` at ${c.largestAt}` : ''} (yours ${formatNumber(v.yours)}, library ${formatNumber(v.library)}; tolerance ${describeTolerance(tol)})`
          : `${m.why}${at} (yours ${m.yours}, library ${m.library})`;
      return done('FAIL', c.largest, `${what} — for ${describeCall(name, libArgs)} (${where})`);
    }
    largest = Math.max(largest, c.largest);
  }
  return done(
    'PASS',
    largest,
    `${trials} random inputs, largest difference ${formatNumber(largest)} (tolerance ${describeTolerance(tol)}), seed ${seed}`,
  );
}

/** Runs the check and prints its one line (PASS, FAIL or NOT SOLVED YET). Never throws. */
export async function checkExercise<A extends unknown[]>(spec: ExerciseSpec<A>, yours: (...args: A) => unknown): Promise<void> {
  let line: string;
  try {
    line = (await runExerciseCheck(spec, yours)).line;
  } catch (e) {
    line = formatCheckLine({
      id: String(spec?.id),
      title: String(spec?.title),
      status: 'FAIL',
      detail: `the check failed: ${errorText(e)}`,
    });
  }
  console.log(line);
}
