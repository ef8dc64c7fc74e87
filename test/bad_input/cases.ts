/**
 * The bad-input suite's cases: each names the bad input, what it goes through, the outcome it
 * must have (a clear error naming the file, key or value, or for the two images that must work,
 * correct pixels) and what the run folder must look like afterwards. README's table is made from
 * these cases' observed outcomes (test/bad_input/table.ts).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { checkImageFiles } from '../../lib/data/image_check';
import { keyedRandom } from '../../lib/random';
import { evalSpec, trainSpec, transformImage } from '../../lib/data/transforms';
import { cli, configFile, cubRoot, folderRoot, glyphRoot, jpeg, put, type Outcome, type World } from './world';

/** 'fresh': a new run id, no run folder may appear; 'resume': the base run must stay byte for byte; 'library': no run involved */
export type FolderRule = 'fresh' | 'resume' | 'library';

export interface BadInputCase {
  /** the bad input, as the README table shows it */
  input: string;
  /** the entry point the case goes through */
  through: string;
  /** the outcome: a pattern of the error (code 1) or, for `works`, of the case's own account (code 0) */
  expect: RegExp;
  works?: boolean;
  folder: FolderRule;
  run(w: World, runId: string): Promise<Outcome>;
}

const train = (w: World, config: string, runId: string, ...more: string[]): Promise<Outcome> =>
  cli(['train', config, '--runs-root', w.runs, '--run-id', runId, ...more]);

/** a free configuration on another dataset layout under `dataRoot` */
const onData = (w: World, runId: string, dataset: string, dataRoot: string): Promise<Outcome> =>
  train(w, configFile(w, runId, { dataset, dataRoot }), runId);

/** The resnet_tiny.test weights file of the fixtures with its header (and bytes) changed by `edit`. */
function weightsFile(
  w: World,
  name: string,
  edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>, body: Buffer) => Buffer | void,
  lengthField?: (n: number, size: number) => number,
): string {
  const bytes = readFileSync(join(__dirname, '..', 'fixtures', 'backbones', 'resnet_tiny.safetensors'));
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const body = edit(header, bytes.subarray(8 + n)) ?? bytes.subarray(8 + n);
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.concat([Buffer.alloc(8), json, body]);
  out.writeBigUInt64LE(BigInt(lengthField ? lengthField(json.length, out.length) : json.length), 0);
  return put(join(w.root, 'weights', `${name}.safetensors`), out);
}

const withWeights = (w: World, runId: string, file: string): Promise<Outcome> => train(w, configFile(w, runId, { weights: file }), runId);

/** A 128-byte MAT header (level 5 unless another text and version are given). */
function matHeader(text = 'MATLAB 5.0 MAT-file, Platform: GLNXA64', version = 0x0100): Buffer {
  const h = Buffer.alloc(128, 0x20);
  h.write(text, 0, 'latin1');
  h.writeUInt16LE(version, 124);
  h.write('IM', 126, 'latin1');
  return h;
}

function carsRoot(w: World, name: string, mat: Buffer): string {
  const root = join(w.root, 'data', name);
  put(join(root, 'cars196', 'car_ims', '000001.jpg'), '');
  put(join(root, 'cars196', 'cars_annos.mat'), mat);
  return root;
}

function sopRoot(w: World, name: string, trainList: Buffer): string {
  const root = join(w.root, 'data', name);
  const dir = join(root, 'Stanford_Online_Products');
  put(join(dir, 'Ebay_train.txt'), trainList);
  put(join(dir, 'Ebay_test.txt'), 'image_id class_id super_class_id path\n1 11319 2 cabinet_final/c_0.JPG\n');
  return root;
}

const ebay = (third: Buffer | string): Buffer =>
  Buffer.concat([
    Buffer.from('image_id class_id super_class_id path\n1 1 1 bicycle_final/a_0.JPG\n2 2 1 '),
    Buffer.from(third),
    Buffer.from('\n'),
  ]);

/**
 * An image that must work: it passes the image check, then the eval and the train transforms
 * (what the loader does) give RGB within `tolerance` of `rgb`; the outcome reports the largest
 * difference. A decode with inverted or swapped channels would be off by more than 100.
 */
async function mustWork(w: World, name: string, file: Buffer, rgb: number[], what: string, tolerance: number): Promise<Outcome> {
  const path = put(join(w.root, 'images', name), file);
  await checkImageFiles([path]);
  const meta = await sharp(path).metadata();
  const identity = { mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
  const outputs = [
    await transformImage(path, { ...evalSpec(16), ...identity }),
    await transformImage(path, { ...trainSpec('resnet50', 16), ...identity }, keyedRandom(1)),
  ];
  let worst = 0;
  for (const o of outputs) for (let i = 0; i < o.length; i++) worst = Math.max(worst, Math.abs(o[i] * 255 - rgb[i % 3]));
  const ok = worst <= tolerance;
  return {
    code: ok ? 0 : 1,
    out: '',
    err: `works: ${what} (${meta.space}, ${meta.depth}) passes the image check; the eval and train transforms give RGB within ${worst.toFixed(1)}/255 of (${rgb.map((v) => +v.toFixed(1)).join(', ')})`,
  };
}

export const CASES: BadInputCase[] = [
  {
    input: 'dataset folder missing',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /cannot start:\n- dataset folder .*CUB_200_2011 is missing: download CUB_200_2011\.tgz/,
    run: (w, id) => onData(w, id, 'cub', join(w.root, 'data', 'empty')),
  },
  {
    input: 'wrong image count (a paper row on an incomplete CUB)',
    through: 'see-kit train see-de128-cub',
    folder: 'fresh',
    expect:
      /row see-de128-cub follows the paper's protocol, but cub: train has 100 \(official 5864\).*; cub: test has 100 \(official 5924\)[\s\S]*--set row=null/,
    run: async (w, id) =>
      cli([
        'train',
        'see-de128-cub',
        '--data-root',
        await cubRoot(w, 'cub-count', () => undefined),
        '--set',
        'backbone=resnet_tiny.test',
        '--set',
        'weights=none',
        '--runs-root',
        w.runs,
        '--run-id',
        id,
      ]),
  },
  {
    input: 'an empty class folder',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /cub: class folder .*008\.Class_7 has no images \(\.jpg, .*\); every class needs at least one/,
    run: async (w, id) => onData(w, id, 'cub', await cubRoot(w, 'cub-empty', (d) => rmSync(join(d, '008.Class_7', 'a.jpg')))),
  },
  {
    input: 'a class folder whose name is not UTF-8',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /CUB_200_2011\/images: the name "009\.Class_\uFFFD" is not valid UTF-8 \(shown with U\+FFFD\); rename it/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'cub',
        await cubRoot(w, 'cub-latin1', (d) => {
          rmSync(join(d, '009.Class_8'), { recursive: true });
          const name = Buffer.concat([Buffer.from(`${d}/009.Class_`), Buffer.from([0xe9])]); // "é" in Latin-1
          mkdirSync(name);
          writeFileSync(Buffer.concat([name, Buffer.from('/a.jpg')]), readFileSync(join(d, '001.Class_0', 'a.jpg')));
        }),
      ),
  },
  {
    input: 'a truncated JPEG',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect:
      /1 of 200 image files cannot be used:\n- .*004\.Class_3\/a\.jpg is truncated: no JPEG end-of-image marker at the end of its \d+ bytes/,
    run: async (w, id) => {
      const full = await jpeg(400, 300, [30, 160, 90]);
      return onData(
        w,
        id,
        'cub',
        await cubRoot(w, 'cub-cut', (d) => {
          writeFileSync(join(d, '004.Class_3', 'a.jpg'), full.subarray(0, full.length >> 1));
        }),
      );
    },
  },
  {
    input: 'a zero-byte PNG',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /1 of 201 image files cannot be used:\n- .*006\.Class_5\/b\.png is empty \(0 bytes\)/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'cub',
        await cubRoot(w, 'cub-zero', (d) => {
          writeFileSync(join(d, '006.Class_5', 'b.png'), '');
        }),
      ),
  },
  {
    input: 'a text file named .jpg',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /- .*010\.Class_9\/a\.jpg is not an image: it starts with "Not a photo\.", not with the signature of JPEG, PNG/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'cub',
        await cubRoot(w, 'cub-text', (d) => {
          writeFileSync(join(d, '010.Class_9', 'a.jpg'), 'Not a photo. Just text.\n');
        }),
      ),
  },
  {
    input: 'a huge image (40,000 x 40,000 in its header)',
    through: 'see-kit train (cub)',
    folder: 'fresh',
    expect: /- .*002\.Class_1\/a\.jpg is 40000 x 40000 = 1600000000 pixels, over the limit of 178956970 \(refused before decoding\)/,
    run: async (w, id) => {
      const small = await jpeg(64, 48, [10, 20, 30]);
      const sof = small.indexOf(Buffer.from([0xff, 0xc0]));
      small.writeUInt16BE(40000, sof + 5); // height
      small.writeUInt16BE(40000, sof + 7); // width
      return onData(
        w,
        id,
        'cub',
        await cubRoot(w, 'cub-huge', (d) => {
          writeFileSync(join(d, '002.Class_1', 'a.jpg'), small);
        }),
      );
    },
  },
  {
    input: 'a CMYK JPEG (must work)',
    through: 'image check + loader transforms',
    folder: 'library',
    works: true,
    expect:
      /^works: a CMYK JPEG \(cmyk, uchar\) passes the image check; the eval and train transforms give RGB within \d+\.\d\/255 of \(40, 120, 200\)$/,
    // sRGB -> CMYK -> sRGB through libvips's ICC profiles is not exact for saturated colours (about 20/255 here)
    run: async (w) =>
      mustWork(
        w,
        'cmyk.jpg',
        await sharp(await jpeg(40, 30, [40, 120, 200]))
          .toColourspace('cmyk')
          .jpeg({ quality: 100 })
          .toBuffer(),
        [40, 120, 200],
        'a CMYK JPEG',
        32,
      ),
  },
  {
    input: 'a 16-bit PNG (must work)',
    through: 'image check + loader transforms',
    folder: 'library',
    works: true,
    expect:
      /^works: a 16-bit PNG \(rgb16, ushort\) passes the image check; the eval and train transforms give RGB within 0\.\d\/255 of \(194\.6, 38\.9, 255\)$/,
    run: async (w) => {
      const px = new Uint16Array(40 * 30 * 3).map((_, i) => [50000, 10000, 65535][i % 3]); // 16-bit v is 8-bit v / 257
      const png = await sharp(px, { raw: { width: 40, height: 30, channels: 3 } })
        .toColourspace('rgb16')
        .png()
        .toBuffer();
      return mustWork(w, 'deep.png', png, [50000 / 257, 10000 / 257, 255], 'a 16-bit PNG', 0.51);
    },
  },
  {
    input: 'a truncated .mat',
    through: 'see-kit train (cars)',
    folder: 'fresh',
    expect: /cars_annos\.mat: element of type 14 at byte 128 claims 4096 bytes but the file ends at 200 \(truncated\?\)/,
    run: (w, id) => {
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(14, 0);
      tag.writeUInt32LE(4096, 4);
      return onData(w, id, 'cars', carsRoot(w, 'cars-cut', Buffer.concat([matHeader(), tag, Buffer.alloc(64)])));
    },
  },
  {
    input: 'a wrong-version .mat (v7.3, HDF5)',
    through: 'see-kit train (cars)',
    folder: 'fresh',
    expect: /cars_annos\.mat: not a level-5 MAT file \(header "MATLAB 7\.3 MAT-file,", endian "IM"; v7\.3\/HDF5 files are not supported\)/,
    run: (w, id) =>
      onData(
        w,
        id,
        'cars',
        carsRoot(
          w,
          'cars-v73',
          Buffer.concat([matHeader('MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .', 0x0200), Buffer.alloc(512)]),
        ),
      ),
  },
  {
    input: 'a list file with an absolute path',
    through: 'see-kit train (sop)',
    folder: 'fresh',
    expect:
      /Ebay_train\.txt:3: "\/etc\/passwd" is an absolute path; image paths in dataset files are relative to .*Stanford_Online_Products, and nothing outside it is read/,
    run: (w, id) => onData(w, id, 'sop', sopRoot(w, 'sop-abs', ebay('/etc/passwd'))),
  },
  {
    input: 'a list file with `..` path traversal',
    through: 'see-kit train (sop)',
    folder: 'fresh',
    expect:
      /Ebay_train\.txt:3: "bicycle_final\/\.\.\/\.\.\/\.\.\/secret\.JPG" points outside the dataset folder .*Stanford_Online_Products; nothing outside it is read/,
    run: (w, id) => onData(w, id, 'sop', sopRoot(w, 'sop-dotdot', ebay('bicycle_final/../../../secret.JPG'))),
  },
  {
    input: 'a list file with a non-UTF-8 name',
    through: 'see-kit train (sop)',
    folder: 'fresh',
    expect: /Ebay_train\.txt:3: not valid UTF-8 \(bytes from offset \d+\); dataset lists must name files in UTF-8/,
    run: (w, id) => onData(w, id, 'sop', sopRoot(w, 'sop-latin1', ebay(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2e, 0x4a, 0x50, 0x47])))), // "café.JPG" in Latin-1
  },
  {
    input: 'safetensors: a wrong key',
    through: 'see-kit train (weights file)',
    folder: 'fresh',
    expect:
      /strict weight load of .*wrong-key\.safetensors \(torchvision ResNet\) failed:\n {2}missing keys \(1\): conv1\.weight\n {2}unexpected keys \(1\): conv1\.weights/,
    run: (w, id) =>
      withWeights(
        w,
        id,
        weightsFile(w, 'wrong-key', (h) => {
          h['conv1.weights'] = h['conv1.weight'];
          delete h['conv1.weight'];
        }),
      ),
  },
  {
    input: 'safetensors: a wrong shape',
    through: 'see-kit train (weights file)',
    folder: 'fresh',
    expect: /mismatched shapes or dtypes \(1\): conv1\.weight: checkpoint \[8, 3, 49\] vs model \[8, 3, 7, 7\]/,
    run: (w, id) =>
      withWeights(
        w,
        id,
        weightsFile(w, 'wrong-shape', (h) => {
          h['conv1.weight'].shape = [8, 3, 49];
        }),
      ),
  },
  {
    input: 'safetensors: a wrong dtype',
    through: 'see-kit train (weights file)',
    folder: 'fresh',
    expect: /conv1\.weight: dtype I32, but a model parameter is floating point \(F32, F16, BF16 or F64\)/,
    run: (w, id) =>
      withWeights(
        w,
        id,
        weightsFile(w, 'wrong-dtype', (h) => {
          h['conv1.weight'].dtype = 'I32';
        }),
      ),
  },
  {
    input: 'safetensors: a truncated body',
    through: 'see-kit train (weights file)',
    folder: 'fresh',
    expect:
      /truncated-body\.safetensors: tensor "layer4\.0\.downsample\.1\.weight" ends at byte (\d+) of the data section, which has only \d+ bytes: the file is truncated/,
    run: (w, id) =>
      withWeights(
        w,
        id,
        weightsFile(w, 'truncated-body', (_h, body) => body.subarray(0, body.length - 100)),
      ),
  },
  {
    input: 'safetensors: a header length past the end of the file',
    through: 'see-kit train (weights file)',
    folder: 'fresh',
    expect: /header-past-end\.safetensors: header length 1000000 exceeds the file \(\d+ bytes\); not a safetensors file\?/,
    run: (w, id) =>
      withWeights(
        w,
        id,
        weightsFile(
          w,
          'header-past-end',
          () => undefined,
          () => 1_000_000,
        ),
      ),
  },
  {
    input: 'config: an unknown key',
    through: 'see-kit train (config file)',
    folder: 'fresh',
    expect: /unknown-key\.json: unknown key "train\.epoch"; expected one of train\.epochs, train\.lr/,
    run: (w, id) => train(w, configFile(w, 'unknown-key', { train: { epoch: 3 } }), id),
  },
  {
    input: 'config: a wrong type',
    through: 'see-kit train (config file)',
    folder: 'fresh',
    expect: /wrong-type\.json: "embeddingDim" is "eight" \(string\), expected a number like 128/,
    run: (w, id) => train(w, configFile(w, 'wrong-type', { embeddingDim: 'eight' }), id),
  },
  {
    input: 'config: a negative epoch count',
    through: 'see-kit train (config file)',
    folder: 'fresh',
    expect: /negative-epochs\.json: train: epochs=-3, expected an integer >= 1/,
    run: (w, id) => train(w, configFile(w, 'negative-epochs', { train: { epochs: -3 } }), id),
  },
  {
    input: 'config: K larger than the gallery',
    through: 'see-kit train (config file)',
    folder: 'fresh',
    expect:
      /evaluation K values \[1, 2, 100\] on 24 images \(each query ranked against the other 23\): K = 100 is larger than the 23 references each query is ranked against/,
    run: (w, id) => train(w, configFile(w, 'large-k', { evalKs: [1, 2, 100] }), id),
  },
  {
    input: '`SEE_BACKEND` unknown',
    through: 'see-kit train (environment)',
    folder: 'fresh',
    expect: /SEE_BACKEND="webgl2" is not a backend; expected one of auto, tensorflow, webgpu, wasm, cpu/,
    run: (w, id) => cli(['train', configFile(w, 'backend', {}), '--runs-root', w.runs, '--run-id', id], { SEE_BACKEND: 'webgl2' }),
  },
  {
    input: '`SEE_WASM_FMA` neither 0 nor 1',
    through: 'see-kit train (environment)',
    folder: 'fresh',
    expect:
      /SEE_WASM_FMA="yes": expected 1 \(fused multiply-adds where the WebAssembly has relaxed SIMD; the default\) or 0 \(multiply then add\)/,
    run: (w, id) => cli(['train', configFile(w, 'fma', {}), '--runs-root', w.runs, '--run-id', id], { SEE_WASM_FMA: 'yes' }),
  },
  {
    input: '`SEE_NATIVE_AVX512` neither auto nor 0',
    through: 'see-kit train (environment)',
    folder: 'fresh',
    expect:
      /SEE_NATIVE_AVX512="1": expected auto \(512-bit tiles where the CPU has AVX-512F; the default\) or 0 \(256-bit AVX2 tiles only\)/,
    run: (w, id) => cli(['train', configFile(w, 'avx512', {}), '--runs-root', w.runs, '--run-id', id], { SEE_NATIVE_AVX512: '1' }),
  },
  {
    input: 'resume: the data now has a truncated image',
    through: 'see-kit train --resume --data-root',
    folder: 'resume',
    expect: /1 of 48 image files cannot be used:\n- .*001\.U\+[0-9A-F]{4}\/DejaVuSans-Bold_1\.png is truncated: no PNG IEND chunk/,
    run: (w) => {
      const root = glyphRoot(w, 'glyphs-cut', (d) => {
        const [first] = readdirSync(d).sort();
        const file = join(d, first, 'DejaVuSans-Bold_1.png');
        const png = readFileSync(file);
        writeFileSync(file, png.subarray(0, png.length - 40));
      });
      return cli(['train', '--resume', w.baseRun, '--runs-root', w.runs, '--data-root', root]);
    },
  },
  {
    input: 'resume: a changed configuration (`--set train.lr=0.5`)',
    through: 'see-kit train --resume',
    folder: 'resume',
    expect:
      /the configuration differs from the checkpoint .*base\/checkpoint\.safetensors in 1 key\(s\):\n {2}train\.lr: 0\.01 in the checkpoint .*, 0\.5 in this resume/,
    run: (w) => cli(['train', '--resume', w.baseRun, '--runs-root', w.runs, '--set', 'train.lr=0.5']),
  },
  {
    input: 'folder dataset: an empty class folder',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect: /folder: class "c05" \(.*\/c05\) has no images; every class needs at least 2 images with one of the extensions \.jpg/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'folder',
        await folderRoot(w, 'folder-empty', (d) => {
          for (const f of ['0', '1', '2']) rmSync(join(d, 'c05', `${f}.png`));
        }),
      ),
  },
  {
    input: 'folder dataset: a class with one image',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect:
      /folder: class "c02" \(.*\/c02\) has only 1 image \(.*\/c02\/2\.png\); every class needs at least 2, so that each image has another of its class to be found/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'folder',
        await folderRoot(w, 'folder-one', (d) => {
          for (const f of ['0', '1']) rmSync(join(d, 'c02', `${f}.png`));
        }),
      ),
  },
  {
    input: 'folder dataset: an unreadable image (text named .png)',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect:
      /1 of 24 image files cannot be used:\n- .*c06\/1\.png is not an image: it starts with "Hello, world", not with the signature of JPEG, PNG/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'folder',
        await folderRoot(w, 'folder-text', (d) => {
          writeFileSync(join(d, 'c06', '1.png'), 'Hello, world.\n');
        }),
      ),
  },
  {
    input: 'folder dataset: too few classes for the batch',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect:
      /folder: .*folder-few has 4 training class\(es\), but a batch of train\.globalBatch=12 images with mPerClass=2 draws 6 different classes; lower train\.globalBatch to 8 or less, or add class folders/,
    run: async (w, id) =>
      train(
        w,
        configFile(w, id, { dataset: 'folder', dataRoot: await folderRoot(w, 'folder-few', () => undefined), train: { globalBatch: 12 } }),
        id,
      ),
  },
  {
    input: 'folder dataset: a training class that is not there',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect:
      /folder: folder\.trainClasses names "c99", not a class folder of .*folder-list \(its classes: c00, c01, c02, c03, c04, c05, c06, c07\)/,
    run: async (w, id) =>
      train(
        w,
        configFile(w, id, {
          dataset: 'folder',
          dataRoot: await folderRoot(w, 'folder-list', () => undefined),
          folder: { trainClasses: ['c00', 'c01', 'c02', 'c99'] },
        }),
        id,
      ),
  },
  {
    input: 'folder dataset: an image outside any class folder',
    through: 'see-kit train (folder)',
    folder: 'fresh',
    expect:
      /folder: 1 image\(s\) directly in .*folder-loose, outside any class folder: .*folder-loose\/stray\.png; an image's class is the folder it is in/,
    run: async (w, id) =>
      onData(
        w,
        id,
        'folder',
        await folderRoot(w, 'folder-loose', (d) => {
          writeFileSync(join(d, 'stray.png'), readFileSync(join(d, 'c00', '0.png')));
        }),
      ),
  },
];
