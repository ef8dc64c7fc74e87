import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCars } from '../../lib/data/cars';
import { readCub } from '../../lib/data/cub';
import { readInshop } from '../../lib/data/inshop';
import { readSop } from '../../lib/data/sop';
import { put, tempDir } from './helpers';

const FIXTURES = process.env.SHARED_FIXTURES ?? join(__dirname, '..', 'fixtures', 'data');

test('CUB: sorted folder labels, first 100 classes train, ._ files skipped, counts checked', () => {
  const root = tempDir();
  const images = join(root, 'CUB_200_2011', 'images');
  // folders created in reverse order: the reader must sort them
  for (let c = 199; c >= 0; c--) {
    const folder = join(images, `${String(c + 1).padStart(3, '0')}.Bird_${c}`);
    put(join(folder, `b_${c}.jpg`));
    if (c % 50 === 0) put(join(folder, `a_${c}.jpg`));
    put(join(folder, `._b_${c}.jpg`)); // macOS resource fork
    put(join(folder, 'notes.txt'));
  }
  const split = readCub(root);
  assert.equal(split.train.length, 100 + 2);
  assert.equal(split.test.length, 100 + 2);
  assert.equal(split.numTrainClasses, 100);
  assert.ok(split.train.every((s) => s.label < 100 && !s.path.includes('._')));
  assert.ok(split.test.every((s) => s.label >= 100 && s.label < 200));
  // class folder 001 gets label 0, with its two files in name order
  assert.deepEqual(split.train.slice(0, 2).map((s) => [s.label, s.path.split('/').pop()]), [[0, 'a_0.jpg'], [0, 'b_0.jpg']]);
  assert.equal(split.test.find((s) => s.path.endsWith('b_150.jpg'))?.label, 150);
  assert.equal(split.notices.length, 2);
  assert.match(split.notices[0], /train has 102 \(official 5864\)/);
});

test('CUB: another number of class folders is refused', () => {
  const root = tempDir();
  for (let c = 0; c < 4; c++) for (let i = 0; i < 3; i++) put(join(root, 'CUB_200_2011', 'images', `00${c}.x`, `${i}.png`));
  assert.throws(() => readCub(root), /has 4 class folders, expected 200/);
});

test('a missing dataset names the expected layout and where it comes from', () => {
  const root = tempDir();
  assert.throws(() => readCub(root), /CUB_200_2011\/images.*not found[\s\S]*Expected layout[\s\S]*Caltech/);
  assert.throws(() => readCars(root), /cars196.*not found[\s\S]*cars_annos\.mat[\s\S]*Stanford/);
  assert.throws(() => readSop(root), /Stanford_Online_Products.*not found[\s\S]*Ebay_train\.txt/);
  assert.throws(() => readInshop(root), /Inshop_Clothes.*not found[\s\S]*list_eval_partition\.txt[\s\S]*DeepFashion/);
});

test('Cars: label = class - 1, image path from relative_im_path, counts checked', () => {
  const root = tempDir();
  mkdirSync(join(root, 'cars196', 'car_ims'), { recursive: true });
  copyFileSync(join(FIXTURES, 'cars_annos_tiny_compressed.mat'), join(root, 'cars196', 'cars_annos.mat'));
  const split = readCars(root);
  // all 8 fixture classes are below 98, so everything is train (the official test flag is ignored)
  assert.equal(split.train.length, 24);
  assert.equal(split.test.length, 0);
  split.train.forEach((s, i) => {
    assert.equal(s.label, Math.floor(i / 3));
    assert.equal(s.path, join(root, 'cars196', 'car_ims', `${String(i + 1).padStart(6, '0')}.jpg`));
  });
  assert.equal(split.numTrainClasses, 8);
  assert.match(split.notices.join('\n'), /train has 24 \(official 8054\)[\s\S]*test has 0 \(official 8131\)/);
});

test('SOP: header skipped, label = class_id - 1, paths under the folder', () => {
  const root = tempDir();
  const dir = join(root, 'Stanford_Online_Products');
  put(join(dir, 'Ebay_train.txt'), 'image_id class_id super_class_id path\n1 1 1 bicycle_final/a_0.JPG\n2 1 1 bicycle_final/a_1.JPG\n3 2 1 bicycle_final/b_0.JPG\n');
  put(join(dir, 'Ebay_test.txt'), 'image_id class_id super_class_id path\r\n1 11319 2 cabinet_final/c_0.JPG\r\n');
  const split = readSop(root);
  assert.deepEqual(split.train.map((s) => s.label), [0, 0, 1]);
  assert.equal(split.train[2].path, join(dir, 'bicycle_final', 'b_0.JPG'));
  assert.deepEqual(split.test.map((s) => s.label), [11318]);
  assert.equal(split.numTrainClasses, 2);
  assert.equal(split.notices.length, 2);
  put(join(dir, 'Ebay_test.txt'), 'image_id class_id super_class_id path\n1 x 2 c.JPG\n');
  assert.throws(() => readSop(root), /Ebay_test\.txt:2: expected/);
});

test('In-Shop: count and header lines skipped, ids remapped in numeric order, query and gallery jointly', () => {
  const root = tempDir();
  const dir = join(root, 'Inshop_Clothes');
  mkdirSync(join(dir, 'Img'), { recursive: true });
  const rows = [
    ['img/WOMEN/Dresses/id_00000080/01.jpg', 'id_00000080', 'train'],
    ['img/WOMEN/Dresses/id_00000002/01.jpg', 'id_00000002', 'train'],
    ['img/MEN/Tees/id_00000100/01.jpg', 'id_00000100', 'train'],
    ['img/MEN/Tees/id_00000009/01.jpg', 'id_00000009', 'query'],
    ['img/MEN/Tees/id_00000050/01.jpg', 'id_00000050', 'query'],
    ['img/MEN/Tees/id_00000009/02.jpg', 'id_00000009', 'gallery'],
    ['img/MEN/Tees/id_00000007/02.jpg', 'id_00000007', 'gallery'],
  ];
  put(join(dir, 'Eval', 'list_eval_partition.txt'), `${rows.length}\nimage_name item_id evaluation_status\n${rows.map((r) => r.join('   ')).join('\n')}\n`);
  const split = readInshop(root);
  // train ids 2, 80, 100 -> 0, 1, 2 (numeric order, not file order)
  assert.deepEqual(split.train.map((s) => s.label), [1, 0, 2]);
  // query+gallery ids 7, 9, 50 -> 0, 1, 2, shared between query and gallery
  assert.deepEqual(split.query?.map((s) => s.label), [1, 2]);
  assert.deepEqual(split.gallery?.map((s) => s.label), [1, 0]);
  assert.equal(split.test.length, 4);
  assert.equal(split.numTrainClasses, 3);
  assert.equal(split.numTestClasses, 3);
  assert.equal(split.train[0].path, join(dir, 'Img', 'img', 'WOMEN', 'Dresses', 'id_00000080', '01.jpg'));
  assert.equal(split.notices.length, 3);
  assert.match(split.notices[1], /query has 2 \(official 14218\)/);
});

test('list files: paths must stay inside the dataset folder and be UTF-8 (In-Shop and SOP)', () => {
  const root = tempDir();
  const dir = join(root, 'Inshop_Clothes');
  mkdirSync(join(dir, 'Img'), { recursive: true });
  const list = (path: string): string => `1\nimage_name item_id evaluation_status\n${path} id_00000001 train\n`;
  put(join(dir, 'Eval', 'list_eval_partition.txt'), list('img/../../secret.jpg'));
  assert.throws(() => readInshop(root), /list_eval_partition\.txt:3: "img\/\.\.\/\.\.\/secret\.jpg" points outside the dataset folder .*Inshop_Clothes\/Img/);
  put(join(dir, 'Eval', 'list_eval_partition.txt'), list('/img/a.jpg'));
  assert.throws(() => readInshop(root), /list_eval_partition\.txt:3: "\/img\/a\.jpg" is an absolute path/);
  put(join(dir, 'Eval', 'list_eval_partition.txt'), list('img/sub/../a.jpg'));
  assert.equal(readInshop(root).train[0].path, join(dir, 'Img', 'img', 'sub', '..', 'a.jpg'), 'a `..` that stays inside is fine');
  put(join(dir, 'Eval', 'list_eval_partition.txt'), Buffer.concat([Buffer.from(list('img/a.jpg')), Buffer.from([0x61, 0xff, 0x0a])]));
  assert.throws(() => readInshop(root), /list_eval_partition\.txt:4: not valid UTF-8/);
});
