/**
 * Student's t distribution: its cumulative distribution function and quantiles, for confidence
 * intervals and paired tests over a handful of seeds (./intervals.ts).
 *
 * F(t; df) = 1 - I_x(df/2, 1/2) / 2 for t >= 0, with x = df / (df + t^2) and I the regularised
 * incomplete beta function (Abramowitz & Stegun 26.7.1 with 26.5.27). I_x(a, b) comes from its
 * continued fraction (A&S 26.5.8), evaluated by the modified Lentz method; ln Gamma from the
 * Lanczos approximation (g = 7, 9 terms). Quantiles invert F by bisection to 1e-12.
 * Checked against closed forms (df 1: 1/2 + atan(t)/pi; df 2: 1/2 + t / (2 sqrt(2 + t^2))) and
 * printed t tables in test/stats/student_t.test.ts.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Gamma(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma: x = ${x}, expected a positive number`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of I_x(a, b) (A&S 26.5.8), by the modified Lentz method. */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    // even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m))
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    // odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    f *= step;
    if (Math.abs(step - 1) < 1e-15) return f;
  }
  throw new Error(`incomplete beta: the continued fraction did not converge (x ${x}, a ${a}, b ${b})`);
}

/** The regularised incomplete beta function I_x(a, b), 0 <= x <= 1, a, b > 0. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new Error(`incompleteBeta: a = ${a}, b = ${b}, expected positive numbers`);
  if (!(x >= 0 && x <= 1)) throw new Error(`incompleteBeta: x = ${x}, expected a number in [0, 1]`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // the fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use I_x(a, b) = 1 - I_{1-x}(b, a)
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function checkDf(df: number, where: string): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new Error(`${where}: ${df} degrees of freedom, expected a positive finite number`);
}

/** P(T <= t) for T ~ Student t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  checkDf(df, 'studentTCdf');
  if (Number.isNaN(t)) throw new Error('studentTCdf: t is NaN');
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5); // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

/** P(|T| >= |t|): the two-sided p-value of a t statistic. */
export function studentTTwoSidedP(t: number, df: number): number {
  checkDf(df, 'studentTTwoSidedP');
  if (Number.isNaN(t)) throw new Error('studentTTwoSidedP: t is NaN');
  if (!Number.isFinite(t)) return 0;
  return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** The t with P(T <= t) = p (e.g. p = 0.975 for a two-sided 95% interval). */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df, 'studentTQuantile');
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p = ${p}, expected a probability strictly between 0 and 1`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) {
    lo = hi;
    hi *= 2;
    if (hi > 1e12) throw new Error(`studentTQuantile: p = ${p} with ${df} degrees of freedom is beyond 1e12`);
  }
  while (hi - lo > 1e-12 * Math.max(1, hi)) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
