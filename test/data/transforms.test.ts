import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { checkImageFiles, imageFileProblem } from '../../lib/data/image_check';
import { imageSize } from '../../lib/data/image_size';
import { keyedRandom } from '../../lib/random';
import { IMAGENET_MEAN, IMAGENET_STD, evalResizeCropParams, evalSpec, pyRound, randomResizedCropParams, trainSpec, transformImage } from '../../lib/data/transforms';
import { makeJpeg, put, tempDir } from './helpers';
import { join } from 'node:path';

test('pyRound rounds halves to even like Python', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 58.5, -1.5, 2.4, 2.6].map(pyRound), [0, 2, 2, 58, -2, 2, 3]);
});

test('RandomResizedCrop parameters: inside the image, area and ratio in range', () => {
  const rng = keyedRandom(1);
  for (let i = 0; i < 500; i++) {
    const c = randomResizedCropParams(500, 375, [0.08, 1], [3 / 4, 4 / 3], rng);
    assert.ok(c.left >= 0 && c.top >= 0 && c.left + c.width <= 500 && c.top + c.height <= 375, JSON.stringify(c));
    const area = (c.width * c.height) / (500 * 375);
    assert.ok(area > 0.07 && area < 1.01, `area ${area}`);
    // rounding to whole pixels moves the ratio a little
    assert.ok(c.width / c.height > 0.7 && c.width / c.height < 1.4, `ratio ${c.width / c.height}`);
  }
});

test('RandomResizedCrop fallback: centre crop clamped to the ratio range (hand-worked)', () => {
  const rng = keyedRandom(2);
  // scale > 1 can never fit, so all 10 attempts fail; 1000x100 is wider than 4/3: h = 100, w = round(100 * 4/3) = 133
  assert.deepEqual(randomResizedCropParams(1000, 100, [2, 3], [3 / 4, 4 / 3], rng), { top: 0, left: 433, width: 133, height: 100 });
  // 100x1000 is taller than 3/4: w = 100, h = round(100 / 0.75) = 133
  assert.deepEqual(randomResizedCropParams(100, 1000, [2, 3], [3 / 4, 4 / 3], rng), { top: 433, left: 0, width: 100, height: 133 });
  assert.deepEqual(randomResizedCropParams(300, 300, [2, 3], [3 / 4, 4 / 3], rng), { top: 0, left: 0, width: 300, height: 300 });
});

test('eval Resize(256) + CenterCrop(224) arithmetic (hand-worked, torchvision rounding)', () => {
  // 500x375: short side 375 -> 256, long = floor(256 * 500 / 375) = 341; left = round(117 / 2) = round(58.5) = 58
  assert.deepEqual(evalResizeCropParams(500, 375, 256, 224), { width: 341, height: 256, crop: { top: 16, left: 58, width: 224, height: 224 } });
  assert.deepEqual(evalResizeCropParams(300, 600, 256, 224), { width: 256, height: 512, crop: { top: 144, left: 16, width: 224, height: 224 } });
  assert.deepEqual(trainSpec('vit_small_patch16_224').scale, [0.2, 1]);
  assert.deepEqual(trainSpec('deit_small_distilled_patch16_224').scale, [0.2, 1]);
  assert.deepEqual(trainSpec('resnet50').scale, [0.08, 1]);
  assert.equal(evalSpec(224).resizeTo, 256);
});

test('train and eval outputs: shape, normalised range, determinism, seeds differ', async () => {
  const jpg = await makeJpeg(200, 150, 3);
  const spec = trainSpec('resnet50', 32);
  const a = await transformImage(jpg, spec, keyedRandom(5, 0));
  const b = await transformImage(jpg, spec, keyedRandom(5, 0));
  const c = await transformImage(jpg, spec, keyedRandom(6, 0));
  assert.equal(a.length, 32 * 32 * 3);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (let i = 0; i < a.length; i++) {
    const ch = i % 3;
    assert.ok(a[i] >= -IMAGENET_MEAN[ch] / IMAGENET_STD[ch] - 1e-5 && a[i] <= (1 - IMAGENET_MEAN[ch]) / IMAGENET_STD[ch] + 1e-5);
  }
  const e = await transformImage(jpg, evalSpec(32, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]));
  assert.equal(e.length, 32 * 32 * 3);
  assert.ok(Math.min(...e) >= -1 && Math.max(...e) <= 1);
});

test('a solid colour comes out as its normalised value; grayscale, CMYK and alpha become RGB', async () => {
  const mean: [number, number, number] = [0.5, 0.4, 0.3];
  const std: [number, number, number] = [0.2, 0.25, 0.3];
  const rgba = await sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } }).png().toBuffer();
  const out = await transformImage(rgba, evalSpec(16, mean, std));
  const want = [200, 100, 50].map((v, c) => (v / 255 - mean[c]) / std[c]);
  for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - want[i % 3]) < 0.03, `pixel ${i}: ${out[i]} vs ${want[i % 3]}`);
  const gray = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').png().toBuffer();
  assert.equal((await sharp(gray).metadata()).channels, 1);
  const g = await transformImage(gray, evalSpec(16, [0, 0, 0], [1, 1, 1]));
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i] - 90 / 255) < 0.02);
  const cmyk = await sharp(await makeJpeg(40, 30)).toColourspace('cmyk').jpeg().toBuffer();
  assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
  assert.equal((await transformImage(cmyk, trainSpec('resnet50', 16), keyedRandom(1))).length, 16 * 16 * 3);
});

test('corrupt and truncated files give an error naming the file', async () => {
  const dir = tempDir();
  const bad = put(join(dir, 'bad.jpg'), 'not an image');
  await assert.rejects(transformImage(bad, evalSpec(16)), /bad\.jpg: cannot decode/);
  const jpg = await makeJpeg(120, 90);
  const cut = put(join(dir, 'cut.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)));
  await assert.rejects(transformImage(cut, evalSpec(16)), /cut\.jpg: cannot decode/);
});

test('horizontal flip mirrors each row (crop forced to the whole image by a fixed rng)', async () => {
  const jpg = await makeJpeg(48, 32, 1);
  const fixed = { next: () => 0, uniform: (lo: number) => lo, int: (lo: number) => lo };
  const base = { mode: 'train' as const, size: 24, scale: [1, 1] as [number, number], ratio: [1.5, 1.5] as [number, number], mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const plain = await transformImage(jpg, { ...base, hflip: false }, fixed);
  const flipped = await transformImage(jpg, { ...base, hflip: true }, fixed);
  assert.notDeepEqual(plain, flipped);
  for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) for (let c = 0; c < 3; c++) {
    assert.equal(flipped[(y * 24 + x) * 3 + c], plain[(y * 24 + (23 - x)) * 3 + c]);
  }
});

test('imageSize reads JPEG (baseline, progressive) and PNG headers like sharp does', async () => {
  const raw = await makeJpeg(77, 51);
  const cases = [raw, await sharp(raw).jpeg({ progressive: true }).toBuffer(), await sharp(raw).png().toBuffer(), await sharp(raw).withMetadata().jpeg().toBuffer()];
  for (const buf of cases) {
    const meta = await sharp(buf).metadata();
    assert.deepEqual(imageSize(buf), { width: meta.width, height: meta.height });
  }
  assert.equal(imageSize(Buffer.from('GIF89a....................')), undefined);
});

test('a header over the pixel limit is refused before decoding, by the transform itself', async () => {
  const small = await makeJpeg(64, 48);
  const sof = small.indexOf(Buffer.from([0xff, 0xc0]));
  const huge = Buffer.from(small);
  huge.writeUInt16BE(40000, sof + 5);
  huge.writeUInt16BE(40000, sof + 7);
  const t0 = Date.now();
  await assert.rejects(transformImage(huge, evalSpec(16), undefined, 'huge.jpg'), /huge\.jpg: cannot decode or transform image \(image: 40000 x 40000 = 1600000000 pixels is over the limit of 178956970 \(PIL's decompression-bomb limit\); refused before decoding\)/);
  assert.ok(Date.now() - t0 < 2000, 'refused without decoding 1.6 gigapixels');
  const dir = tempDir();
  const file = put(join(dir, 'huge.jpg'), huge);
  assert.match(await imageFileProblem(file) ?? '', /is 40000 x 40000 = 1600000000 pixels, over the limit of 178956970 \(refused before decoding\)/);
  assert.equal(await imageFileProblem(put(join(dir, 'ok.jpg'), small)), undefined);
  assert.match(await imageFileProblem(join(dir, 'missing.jpg')) ?? '', /cannot be opened \(ENOENT\)/);
  const png = await sharp(small).png().toBuffer();
  assert.equal(await imageFileProblem(put(join(dir, 'ok.png'), png)), undefined);
  assert.match(await imageFileProblem(put(join(dir, 'cut.png'), png.subarray(0, png.length - 20))) ?? '', /is truncated: no PNG IEND chunk/);
  await assert.rejects(checkImageFiles([join(dir, 'ok.png'), join(dir, 'cut.png'), join(dir, 'missing.jpg')]), /2 of 3 image files cannot be used:\n- .*cut\.png is truncated[^\n]*\n- .*missing\.jpg cannot be opened/);
});
