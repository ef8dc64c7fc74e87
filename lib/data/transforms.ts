/**
 * Image transforms of the official recipe, done with sharp (docs/official-recipe.md 3b, 3c):
 * train  = RandomResizedCrop(size, scale, ratio 3/4..4/3, bicubic) + RandomHorizontalFlip + Normalize
 * eval   = Resize(shorter side -> resizeTo, bicubic) + CenterCrop(size) + Normalize
 * The crop parameters follow torchvision's `RandomResizedCrop.get_params` (10 attempts, then the
 * centre-crop fallback) and `Resize`/`CenterCrop` rounding. Grayscale, CMYK and alpha images
 * become RGB (alpha dropped, as PIL's convert('RGB') does). Output: HWC float32, normalised.
 */
import sharp from 'sharp';
import { checkPixelLimit, MAX_IMAGE_PIXELS } from './image_check';
import { imageSize } from './image_size';
import { decodedRgb, decodeRgb } from './decoded_images';
import { pillowBicubic } from './pillow_resample';
import type { KeyedRandom } from '../random';

export interface TransformSpec {
  mode: 'train' | 'eval';
  /** output side (224 in the paper; 64 or less for glyphs) */
  size: number;
  /** eval: the shorter side before the centre crop (256 for 224) */
  resizeTo?: number;
  /** train: RandomResizedCrop area range, (0.08, 1) ResNet, (0.2, 1) ViT family */
  scale?: [number, number];
  /** train: aspect ratio range */
  ratio?: [number, number];
  /** train: random horizontal flip with probability 1/2 (default true) */
  hflip?: boolean;
  /** per-channel mean and std of the backbone's preprocessing, on the 0..1 scale */
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * how crops are resized: 'libvips' (default): sharp's cubic kernel, the image decoded each time;
   * 'pillow': Pillow's bicubic filter, exactly (./pillow_resample.ts), on pixels decoded once per
   * process (./decoded_images.ts): for small images, where sharp's per-image cost dominates
   */
  resampler?: 'libvips' | 'pillow';
}

export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/** The official train transform for a backbone name (scale (0.2, 1) when it contains vit/deit). */
export function trainSpec(model: string, size = 224, mean = IMAGENET_MEAN, std = IMAGENET_STD): TransformSpec {
  const vitFamily = model.includes('vit') || model.includes('deit');
  return { mode: 'train', size, scale: vitFamily ? [0.2, 1] : [0.08, 1], ratio: [3 / 4, 4 / 3], hflip: true, mean, std };
}

/** The official eval transform (shorter side size*256/224, then centre crop). */
export function evalSpec(size = 224, mean = IMAGENET_MEAN, std = IMAGENET_STD): TransformSpec {
  return { mode: 'eval', size, resizeTo: Math.round((size * 256) / 224), mean, std };
}

/**
 * The glyphs benchmark's training transform: mild crops, no flips (a mirrored character is another
 * character), resized with Pillow's bicubic filter from pixels decoded once (64 px PNGs).
 */
export function glyphTrainSpec(size = 32, mean = IMAGENET_MEAN, std = IMAGENET_STD): TransformSpec {
  return { mode: 'train', size, scale: [0.6, 1], ratio: [0.85, 1.18], hflip: false, mean, std, resampler: 'pillow' };
}

/** The glyphs benchmark's evaluation transform: the whole image resized to the input side (no crop), as in training. */
export function glyphEvalSpec(size = 32, mean = IMAGENET_MEAN, std = IMAGENET_STD): TransformSpec {
  return { mode: 'eval', size, resizeTo: size, mean, std, resampler: 'pillow' };
}

/** Python's round(): halves go to the even neighbour (torchvision's crop arithmetic uses it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Crop { left: number; top: number; width: number; height: number }

/** torchvision RandomResizedCrop.get_params on a width x height image. */
export function randomResizedCropParams(width: number, height: number, scale: [number, number], ratio: [number, number], rng: KeyedRandom): Crop {
  const area = width * height;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = pyRound(Math.sqrt(targetArea * aspect));
    const h = pyRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(0, height - h + 1), left: rng.int(0, width - w + 1), width: w, height: h };
    }
  }
  // fallback: central crop clamped to the ratio range
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) h = pyRound(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) { h = height; w = pyRound(h * Math.max(...ratio)); }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), width: w, height: h };
}

/** torchvision Resize(shorter side -> s) then CenterCrop(size): resized dims and the crop. */
export function evalResizeCropParams(width: number, height: number, resizeTo: number, size: number): { width: number; height: number; crop: Crop } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.floor((resizeTo * long) / short);
  const [rw, rh] = width <= height ? [resizeTo, newLong] : [newLong, resizeTo];
  if (rw < size || rh < size) throw new Error(`eval transform: resizeTo ${resizeTo} is smaller than the crop ${size}`);
  return { width: rw, height: rh, crop: { top: pyRound((rh - size) / 2), left: pyRound((rw - size) / 2), width: size, height: size } };
}

/**
 * Decodes one image file (or buffer) and applies `spec`. `rng` drives the train augmentation.
 * Returns [size, size, 3] HWC float32 normalised values. Errors name `path`.
 */
export async function transformImage(input: string | Buffer, spec: TransformSpec, rng?: KeyedRandom, path = typeof input === 'string' ? input : '(buffer)'): Promise<Float32Array> {
  try {
    if (spec.mode === 'train' && !rng) throw new Error('train transform needs an rng');
    const rgb = spec.resampler === 'pillow' ? await pillowTransform(input, spec, rng) : await libvipsTransform(input, spec, rng);
    const flip = spec.mode === 'train' && (spec.hflip ?? true) && (rng as KeyedRandom).next() < 0.5;
    return normalise(rgb, spec.mean, spec.std, flip ? spec.size : 0);
  } catch (e) {
    throw new Error(`${path}: cannot decode or transform image (${(e as Error).message}); repair or re-download it, or name it in the loader's skip list`);
  }
}

/** torchvision's RandomResizedCrop parameters under `spec` (ResNet's scale and ratio where it names none). */
function trainCrop(width: number, height: number, spec: TransformSpec, rng: KeyedRandom): Crop {
  return randomResizedCropParams(width, height, spec.scale ?? [0.08, 1], spec.ratio ?? [3 / 4, 4 / 3], rng);
}

const DECODE_OPTIONS = { failOn: 'truncated', limitInputPixels: MAX_IMAGE_PIXELS } as const;

/** sharp does it all: decode, crop, cubic resize; [size, size, 3] bytes. */
async function libvipsTransform(input: string | Buffer, spec: TransformSpec, rng?: KeyedRandom): Promise<Uint8Array> {
  const meta = (typeof input !== 'string' && imageSize(input)) || (await sharp(input, DECODE_OPTIONS).metadata());
  if (!meta.width || !meta.height) throw new Error('no image dimensions');
  checkPixelLimit(meta.width, meta.height, 'image');
  let img = sharp(input, DECODE_OPTIONS).toColourspace('srgb');
  if (spec.mode === 'train') {
    const crop = trainCrop(meta.width, meta.height, spec, rng as KeyedRandom);
    img = img.extract(crop).resize(spec.size, spec.size, { fit: 'fill', kernel: 'cubic' });
  } else {
    const p = evalResizeCropParams(meta.width, meta.height, spec.resizeTo ?? spec.size, spec.size);
    img = img.resize(p.width, p.height, { fit: 'fill', kernel: 'cubic' }).extract(p.crop);
  }
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== spec.size || info.height !== spec.size) {
    throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, expected ${spec.size}x${spec.size}x3`);
  }
  return data;
}

/** Pixels decoded once (a file) or now (a buffer), then torchvision's crop and resize on them as Pillow does it. */
async function pillowTransform(input: string | Buffer, spec: TransformSpec, rng?: KeyedRandom): Promise<Uint8Array> {
  const check = (w: number, h: number): void => checkPixelLimit(w, h, 'image');
  const image = typeof input === 'string' ? await decodedRgb(input, DECODE_OPTIONS, check) : await decodeRgb(input, DECODE_OPTIONS, check);
  if (spec.mode === 'train') {
    return pillowBicubic(image, trainCrop(image.width, image.height, spec, rng as KeyedRandom), spec.size, spec.size);
  }
  const p = evalResizeCropParams(image.width, image.height, spec.resizeTo ?? spec.size, spec.size);
  const resized = pillowBicubic(image, { left: 0, top: 0, width: image.width, height: image.height }, p.width, p.height);
  return pillowBicubic({ data: resized, width: p.width, height: p.height }, p.crop, spec.size, spec.size); // a crop at its own size: copied
}

/**
 * uint8 HWC RGB -> float32 (v / 255 - mean) / std; with `flipWidth` > 0 the rows are also
 * mirrored (the horizontal flip, done here rather than as a separate libvips pass).
 */
export function normalise(rgb: Uint8Array, mean: readonly number[], std: readonly number[], flipWidth = 0): Float32Array {
  const out = new Float32Array(rgb.length);
  // one 256-entry lookup table per channel
  const lut = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean[c]) / std[c]));
  const [l0, l1, l2] = lut;
  const row = flipWidth * 3;
  if (!row) {
    for (let i = 0; i < rgb.length; i += 3) {
      out[i] = l0[rgb[i]];
      out[i + 1] = l1[rgb[i + 1]];
      out[i + 2] = l2[rgb[i + 2]];
    }
    return out;
  }
  for (let r = 0; r < rgb.length; r += row) {
    // mirrored within the row: output pixel x takes source pixel (width - 1 - x)
    for (let x = 0, j = r + row - 3; x < row; x += 3, j -= 3) {
      out[r + x] = l0[rgb[j]];
      out[r + x + 1] = l1[rgb[j + 1]];
      out[r + x + 2] = l2[rgb[j + 2]];
    }
  }
  return out;
}
