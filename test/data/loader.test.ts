import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { applySkipList, loadBatches } from '../../lib/data/loader';
import { sequentialBatches } from '../../lib/data/sampler';
import type { Sample } from '../../lib/data/split';
import { evalSpec, trainSpec, transformImage } from '../../lib/data/transforms';
import { tf, initBackend } from '../../lib/tf';
import { makeJpeg, put, tempDir } from './helpers';

async function samples(n: number): Promise<Sample[]> {
  const dir = tempDir();
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) out.push({ path: put(join(dir, `${i}.jpg`), await makeJpeg(60 + i, 40 + i, i)), label: i % 3 });
  return out;
}

test('evaluation order: every image once, NHWC float32 + int32 labels, matches transformImage, no tensor left', async () => {
  await initBackend('cpu', { quiet: true });
  const s = await samples(11);
  const spec = evalSpec(16);
  const before = tf.memory().numTensors;
  const seen: number[] = [];
  for await (const batch of loadBatches({ samples: s, batches: sequentialBatches(s.length, 4), spec })) {
    assert.equal(batch.images.dtype, 'float32');
    assert.deepEqual(batch.images.shape, [batch.indices.length, 16, 16, 3]);
    assert.equal(batch.labels.dtype, 'int32');
    assert.deepEqual(Array.from(await batch.labels.data()), batch.indices.map((i) => s[i].label));
    const first = await transformImage(s[batch.indices[0]].path, spec);
    assert.deepEqual((await batch.images.data()).subarray(0, first.length), first);
    seen.push(...batch.indices);
    tf.dispose([batch.images, batch.labels]);
  }
  assert.deepEqual(seen, Array.from({ length: 11 }, (_, i) => i));
  assert.equal(tf.memory().numTensors, before);
});

test('prefetch is bounded: nothing more starts until the consumer pulls', async () => {
  await initBackend('cpu', { quiet: true });
  const s = await samples(8);
  const started: number[] = [];
  const it = loadBatches({ samples: s, batches: sequentialBatches(8, 1), spec: trainSpec('resnet50', 8), prefetch: 2, onStart: (b) => started.push(b) });
  const first = await it.next();
  assert.ok(!first.done);
  tf.dispose([first.value.images, first.value.labels]);
  await new Promise((r) => setTimeout(r, 100));
  // batch 0 handed out, batches 1 and 2 in flight, nothing beyond
  assert.deepEqual(started, [0, 1, 2]);
  await it.return(undefined);
});

test('train augmentation is keyed by seed, epoch and position', async () => {
  await initBackend('cpu', { quiet: true });
  const s = await samples(4);
  const run = async (seed: number, epoch: number): Promise<Float32Array> => {
    const out: Float32Array[] = [];
    for await (const b of loadBatches({ samples: s, batches: [[0, 1, 2, 3]], spec: trainSpec('resnet50', 8), seed, epoch })) {
      out.push((await b.images.data()) as Float32Array);
      tf.dispose([b.images, b.labels]);
    }
    return out[0];
  };
  assert.deepEqual(await run(1, 0), await run(1, 0));
  assert.notDeepEqual(await run(1, 0), await run(1, 1));
});

test('a corrupt image stops the loader naming the file; the skip list is the only way out', async () => {
  const s = await samples(3);
  const bad = put(join(tempDir(), 'broken.jpg'), 'garbage');
  s.push({ path: bad, label: 0 });
  const drain = async (list: Sample[]): Promise<number> => {
    let n = 0;
    for await (const b of loadBatches({ samples: list, batches: sequentialBatches(list.length, 2), spec: evalSpec(8) })) {
      n += b.indices.length;
      tf.dispose([b.images, b.labels]);
    }
    return n;
  };
  await assert.rejects(drain(s), /broken\.jpg: cannot decode/);
  const { kept, skipped } = applySkipList(s, [bad]);
  assert.deepEqual(skipped.map((x) => x.path), [bad]);
  assert.equal(await drain(kept), 3);
});
