/**
 * Pinned outputs of every generator of lib/random.ts, computed with the code of commit 9aa33a2,
 * before the seven generators of that time moved into this one module. Checkpoints (proxy
 * initialisation, the expansion's random state, the loop's epoch seeds), the demo's README figures
 * (data order, augmentations, glyphs, k-means for NMI) and the backbones' seeded initialisation all
 * depend on these streams: a change here changes those numbers, so it must be deliberate.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { initBackend } from '../lib/tf';
import { gaussian, hashSeed, keyedRandom, mulberry32, seededNormal, SeededRandom, Sfc32 } from '../lib/random';
import { kaimingNormalFanOut, kaimingUniformDefault } from '../lib/losses/proxy_init';
import { expansionKernels, KERNEL_DATA_BASE } from '../lib/method/fast/kernels';

before(async () => {
  await initBackend('cpu', { quiet: true });
});

/** first 32 hex digits of the SHA-256 of an array's bytes: bit-identical or not */
const sha = (a: Float32Array): string =>
  createHash('sha256')
    .update(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex')
    .slice(0, 32);
const draws = <T>(count: number, draw: () => T): T[] => Array.from({ length: count }, draw);

test('SeededRandom (expansion noise, proxy initialisation): pinned draws and states', () => {
  const r0 = new SeededRandom(0);
  assert.deepEqual(
    draws(6, () => r0.nextUint32()),
    [47794497, 2239952519, 2790797919, 323561020, 2454270595, 1249242306],
  );
  const r1 = new SeededRandom(1);
  assert.deepEqual(
    draws(6, () => r1.normal()),
    [0.2905647870821723, 2.505663963064965, 0.3278240896588606, -0.42033727564611023, -0.4456442327498392, 1.2186524515557733],
  );
  assert.deepEqual([r1.uniform(), r1.uniform()], [0.3426485905656591, 0.008911163662560284]);
  assert.deepEqual(
    r1.getState(),
    [
      -279949514, 1463379604, 1454194101, -237426042, -1719335769, 1312044160, -61997655, 1522884495, 1379834096, 2023874195, 1810001649,
      490641559, 18, 18, 18, 18, -1053347388, 1078117975, 2066167596, 16, 0,
    ],
  );
  const f = new SeededRandom(1);
  const v = f.fillNormal(new Float32Array(4099));
  assert.deepEqual(Array.from(v.slice(0, 4)), [0.29056477546691895, 2.5056638717651367, 0.32782408595085144, -0.4203372895717621]);
  assert.equal(sha(v), '6696af992c3b0bd2c5695b54d266fadc');
  assert.deepEqual(
    f.getState(),
    [
      792263045, 1219742869, -1890347465, 1142534685, 557099781, 829714346, -184779846, 649666405, -162106233, 288713434, 2001884189,
      -1305903546, 1041, 1041, 1041, 1040, -1427443645, -1379363395, 85561511, 177, 3,
    ],
  );
});

test("SeededRandom.fillNormal in the kernels' memory (the WebAssembly path): pinned", () => {
  const k = expansionKernels();
  const mem = k.reserve(KERNEL_DATA_BASE + 4 * 4096);
  const v = mem.subarray(KERNEL_DATA_BASE / 4, KERNEL_DATA_BASE / 4 + 4096);
  new SeededRandom(1).fillNormal(v);
  assert.equal(sha(Float32Array.from(v)), 'f5ff9796c25ca40629f153e51b03119f', `kernels: ${k.kind}`);
});

test("the training loop's generator (epoch seeds, demo statistics): pinned draws and state", () => {
  const r = new Sfc32(0);
  assert.deepEqual(
    draws(6, () => r.nextUint32()),
    [47794497, 2454270595, 3904855535, 1618415911, 2662957284, 1616081501],
  );
  assert.deepEqual([r.next(), r.next()], [0.8369973252993077, 0.735489146783948]);
  assert.deepEqual(r.getState(), [779586379, 3958827094, 2702403509, 23]);
});

test('keyed generators of the data pipeline (sampler, augmentations, glyphs): pinned', () => {
  assert.deepEqual([hashSeed(0), hashSeed(1, 2, 3), hashSeed(2 ** 33 + 5), hashSeed(-7)], [387082432, 3906383291, 2932928633, 3874409650]);
  const a = keyedRandom(0, 1);
  assert.deepEqual(
    draws(4, () => a.next()),
    [0.5929081591311842, 0.8695490271784365, 0.4214862717781216, 0.455153473187238],
  );
  const b = keyedRandom(5, 0, 3, 2);
  assert.deepEqual(
    draws(5, () => b.int(0, 100)),
    [76, 8, 1, 71, 38],
  );
  assert.equal(b.uniform(0.6, 1), 0.8379936970770359);
});

test('mulberry32 (k-means) and its normals (Box-Muller): pinned', () => {
  const u = mulberry32(0);
  assert.deepEqual(draws(4, u), [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]);
  const u42 = mulberry32(42);
  assert.deepEqual([u42(), u42()], [0.6011037519201636, 0.44829055899754167]);
  assert.deepEqual(draws(4, gaussian(mulberry32(3))), [1.5492425833682681, 0.9836970989073086, -1.6850406003708773, 0.6077804980381011]);
});

test('seeded normals of backbone initialisation: pinned', () => {
  assert.deepEqual(
    Array.from(seededNormal(7, 100004, 0.02)),
    [
      0.003139493288472295, 0.014126820489764214, 0.02967493049800396, 0.03551408275961876, 0.0289909765124321, 0.0015789171447977424,
      0.012997616082429886,
    ],
  );
  assert.equal(sha(seededNormal(10001, 17, 1)), '72e2359c51f2cec33a1398f21c6419ff');
});

test('proxy initialisations (Kaiming normal fan_out, Kaiming uniform): pinned', () => {
  const p = kaimingNormalFanOut(4, 3, 0);
  assert.deepEqual(
    Array.from(p.dataSync()),
    [
      0.024341177195310593, -0.4012339115142822, -0.9936004877090454, 0.1575702428817749, -0.25852662324905396, 0.6418468356132507,
      0.04398049786686897, -0.5199747085571289, -0.3039032220840454, -0.5061977505683899, -0.35229530930519104, 0.9539174437522888,
    ],
  );
  const q = kaimingUniformDefault(2, 5, 1);
  assert.deepEqual(
    Array.from(q.dataSync()),
    [
      -0.3485984206199646, -0.018037455156445503, -0.23185136914253235, 0.25258755683898926, 0.37835580110549927, -0.08204640448093414,
      -0.14073938131332397, -0.4392431974411011, 0.030862322077155113, 0.1307685673236847,
    ],
  );
  p.dispose();
  q.dispose();
});
