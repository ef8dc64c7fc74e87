/** Image grids: inline data: images with escaped captions; a normalised batch turned back into pixels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { tf, initBackend } from '../../lib/tf';
import { imageGridHtml, batchToPngs } from '../../lib/viz/images';

test('imageGridHtml inlines every image and escapes captions', () => {
  const html = imageGridHtml([{ png: new Uint8Array([1, 2, 3]), caption: '<a&b>' }, { png: new Uint8Array([4]) }], 2, 32);
  assert.equal(html.match(/<img src="data:image\/png;base64,/g)?.length, 2);
  assert.ok(html.includes(Buffer.from([1, 2, 3]).toString('base64')));
  assert.ok(html.includes('&lt;a&amp;b&gt;') && !html.includes('<a&b>'));
  assert.throws(() => imageGridHtml([]), /no images/);
});

test('batchToPngs undoes the normalisation, pixel for pixel', async () => {
  await initBackend('cpu', { quiet: true });
  const mean: [number, number, number] = [0.5, 0.25, 0];
  const std: [number, number, number] = [0.5, 0.25, 1];
  // pixel (r, g, b) = (255, 0, 128): normalised by hand as (v/255 - mean) / std
  const px = [255, 0, 128];
  const norm = px.map((v, c) => (v / 255 - mean[c]) / std[c]);
  const images = tf.tensor4d([...norm, ...norm], [1, 1, 2, 3]);
  const before = tf.memory().numTensors;
  const [png] = await batchToPngs(images, mean, std);
  assert.equal(tf.memory().numTensors, before);
  images.dispose();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [2, 1, 3]);
  assert.deepEqual(Array.from(data), [...px, ...px]);
});
