/**
 * The Pillow resampler (lib/data/pillow_resample.ts) against Pillow itself, byte for byte
 * (test/fixtures/data/pillow_resize.json, made by scripts/fixtures/pillow_resize.py with Pillow
 * 9.4), and the glyph transforms that use it: same pixels whether decoded now or from the
 * per-process cache, and the cache notices a rewritten file.
 */
import assert from 'node:assert/strict';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { clearDecodedCache, decodedCacheSize } from '../../lib/data/decoded_images';
import { pillowBicubic, type RgbImage } from '../../lib/data/pillow_resample';
import { glyphEvalSpec, glyphTrainSpec, normalise, randomResizedCropParams, transformImage } from '../../lib/data/transforms';
import { keyedRandom } from '../../lib/random';
import { tempDir } from './helpers';

interface PillowCase {
  image: number;
  box: { left: number; top: number; width: number; height: number };
  size: { width: number; height: number };
  rgb: string;
}
const FIXTURE = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'data', 'pillow_resize.json'), 'utf8')) as { pillow: string; images: string[]; cases: PillowCase[] };

async function decodePng(base64: string): Promise<RgbImage> {
  const { data, info } = await sharp(Buffer.from(base64, 'base64')).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

test(`Pillow ${FIXTURE.pillow} bicubic resize, byte for byte: shrink, enlarge, one side only, same size, crops`, async () => {
  assert.ok(FIXTURE.cases.length >= 12);
  const sides = new Set<string>();
  for (const c of FIXTURE.cases) {
    const image = await decodePng(FIXTURE.images[c.image]);
    const ours = pillowBicubic(image, c.box, c.size.width, c.size.height);
    const theirs = Buffer.from(c.rgb, 'base64');
    assert.equal(largestDifference(ours, theirs), 0, `${image.width}x${image.height} box ${JSON.stringify(c.box)} -> ${c.size.width}x${c.size.height}`);
    sides.add(`${Math.sign(c.size.width - c.box.width)},${Math.sign(c.size.height - c.box.height)}`);
  }
  // the cases cover shrinking, enlarging and keeping each side
  for (const s of ['-1,-1', '1,1', '0,-1', '-1,0', '0,0']) assert.ok(sides.has(s), `a case with sides ${s}`);
});

test('pillowBicubic refuses a box outside the image and a non-integer size, naming them', () => {
  const image: RgbImage = { data: new Uint8Array(4 * 4 * 3), width: 4, height: 4 };
  assert.throws(() => pillowBicubic(image, { left: 1, top: 0, width: 4, height: 4 }, 2, 2), /box \{"left":1,"top":0,"width":4,"height":4\} is not inside the 4 x 4 image/);
  assert.throws(() => pillowBicubic(image, { left: 0, top: 0, width: 4, height: 4 }, 2.5, 2), /output 2.5 x 2 is not a positive integer size/);
});

test('glyph transforms: Pillow\'s pixels (eval exactly the fixture), the same from the cache, a rewritten file decoded again', async () => {
  const dir = tempDir();
  const path = join(dir, 'glyph.png');
  const png = Buffer.from(FIXTURE.images[0], 'base64'); // 64 x 64, the glyph size
  writeFileSync(path, png);
  clearDecodedCache();
  const mean: [number, number, number] = [0.5, 0.4, 0.3];
  const std: [number, number, number] = [0.2, 0.25, 0.3];
  // evaluation: the whole 64 px image to 32 px, which the fixture's first case is
  const evalCase = FIXTURE.cases.find((c) => c.image === 0 && c.box.width === 64 && c.box.height === 64 && c.size.width === 32);
  assert.ok(evalCase, 'the fixture has the 64 -> 32 case');
  const expectedEval = normalise(Buffer.from(evalCase.rgb, 'base64'), mean, std);
  const fromFile = await transformImage(path, glyphEvalSpec(32, mean, std));
  assert.equal(largestDifference(fromFile, expectedEval), 0);
  assert.deepEqual(decodedCacheSize(), { images: 1, bytes: 64 * 64 * 3 });
  assert.equal(largestDifference(await transformImage(path, glyphEvalSpec(32, mean, std)), expectedEval), 0, 'from the cache');
  assert.equal(largestDifference(await transformImage(png, glyphEvalSpec(32, mean, std)), expectedEval), 0, 'from a buffer');
  // training: torchvision's crop parameters, then Pillow's resize of that crop
  const spec = glyphTrainSpec(32, mean, std);
  const image = await decodePng(FIXTURE.images[0]);
  const crop = randomResizedCropParams(64, 64, spec.scale as [number, number], spec.ratio as [number, number], keyedRandom(3, 1, 2));
  const expectedTrain = normalise(pillowBicubic(image, crop, 32, 32), mean, std);
  assert.equal(largestDifference(await transformImage(path, spec, keyedRandom(3, 1, 2)), expectedTrain), 0);
  assert.notDeepEqual(await transformImage(path, spec, keyedRandom(4, 1, 2)), expectedTrain, 'another key, another crop');
  // a rewritten file (another image, a later modification time) is decoded again, not served stale
  writeFileSync(path, Buffer.from(FIXTURE.images[2], 'base64'));
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  const rewritten = await transformImage(path, glyphEvalSpec(32, mean, std));
  assert.ok(largestDifference(rewritten, expectedEval) > 0.5, 'the new picture');
  assert.deepEqual(decodedCacheSize(), { images: 1, bytes: 120 * 90 * 3 });
  clearDecodedCache();
});

test('a file that is not an image: the error names it, and nothing is cached', async () => {
  const dir = tempDir();
  const path = join(dir, 'broken.png');
  writeFileSync(path, 'not a png');
  clearDecodedCache();
  await assert.rejects(transformImage(path, glyphEvalSpec(32)), /broken\.png: cannot decode or transform image/);
  await assert.rejects(transformImage(join(dir, 'missing.png'), glyphEvalSpec(32)), /missing\.png: cannot decode or transform image \(ENOENT/);
  assert.deepEqual(decodedCacheSize(), { images: 0, bytes: 0 });
});
