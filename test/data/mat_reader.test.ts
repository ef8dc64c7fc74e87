import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { matScalar, matString, parseMat, type MatValue } from '../../lib/data/mat_reader';

const FIXTURES = process.env.SHARED_FIXTURES ?? join(__dirname, '..', 'fixtures', 'data');

// --- a minimal level-5 writer, independent of the reader, for hand-built files ---
function tag(type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(data.length, 4);
  const pad = Buffer.alloc((8 - (data.length % 8)) % 8);
  return Buffer.concat([head, data, pad]);
}
function i32(values: number[]): Buffer { const b = Buffer.alloc(4 * values.length); values.forEach((v, i) => b.writeInt32LE(v, 4 * i)); return b; }
function matrix(classId: number, dims: number[], name: string, parts: Buffer[]): Buffer {
  const flags = Buffer.alloc(8); flags.writeUInt32LE(classId, 0);
  return tag(14, Buffer.concat([tag(6, flags), tag(5, i32(dims)), tag(1, Buffer.from(name, 'latin1')), ...parts]));
}
function header(): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write('MATLAB 5.0 MAT-file, hand-built for a test', 0, 'latin1');
  h.writeUInt16LE(0x0100, 124);
  h.write('IM', 126, 'latin1');
  return h;
}

test('hand-built file: double matrix (column-major), int16, 2-row char array', () => {
  const dbl = Buffer.alloc(48); [1, 4, 2, 5, 3, 6].forEach((v, i) => dbl.writeDoubleLE(v, 8 * i)); // [[1,2,3],[4,5,6]]
  const i16 = Buffer.alloc(4); i16.writeInt16LE(-7, 0); i16.writeInt16LE(300, 2);
  const chars = Buffer.alloc(12); 'adbecf'.split('').forEach((c, i) => chars.writeUInt16LE(c.charCodeAt(0), 2 * i)); // rows "abc", "def"
  const file = Buffer.concat([header(), matrix(6, [2, 3], 'M', [tag(9, dbl)]), matrix(10, [1, 2], 'k', [tag(3, i16)]), matrix(4, [2, 3], 's', [tag(4, chars)])]);
  const vars = parseMat(file, 'hand.mat');
  const m = vars.get('M');
  assert.ok(m && m.kind === 'numeric');
  assert.deepEqual(m.dims, [2, 3]);
  assert.deepEqual(Array.from(m.data), [1, 4, 2, 5, 3, 6]);
  const k = vars.get('k');
  assert.ok(k && k.kind === 'numeric');
  assert.equal(k.className, 'int16');
  assert.deepEqual(Array.from(k.data), [-7, 300]);
  const s = vars.get('s');
  assert.ok(s && s.kind === 'char');
  assert.deepEqual(s.rows, ['abc', 'def']);
});

test('truncated and non-MAT input give errors naming the file', () => {
  const dbl = Buffer.alloc(8); dbl.writeDoubleLE(1, 0);
  const file = Buffer.concat([header(), matrix(6, [1, 1], 'x', [tag(9, dbl)])]);
  assert.throws(() => parseMat(file.subarray(0, file.length - 12), 'cut.mat'), /cut\.mat.*truncated/);
  assert.throws(() => parseMat(Buffer.alloc(200), 'zeros.mat'), /zeros\.mat: not a level-5 MAT file/);
});

function annotations(file: string): { path: string; cls: number; x1: number; test: number }[] {
  const vars = parseMat(readFileSync(join(FIXTURES, file)), file);
  const a = vars.get('annotations');
  assert.ok(a && a.kind === 'struct', 'annotations is a struct array');
  assert.deepEqual(a.dims, [1, 24]);
  assert.deepEqual(a.fields, ['relative_im_path', 'bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2', 'class', 'test']);
  return a.elements.map((e: Record<string, MatValue>) => ({
    path: matString(e.relative_im_path, 'path'), cls: matScalar(e.class, 'class'), x1: matScalar(e.bbox_x1, 'x1'), test: matScalar(e.test, 'test'),
  }));
}

test('cars_annos_tiny fixtures: uncompressed and compressed read the same struct array', () => {
  const plain = annotations('cars_annos_tiny.mat');
  const packed = annotations('cars_annos_tiny_compressed.mat');
  assert.deepEqual(packed, plain);
  plain.forEach((a, i) => {
    // the fixture's layout, checked against a byte dump: image i+1, three images per class, x1 = 10, 11, 12, ...
    assert.equal(a.path, `car_ims/${String(i + 1).padStart(6, '0')}.jpg`);
    assert.equal(a.cls, Math.floor(i / 3) + 1);
    assert.equal(a.x1, 10 + (i % 3));
    assert.ok(a.test === 0 || a.test === 1);
  });
  const names = parseMat(readFileSync(join(FIXTURES, 'cars_annos_tiny_compressed.mat'))).get('class_names');
  assert.ok(names && names.kind === 'cell');
  assert.deepEqual(names.cells.map((c) => matString(c, 'name')), Array.from({ length: 8 }, (_, i) => `Maker Model ${2000 + i}`));
});

test('a level-5 header with another version number is refused, naming it', () => {
  const h = header();
  h.writeUInt16LE(0x0200, 124);
  assert.throws(() => parseMat(Buffer.concat([h, Buffer.alloc(8)]), 'v2.mat'), /v2\.mat: MAT header version 0x0200, expected 0x0100/);
});
