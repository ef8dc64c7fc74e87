/** The folder dataset: ImageFolder order at any depth, the class splits, query/gallery, and the errors naming the class or file. */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { byCodePoint, scanClassFolders } from '../../lib/data/class_folders';
import { checkFolderSpec, readFolder, type FolderSpec } from '../../lib/data/folder';
import { put, tempDir } from './helpers';

const SPLIT: FolderSpec = { trainClasses: 'firstHalf', queryFraction: null };

/** `<root>/<class>/<n images>` for each class; returns the root */
function classes(counts: Record<string, number>): string {
  const root = tempDir('see-folder-');
  for (const [c, n] of Object.entries(counts)) for (let i = 0; i < n; i++) put(join(root, c, `${i}.png`));
  return root;
}

const names = (root: string, paths: { path: string }[]): string[] => paths.map((s) => s.path.slice(root.length + 1));

test('ImageFolder order: sorted class folders, each folder\'s files sorted, sub-folders after their parent\'s files, any depth', () => {
  const root = tempDir('see-folder-');
  for (const f of ['b/z.png', 'b/sub/a.png', 'b/sub/deeper/c.JPG', 'b/sub2/a.png', 'b/a.png', 'a/1.png', 'a/0.webp']) put(join(root, f));
  put(join(root, 'b', 'notes.txt'));
  put(join(root, 'b', '._a.png'));
  put(join(root, 'README.md'));
  mkdirSync(join(root, '.hidden'));
  const scan = scanClassFolders(root, 'folder');
  assert.deepEqual(scan.classes.map((c) => c.name), ['a', 'b']);
  // Python: for root, _, files in sorted(os.walk(b)): for f in sorted(files)
  assert.deepEqual(names(root, scan.classes[1].files.map((path) => ({ path }))), ['b/a.png', 'b/z.png', 'b/sub/a.png', 'b/sub/deeper/c.JPG', 'b/sub2/a.png']);
  assert.deepEqual(scan.skipped, ['.hidden', 'README.md', 'b/._a.png', 'b/notes.txt']);
  // code point order, as Python sorts: U+1F600 sorts after U+FF5E (UTF-16 order would put it first)
  assert.ok(byCodePoint('\u{1F600}', '\uFF5E') > 0 && '\u{1F600}' < '\uFF5E');
});

test('a linked class folder is followed, a link loop is read once', () => {
  const root = classes({ a: 2 });
  const outside = tempDir('see-folder-outside-');
  put(join(outside, 'x.png'));
  put(join(outside, 'y.png'));
  symlinkSync(outside, join(root, 'b'));
  symlinkSync(join(root, 'a'), join(root, 'a', 'loop'));
  const split = readFolder(root, SPLIT);
  assert.deepEqual(names(root, split.train), ['a/0.png', 'a/1.png']);
  assert.deepEqual(names(root, split.test), ['b/x.png', 'b/y.png']);
});

test('class splits: first half, last half, a list, a fraction; training classes get labels 0..K-1', () => {
  const root = classes({ ant: 2, bee: 2, cat: 3, dog: 2, eel: 2 });
  const trainOf = (t: FolderSpec['trainClasses']): string[] => {
    const s = readFolder(root, { trainClasses: t, queryFraction: null });
    assert.deepEqual([...new Set(s.train.map((x) => x.label))], [...Array(s.numTrainClasses).keys()], 'labels 0..K-1');
    assert.equal(s.numTrainClasses + s.numTestClasses, 5);
    return (s.classNames as string[]).slice(0, s.numTrainClasses);
  };
  assert.deepEqual(trainOf('firstHalf'), ['ant', 'bee']);
  assert.deepEqual(trainOf('lastHalf'), ['dog', 'eel']);
  assert.deepEqual(trainOf(['eel', 'bee']), ['bee', 'eel']);
  assert.deepEqual(trainOf(0.6), ['ant', 'bee', 'cat']);
  const last = readFolder(root, { trainClasses: 'lastHalf', queryFraction: null });
  assert.deepEqual(last.test.map((s) => s.label), [2, 2, 3, 3, 4, 4, 4], 'unseen classes labelled after the training ones, in sorted order');
  assert.deepEqual(names(root, last.test).slice(4), ['cat/0.png', 'cat/1.png', 'cat/2.png']);
});

test('query/gallery: each unseen class split evenly, at least one query and one gallery image', () => {
  const root = classes({ a: 2, b: 2, c: 5, d: 2 });
  const s = readFolder(root, { trainClasses: 'firstHalf', queryFraction: 0.4 });
  assert.deepEqual(names(root, s.query as { path: string }[]), ['c/2.png', 'c/4.png', 'd/1.png']);
  assert.deepEqual(names(root, s.gallery as { path: string }[]), ['c/0.png', 'c/1.png', 'c/3.png', 'd/0.png']);
  assert.deepEqual(s.test, [...(s.query ?? []), ...(s.gallery ?? [])]);
});

test('bad folders: each error names the class or the file and what is expected', () => {
  assert.throws(() => readFolder(join(tempDir(), 'nope'), SPLIT), /folder: folder .*nope not found; a folder dataset is <dataRoot>\/<class name>\/<images>/);
  assert.throws(() => readFolder(classes({ only: 3 }), SPLIT), /has 1 class folder\(s\) \(only\); it needs at least 2/);
  const empty = classes({ a: 2, b: 2 });
  mkdirSync(join(empty, 'c'));
  put(join(empty, 'c', 'readme.txt'));
  assert.throws(() => readFolder(empty, SPLIT), /folder: class "c" \(.*\/c\) has no images \(it holds 1 other file\(s\): c\/readme\.txt\); every class needs at least 2 images/);
  assert.throws(() => readFolder(classes({ a: 2, b: 1 }), SPLIT), /folder: class "b" \(.*\/b\) has only 1 image \(.*\/b\/0\.png\); every class needs at least 2/);
  const loose = classes({ a: 2, b: 2 });
  put(join(loose, 'stray.jpg'));
  assert.throws(() => readFolder(loose, SPLIT), /1 image\(s\) directly in .*, outside any class folder: .*stray\.jpg/);
  assert.throws(() => readFolder(classes({ a: 2, b: 2 }), { trainClasses: ['a', 'zebra'], queryFraction: null }), /folder\.trainClasses names "zebra", not a class folder of .* \(its classes: a, b\)/);
  assert.throws(() => readFolder(classes({ a: 2, b: 2 }), { trainClasses: ['a', 'b'], queryFraction: null }), /makes 2 of the 2 classes .* training classes; at least one must train and at least one must stay unseen/);
  assert.throws(() => readFolder(classes({ a: 2, b: 2, c: 2 }), { trainClasses: 0.1, queryFraction: null }), /makes 0 of the 3 classes/);
});

test('the folder section: defaults filled in, every bad value named', () => {
  assert.deepEqual(checkFolderSpec({}, 'x'), { trainClasses: 'firstHalf', queryFraction: null });
  assert.deepEqual(checkFolderSpec({ trainClasses: ['a'], queryFraction: 0.5 }, 'x'), { trainClasses: ['a'], queryFraction: 0.5 });
  assert.throws(() => checkFolderSpec({ trainClasses: 1.5 }, 'cfg.json'), /cfg\.json: folder\.trainClasses 1\.5, expected "firstHalf", "lastHalf", a fraction between 0 and 1/);
  assert.throws(() => checkFolderSpec({ trainClasses: ['a', 'a'] }, 'x'), /a list of distinct class folder names/);
  assert.throws(() => checkFolderSpec({ queryFraction: 1 }, 'x'), /folder\.queryFraction 1, expected null or a fraction/);
  assert.throws(() => checkFolderSpec({ split: 'x' }, 'x'), /unknown key "folder\.split"; expected folder\.trainClasses, folder\.queryFraction/);
  assert.throws(() => checkFolderSpec('half', 'x'), /"folder" is "half", expected \{/);
});
