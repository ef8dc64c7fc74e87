/**
 * The .safetensors reader on hand-built files: F32, F16 (normal, subnormal, inf), BF16 and I64
 * decoded to the values written, round trip of the writer, and clear errors on bad files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from '../../lib/backbones/safetensors';
import { fixture } from './helpers';

/** A file from a header object and raw data bytes. */
function file(header: object, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('decodes F16 and BF16 bit patterns', () => {
    // F16: 0x3C00 = 1, 0xC000 = -2, 0x0001 = 2^-24, 0x7C00 = inf; BF16: 0x3F00 = 0.5, 0xC0A0 = -5
    const bytes = file(
      { h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] } },
      [0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x3f, 0xa0, 0xc0],
    );
    const m = parseSafetensors(bytes);
    assert.deepEqual([...m.get('h')!.data], [1, -2, 2 ** -24, Infinity]);
    assert.deepEqual([...m.get('b')!.data], [0.5, -5]);
    assert.equal(m.get('b')!.dtype, 'BF16');
  });

  it('decodes I64 counters and skips __metadata__', () => {
    const bytes = file({ __metadata__: { format: 'pt' }, n: { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, [7, 1, 0, 0, 0, 0, 0, 0]);
    const m = parseSafetensors(bytes);
    assert.deepEqual([...m.keys()], ['n']);
    assert.deepEqual([...m.get('n')!.data], [263]);
  });

  it('round-trips F32 through the atomic writer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const t = new Map([
        ['a.b', { shape: [2, 3], data: Float32Array.from([1.5, -2, 3, 0, 1e-8, 7]) }],
        ['z', { shape: [], data: Float32Array.from([4]) }],
      ]);
      writeSafetensors(join(dir, 'x.safetensors'), t);
      const m = readSafetensors(join(dir, 'x.safetensors'));
      assert.deepEqual(m.get('a.b'), { dtype: 'F32', shape: [2, 3], data: t.get('a.b')!.data });
      assert.deepEqual([...m.get('z')!.data], [4]);
      assert.equal(encodeSafetensors(t).byteLength % 4, 0);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('reads the PyTorch-written fixtures in F32, BF16 and F16', () => {
    assert.equal(fixture('resnet_tiny.safetensors').get('conv1.weight')!.dtype, 'F32');
    assert.equal(fixture('vit_tiny.safetensors').get('pos_embed')!.dtype, 'BF16');
    assert.equal(fixture('deit_tiny_distilled.safetensors').get('dist_token')!.dtype, 'F16');
    assert.equal(fixture('resnet_tiny.safetensors').get('bn1.num_batches_tracked')!.dtype, 'I64');
  });

  it('rejects bad files with the name of the tensor and what was expected', () => {
    assert.throws(() => parseSafetensors(new Uint8Array(4), 'f.st'), /f\.st: 4 bytes, too short/);
    const big = new Uint8Array(16);
    new DataView(big.buffer).setBigUint64(0, 1000n, true);
    assert.throws(() => parseSafetensors(big, 'f.st'), /header length 1000 exceeds the file/);
    assert.throws(() => parseSafetensors(file({ w: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, [1])), /"w" has dtype U8/);
    assert.throws(
      () => parseSafetensors(file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0])),
      /"w".*expected 8 bytes/,
    );
    assert.throws(() => readSafetensors('/nonexistent/w.safetensors'), /cannot read weights file \/nonexistent\/w\.safetensors/);
  });
});

describe('safetensors byte ranges', () => {
  it('must tile the data section: overlaps, gaps and trailing bytes are refused, naming the bytes', () => {
    const two = (a: number[], b: number[], data: number): Uint8Array =>
      file({ a: { dtype: 'F32', shape: [1], data_offsets: a }, b: { dtype: 'F32', shape: [1], data_offsets: b } }, new Array(data).fill(0));
    assert.equal(parseSafetensors(two([0, 4], [4, 8], 8)).size, 2);
    assert.throws(
      () => parseSafetensors(two([0, 4], [2, 6], 8), 'o.st'),
      /o\.st: tensor "b" \[2, 6\] overlaps the tensor before it \(which ends at 4\)/,
    );
    assert.throws(
      () => parseSafetensors(two([0, 4], [8, 12], 12), 'g.st'),
      /g\.st: bytes \[4, 8\] of the data section belong to no tensor/,
    );
    assert.throws(
      () => parseSafetensors(two([0, 4], [4, 8], 10), 't.st'),
      /t\.st: the data section has 2 bytes after the last tensor \(10 in all\)/,
    );
    assert.throws(
      () => parseSafetensors(two([0, 4], [4, 8], 6), 'c.st'),
      /c\.st: tensor "b" ends at byte 8 of the data section, which has only 6 bytes: the file is truncated/,
    );
    assert.throws(
      () => parseSafetensors(file([1, 2] as unknown as object, []), 'a.st'),
      /a\.st: header is \[1,2\], expected a JSON object of tensors/,
    );
  });
});
