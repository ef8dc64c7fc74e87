/**
 * Reader and writer of the .safetensors format (huggingface/safetensors, docs "Format"):
 * 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
 * then the raw little-endian tensor bytes. Floating tensors (F32, F16, BF16, F64) and the
 * integer counters found in PyTorch state dicts (I64, I32) are all returned as float32.
 * Checked as the reference implementation checks: the header length fits the file (and is at
 * most 100 MB), the header is a JSON object, every tensor's byte range matches its dtype and
 * shape, and the ranges tile the data section exactly (no overlap, no gap, nothing left over).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface NamedArray {
  /** dtype as stored in the file */
  dtype: string;
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 };
/** the reference implementation's limit on the header */
const MAX_HEADER_BYTES = 100_000_000;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decode(dtype: string, raw: Uint8Array, n: number): Float32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F64') for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
  else if (dtype === 'F16') for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  else if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else if (dtype === 'I64') for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
  else if (dtype === 'I32') for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
  return out;
}

/** Parses a whole .safetensors file; `source` names it in errors. */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): Map<string, NamedArray> {
  if (bytes.byteLength < 8) throw new Error(`${source}: ${bytes.byteLength} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.byteLength - 8) {
    throw new Error(`${source}: header length ${headerLen} exceeds the file (${bytes.byteLength} bytes); not a safetensors file?`);
  }
  if (headerLen > MAX_HEADER_BYTES)
    throw new Error(`${source}: header length ${headerLen} is over the format's limit of ${MAX_HEADER_BYTES} bytes`);
  let header: Record<string, { dtype?: unknown; shape?: unknown; data_offsets?: unknown }>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`${source}: header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new Error(`${source}: header is ${JSON.stringify(header)?.slice(0, 40)}, expected a JSON object of tensors`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const out = new Map<string, NamedArray>();
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(dtype in BYTES)) {
      throw new Error(`${source}: tensor "${name}" has dtype ${String(dtype)}; expected one of ${Object.keys(BYTES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`${source}: tensor "${name}" has shape ${JSON.stringify(shape)}; expected non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2) {
      throw new Error(`${source}: tensor "${name}" has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
    }
    const [begin, end] = offsets as number[];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || end - begin !== n * BYTES[dtype] || begin < 0) {
      throw new Error(
        `${source}: tensor "${name}" (${dtype} ${JSON.stringify(shape)}) has data_offsets [${begin}, ${end}]; ` +
          `expected ${n * BYTES[dtype]} bytes inside the ${dataLen}-byte data section`,
      );
    }
    if (end > dataLen) {
      throw new Error(
        `${source}: tensor "${name}" ends at byte ${end} of the data section, which has only ${dataLen} bytes: the file is truncated`,
      );
    }
    ranges.push([begin, end, name]);
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    out.set(name, { dtype, shape: shape as number[], data: decode(dtype, raw, n) });
  }
  checkTiling(ranges, dataLen, source);
  return out;
}

/** The tensors' byte ranges must cover [0, dataLen) exactly once. */
function checkTiling(ranges: [number, number, string][], dataLen: number, source: string): void {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end, name] of ranges) {
    if (begin < at) throw new Error(`${source}: tensor "${name}" [${begin}, ${end}] overlaps the tensor before it (which ends at ${at})`);
    if (begin > at) throw new Error(`${source}: bytes [${at}, ${begin}] of the data section belong to no tensor`);
    at = end;
  }
  if (at !== dataLen) throw new Error(`${source}: the data section has ${dataLen - at} bytes after the last tensor (${dataLen} in all)`);
}

/** Reads a .safetensors file from disk. */
export function readSafetensors(path: string): Map<string, NamedArray> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read weights file ${path}: ${(err as Error).message}`);
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), path);
}

/** Encodes float32 tensors as a .safetensors file (dtype F32), keys in sorted order. */
export function encodeSafetensors(tensors: Map<string, { shape: number[]; data: Float32Array }>): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {};
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(`encodeSafetensors: "${name}" has shape ${JSON.stringify(t.shape)} but ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let pos = 8 + head.byteLength;
  for (const name of names) {
    for (const v of tensors.get(name)!.data) {
      view.setFloat32(pos, v, true);
      pos += 4;
    }
  }
  return out;
}

/** Writes a .safetensors file atomically (temporary name, then rename). */
export function writeSafetensors(path: string, tensors: Map<string, { shape: number[]; data: Float32Array }>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeSafetensors(tensors));
  renameSync(tmp, path);
}
