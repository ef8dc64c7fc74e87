/**
 * Reader of MATLAB level-5 MAT files (the format of Stanford Cars' `cars_annos.mat`).
 *
 * Format: "MAT-File Format", MathWorks (level 5: 128-byte header, then tagged data elements;
 * miCOMPRESSED elements hold one zlib-deflated element; miMATRIX holds array flags, dimensions,
 * name and the data). Supported: numeric (all integer and float types, real part only), char,
 * logical, struct arrays and cell arrays, in compressed and uncompressed elements, either byte
 * order. Sparse, object and function-handle arrays raise an error naming the variable.
 */
import { inflateSync } from 'node:zlib';

export interface MatNumeric { kind: 'numeric'; className: string; dims: number[]; data: Float64Array }
export interface MatChar { kind: 'char'; dims: number[]; /** one string per row (column-major decoded) */ rows: string[] }
export interface MatStruct { kind: 'struct'; dims: number[]; fields: string[]; /** column-major elements */ elements: Record<string, MatValue>[] }
export interface MatCell { kind: 'cell'; dims: number[]; cells: MatValue[] }
export type MatValue = MatNumeric | MatChar | MatStruct | MatCell;

// data types (miXXX)
const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;
const BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
// array classes (mxXXX_CLASS)
const CLASS_NAMES: Record<number, string> = { 1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64', 16: 'function' };

interface Element { type: number; data: Uint8Array; /** offset just past this element, padding included */ next: number }

class Reader {
  constructor(readonly le: boolean, readonly where: string) {}

  view(bytes: Uint8Array): DataView { return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); }

  /** one tagged element at `pos` (small-element format handled); `pad` rounds `next` to 8 bytes */
  element(buf: Uint8Array, pos: number, pad: boolean): Element {
    if (pos + 8 > buf.length) throw new Error(`${this.where}: truncated element tag at byte ${pos} (file has ${buf.length})`);
    const v = this.view(buf);
    const first = v.getUint32(pos, this.le);
    const small = first >>> 16;
    if (small !== 0) {
      // small data element: 2-byte count, 2-byte type, data in the next 4 bytes
      return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + small), next: pos + 8 };
    }
    const nbytes = v.getUint32(pos + 4, this.le);
    const end = pos + 8 + nbytes;
    if (end > buf.length) throw new Error(`${this.where}: element of type ${first} at byte ${pos} claims ${nbytes} bytes but the file ends at ${buf.length} (truncated?)`);
    return { type: first, data: buf.subarray(pos + 8, end), next: pad ? pos + 8 + Math.ceil(nbytes / 8) * 8 : end };
  }

  numbers(el: Element, what: string): Float64Array {
    const size = BYTES[el.type];
    if (!size || el.type === MI.UTF8 || el.type === MI.UTF16 || el.type === MI.UTF32) throw new Error(`${this.where}: ${what}: data type ${el.type} is not numeric`);
    const n = el.data.length / size;
    const v = this.view(el.data);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (el.type) {
        case MI.INT8: out[i] = v.getInt8(o); break;
        case MI.UINT8: out[i] = v.getUint8(o); break;
        case MI.INT16: out[i] = v.getInt16(o, this.le); break;
        case MI.UINT16: out[i] = v.getUint16(o, this.le); break;
        case MI.INT32: out[i] = v.getInt32(o, this.le); break;
        case MI.UINT32: out[i] = v.getUint32(o, this.le); break;
        case MI.SINGLE: out[i] = v.getFloat32(o, this.le); break;
        case MI.DOUBLE: out[i] = v.getFloat64(o, this.le); break;
        case MI.INT64: out[i] = Number(v.getBigInt64(o, this.le)); break;
        case MI.UINT64: out[i] = Number(v.getBigUint64(o, this.le)); break;
      }
    }
    return out;
  }

  /** code points of char data, in storage (column-major) order */
  chars(el: Element): number[] {
    if (el.type === MI.UTF8) return Array.from(new TextDecoder('utf-8').decode(el.data), (c) => c.codePointAt(0) ?? 0);
    if (el.type === MI.UTF16 || el.type === MI.UINT16) return Array.from(this.numbers({ ...el, type: MI.UINT16 }, 'char'));
    if (el.type === MI.UTF32) return Array.from(this.numbers({ ...el, type: MI.UINT32 }, 'char'));
    return Array.from(this.numbers(el, 'char'));
  }

  /** the contents of one miMATRIX element */
  matrix(body: Uint8Array, path: string): { name: string; value: MatValue } {
    if (body.length === 0) return { name: '', value: { kind: 'numeric', className: 'double', dims: [0, 0], data: new Float64Array(0) } };
    let pos = 0;
    const next = (): Element => {
      const el = this.element(body, pos, true);
      pos = el.next;
      return el;
    };
    const flags = this.numbers(next(), `${path} array flags`);
    const classId = flags[0] & 0xff;
    const className = CLASS_NAMES[classId] ?? `class ${classId}`;
    const dims = Array.from(this.numbers(next(), `${path} dimensions`));
    const nameEl = next();
    const name = new TextDecoder('latin1').decode(nameEl.data);
    const label = name ? (path ? `${path}.${name}` : name) : path;
    const count = dims.reduce((a, b) => a * b, 1);
    if (classId >= 6 && classId <= 15) {
      const data = this.numbers(next(), `${label} real part`);
      if (data.length !== count) throw new Error(`${this.where}: ${label}: ${data.length} values for dimensions [${dims}]`);
      return { name, value: { kind: 'numeric', className: (flags[0] & 0x200) ? 'logical' : className, dims, data } };
    }
    if (classId === 4) {
      const codes = count === 0 ? [] : this.chars(next());
      if (codes.length !== count) throw new Error(`${this.where}: ${label}: ${codes.length} characters for dimensions [${dims}]`);
      const [r, c] = [dims[0] ?? 0, count / Math.max(dims[0] ?? 1, 1)];
      const rows: string[] = [];
      for (let i = 0; i < r; i++) {
        let s = '';
        for (let j = 0; j < c; j++) s += String.fromCodePoint(codes[i + j * r]);
        rows.push(s);
      }
      return { name, value: { kind: 'char', dims, rows } };
    }
    if (classId === 2) {
      const nameLen = this.numbers(next(), `${label} field name length`)[0];
      const namesEl = next();
      const fields: string[] = [];
      for (let o = 0; o + nameLen <= namesEl.data.length; o += nameLen) {
        const raw = namesEl.data.subarray(o, o + nameLen);
        const zero = raw.indexOf(0);
        fields.push(new TextDecoder('latin1').decode(zero < 0 ? raw : raw.subarray(0, zero)));
      }
      const elements: Record<string, MatValue>[] = [];
      for (let i = 0; i < count; i++) {
        const rec: Record<string, MatValue> = {};
        for (const f of fields) {
          const el = next();
          if (el.type !== MI.MATRIX) throw new Error(`${this.where}: ${label}(${i + 1}).${f}: expected a miMATRIX element, got type ${el.type}`);
          rec[f] = this.matrix(el.data, `${label}(${i + 1}).${f}`).value;
        }
        elements.push(rec);
      }
      return { name, value: { kind: 'struct', dims, fields, elements } };
    }
    if (classId === 1) {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const el = next();
        if (el.type !== MI.MATRIX) throw new Error(`${this.where}: ${label}{${i + 1}}: expected a miMATRIX element, got type ${el.type}`);
        cells.push(this.matrix(el.data, `${label}{${i + 1}}`).value);
      }
      return { name, value: { kind: 'cell', dims, cells } };
    }
    throw new Error(`${this.where}: ${label || '(unnamed)'}: ${className} arrays are not supported (numeric, char, logical, struct and cell are)`);
  }
}

/** Parses a level-5 MAT file into its named variables. `where` names the file in errors. */
export function parseMat(bytes: Uint8Array, where = 'MAT file'): Map<string, MatValue> {
  if (bytes.length < 128) throw new Error(`${where}: ${bytes.length} bytes is shorter than the 128-byte MAT header`);
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!head.startsWith('MATLAB 5.0 MAT-file') || (endian !== 'IM' && endian !== 'MI')) {
    throw new Error(`${where}: not a level-5 MAT file (header "${head.slice(0, 20)}", endian "${endian}"; v7.3/HDF5 files are not supported)`);
  }
  const r = new Reader(endian === 'IM', where);
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(124, endian === 'IM');
  if (version !== 0x0100) {
    throw new Error(`${where}: MAT header version 0x${version.toString(16).padStart(4, '0')}, expected 0x0100 (level 5; v7.3/HDF5 files are not supported: save with -v7)`);
  }
  const vars = new Map<string, MatValue>();
  let pos = 128;
  while (pos < bytes.length) {
    if (bytes.length - pos < 8) break; // trailing padding
    const el = r.element(bytes, pos, false);
    pos = el.next;
    let inner = el;
    if (el.type === MI.COMPRESSED) {
      let raw: Uint8Array;
      try { raw = inflateSync(el.data); } catch (e) {
        throw new Error(`${where}: compressed element at byte ${pos - el.data.length - 8} does not inflate (${(e as Error).message})`);
      }
      inner = r.element(raw, 0, false);
    }
    if (inner.type !== MI.MATRIX) continue; // other top-level elements carry no variables
    const { name, value } = r.matrix(inner.data, '');
    vars.set(name, value);
  }
  return vars;
}

/** The string held by a 1xN (or Nx1 as one row each) char value. */
export function matString(v: MatValue | undefined, what: string): string {
  if (!v || v.kind !== 'char') throw new Error(`${what}: expected a char array, got ${v ? v.kind : 'nothing'}`);
  return v.rows.join('');
}

/** The single number of a 1x1 numeric value. */
export function matScalar(v: MatValue | undefined, what: string): number {
  if (!v || v.kind !== 'numeric' || v.data.length !== 1) {
    throw new Error(`${what}: expected a numeric scalar, got ${v ? `${v.kind} [${v.dims}]` : 'nothing'}`);
  }
  return v.data[0];
}
