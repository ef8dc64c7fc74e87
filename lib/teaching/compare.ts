/**
 * Compares a student's answer with the library's, leaf by leaf: numbers within a tolerance,
 * booleans and strings exactly, arrays (plain or typed) by length then element, objects by their
 * keys. Reports the largest numeric difference, where it is, and the first mismatch.
 */
import { tf } from '../tf';

/** A number passes when |yours - library| <= abs + rel * |library|. */
export interface Tolerance {
  abs: number;
  rel: number;
}

export interface Comparison {
  ok: boolean;
  /** the largest |yours - library| over the numbers compared (0 when there were none) */
  largest: number;
  /** where the largest difference is, e.g. `[2][0]` or `.crop.top` ('' for a single number) */
  largestAt: string;
  /** the two numbers where the difference is largest */
  largestValues?: { yours: number; library: number };
  /** the first leaf that does not match: where, and the two values as text */
  mismatch?: { at: string; yours: string; library: string; why: string };
}

/** Tensors become nested arrays (read asynchronously, then disposed), typed arrays plain arrays. */
export async function toPlain(value: unknown): Promise<unknown> {
  if (value instanceof tf.Tensor) {
    try {
      return await value.array();
    } finally {
      value.dispose();
    }
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return Promise.all(value.map(toPlain));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await toPlain(v);
    return out;
  }
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** A value as short text for a report line. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatNumber(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (isRecord(v)) return `an object {${Object.keys(v).slice(0, 6).join(', ')}}`;
  return String(v);
}

/** 4 significant digits; exponent notation below 1e-3 and from 1e6 on. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(1).replace('.0e', 'e');
  if (Math.abs(v) >= 1e6) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** Compares two plain values (see toPlain) within `tol`. */
export function compareAnswers(yours: unknown, library: unknown, tol: Tolerance): Comparison {
  const result: Comparison = { ok: true, largest: 0, largestAt: '' };
  const fail = (at: string, y: unknown, l: unknown, why: string): void => {
    result.ok = false;
    result.mismatch ??= { at, yours: describeValue(y), library: describeValue(l), why };
  };
  const walk = (y: unknown, l: unknown, at: string): void => {
    if (typeof l === 'number') {
      if (typeof y !== 'number') return fail(at, y, l, `expected a number, got ${kindOf(y)}`);
      if (Number.isNaN(l) || Number.isNaN(y)) {
        if (!(Number.isNaN(l) && Number.isNaN(y))) fail(at, y, l, 'NaN on one side only');
        return;
      }
      const diff = y === l ? 0 : Math.abs(y - l);
      if (diff > result.largest || Number.isNaN(diff)) {
        result.largest = Number.isNaN(diff) ? Infinity : diff;
        result.largestAt = at;
        result.largestValues = { yours: y, library: l };
      }
      if (!(diff <= tol.abs + tol.rel * Math.abs(l))) fail(at, y, l, 'outside the tolerance');
      return;
    }
    if (Array.isArray(l)) {
      if (!Array.isArray(y)) return fail(at, y, l, `expected an array of ${l.length}, got ${kindOf(y)}`);
      if (y.length !== l.length) return fail(at, y, l, `expected ${l.length} entries, got ${y.length}`);
      l.forEach((v, i) => walk(y[i], v, `${at}[${i}]`));
      return;
    }
    if (isRecord(l)) {
      if (!isRecord(y)) return fail(at, y, l, `expected an object with keys ${Object.keys(l).join(', ')}, got ${kindOf(y)}`);
      const missing = Object.keys(l).filter((k) => !(k in y));
      if (missing.length) return fail(at, y, l, `missing key(s) ${missing.join(', ')}`);
      const extra = Object.keys(y).filter((k) => !(k in l));
      if (extra.length) return fail(at, y, l, `unexpected key(s) ${extra.join(', ')}`);
      for (const k of Object.keys(l)) walk(y[k], l[k], `${at}.${k}`);
      return;
    }
    if (y !== l) fail(at, y, l, typeof y === typeof l ? 'different values' : `expected ${kindOf(l)}, got ${kindOf(y)}`);
  };
  walk(yours, library, '');
  return result;
}
