/**
 * Student t against values worked by hand: the closed forms of the distribution function for 1, 2
 * and 3 degrees of freedom (Cauchy; 1/2 + t / (2 sqrt(2 + t^2)); 1/2 + (t sqrt(3) / (3 + t^2) +
 * atan(t / sqrt(3))) / pi), the quantiles they invert to, and the 97.5% points of a printed t table.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incompleteBeta, logGamma, studentTCdf, studentTQuantile, studentTTwoSidedP } from '../../lib/stats/student_t';

const close = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('ln Gamma at integers and halves: ln (n-1)!, Gamma(1/2) = sqrt(pi)', () => {
  close(logGamma(1), 0, 1e-13, 'ln Gamma(1)');
  close(logGamma(5), Math.log(24), 1e-13, 'ln Gamma(5)');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'ln Gamma(1/2)');
  close(logGamma(3.5), Math.log((15 / 8) * Math.sqrt(Math.PI)), 1e-13, 'ln Gamma(7/2)');
  assert.throws(() => logGamma(0), /logGamma: x = 0, expected a positive number/);
});

test('regularised incomplete beta: I_x(1, 1) = x, I_x(a, 1) = x^a, I_x(2, 2) = 3x^2 - 2x^3', () => {
  for (const x of [0, 0.1, 0.5, 0.93, 1]) {
    close(incompleteBeta(x, 1, 1), x, 1e-14, `I_${x}(1, 1)`);
    close(incompleteBeta(x, 3, 1), x ** 3, 1e-14, `I_${x}(3, 1)`);
    close(incompleteBeta(x, 2, 2), 3 * x * x - 2 * x ** 3, 1e-14, `I_${x}(2, 2)`);
  }
  assert.throws(() => incompleteBeta(1.5, 1, 1), /x = 1.5, expected a number in \[0, 1\]/);
});

test('t distribution function equals the closed forms for 1, 2 and 3 degrees of freedom', () => {
  for (const t of [-7, -1.5, -0.2, 0, 0.3, 1, Math.sqrt(3), 4, 25]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13, `F(${t}; 1)`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, `F(${t}; 2)`);
    close(studentTCdf(t, 3), 0.5 + ((t * Math.sqrt(3)) / (3 + t * t) + Math.atan(t / Math.sqrt(3))) / Math.PI, 1e-13, `F(${t}; 3)`);
  }
  close(studentTCdf(1, 1), 0.75, 1e-14, 'F(1; 1) = 3/4');
  close(studentTCdf(Math.sqrt(3), 3), 0.75 + 1 / (2 * Math.PI), 1e-14, 'F(sqrt 3; 3) = 3/4 + 1/(2 pi)');
  assert.equal(studentTCdf(Infinity, 4), 1);
  assert.throws(() => studentTCdf(1, 0), /0 degrees of freedom, expected a positive finite number/);
});

test('quantiles: the closed-form inverses for 1 and 2 degrees of freedom and a printed table at 97.5%', () => {
  for (const p of [0.6, 0.9, 0.975, 0.995]) {
    close(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-9, `t_${p}(1)`);
    close(studentTQuantile(p, 2), (2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 1e-9, `t_${p}(2)`);
  }
  close(studentTQuantile(0.975, 1), 12.706, 5e-4, 't_.975(1) = 12.706');
  close(studentTQuantile(0.975, 2), 4.303, 5e-4, 't_.975(2) = 4.303');
  // a printed table (any statistics textbook), three decimals
  const table: [number, number][] = [
    [3, 3.182],
    [4, 2.776],
    [5, 2.571],
    [9, 2.262],
    [29, 2.045],
    [120, 1.98],
  ];
  for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 5e-4, `t_.975(${df})`);
  close(studentTQuantile(0.025, 4), -2.776, 5e-4, 'lower tail is the mirror');
  assert.equal(studentTQuantile(0.5, 7), 0);
  assert.throws(() => studentTQuantile(1, 3), /p = 1, expected a probability strictly between 0 and 1/);
});

test('two-sided p-value: 1 - t / sqrt(2 + t^2) for 2 degrees of freedom; 1 at t = 0; 0 at infinity', () => {
  for (const t of [0.5, 4, -4, 30]) close(studentTTwoSidedP(t, 2), 1 - Math.abs(t) / Math.sqrt(2 + t * t), 1e-13, `p(${t}; 2)`);
  close(studentTTwoSidedP(0, 5), 1, 1e-15, 'p(0)');
  assert.equal(studentTTwoSidedP(-Infinity, 3), 0);
});
