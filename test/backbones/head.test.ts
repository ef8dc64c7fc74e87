/**
 * SEE's embedding head: orthogonal weight (as torch.nn.init.orthogonal_), zero bias, unit-norm
 * output, and PyTorch's LayerNorm(no affine) -> Linear -> normalize reproduced on saved weights.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { EmbeddingHead } from '../../lib/backbones/head';
import { orthogonalMatrix } from '../../lib/backbones/orthogonal';
import { initBackend, tf } from '../../lib/tf';
import { assertClose, fixture, get } from './helpers';

function gram(m: Float32Array, rows: number, cols: number, byColumns: boolean): number[][] {
  const n = byColumns ? cols : rows;
  const len = byColumns ? rows : cols;
  const at = (v: number, i: number): number => (byColumns ? m[i * cols + v] : m[v * cols + i]);
  return Array.from({ length: n }, (_, a) =>
    Array.from({ length: n }, (_, b) => {
      let s = 0;
      for (let i = 0; i < len; i++) s += at(a, i) * at(b, i);
      return s;
    }),
  );
}

describe('embedding head', () => {
  before(async () => {
    await initBackend('wasm', { quiet: true });
  });

  it('orthogonalMatrix has orthonormal columns (tall) or rows (wide), and depends on the seed', () => {
    for (const [r, c, byCols] of [
      [12, 5, true],
      [4, 9, false],
    ] as const) {
      const g = gram(orthogonalMatrix(r, c, 3), r, c, byCols);
      g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-5, `gram[${i}][${j}] = ${v}`)));
    }
    assert.notDeepEqual(orthogonalMatrix(6, 3, 1), orthogonalMatrix(6, 3, 2));
  });

  it('initialises an orthogonal kernel and zero bias, and outputs unit vectors', () => {
    const n0 = tf.memory().numTensors;
    const head = new EmbeddingHead(32, 8, { seed: 5 });
    const g = gram(head.kernel.dataSync() as Float32Array, 32, 8, true);
    g.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (i === j ? 1 : 0)) < 1e-5)));
    assert.ok(head.bias.dataSync().every((v) => v === 0));
    const e = tf.tidy(() => head.apply(tf.randomNormal([5, 32]) as tf.Tensor2D));
    const norms = tf.tidy(() => tf.norm(e, 2, 1).dataSync());
    norms.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-5));
    e.dispose();
    head.dispose();
    assert.equal(tf.memory().numTensors, n0);
  });

  it('matches PyTorch LayerNorm(no affine) -> Linear -> F.normalize on saved weights', () => {
    const io = fixture('head.io.safetensors');
    const head = new EmbeddingHead(32, 8);
    const w = get(io, 'weight');
    tf.tidy(() => {
      head.kernel.assign(tf.transpose(tf.tensor2d(w.data, [8, 32]))); // torch [E, D] -> [D, E]
      head.bias.assign(tf.tensor1d(get(io, 'bias').data));
      const out = head.apply(tf.tensor2d(get(io, 'features').data, [4, 32]));
      assertClose(out.dataSync(), get(io, 'embeddings').data, 'head');
    });
    head.dispose();
  });
});
