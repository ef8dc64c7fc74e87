/**
 * ResNet with Bottleneck blocks in torchvision's layout (torchvision/models/resnet.py, v1.5:
 * stride in the 3x3 conv), as SEE's models/resnet.py wraps it: BatchNorm statistics frozen and
 * features = AdaptiveAvgPool2d(1) + AdaptiveMaxPool2d(1) of the last stage (2048-d for ResNet-50).
 * Widths and depths are configurable so tiny variants run this very code in tests.
 */
import { tf } from '../tf';
import { batchNormFrozenFused } from './batch_norm';
import { conv2dTorch, maxPool2dTorch } from './conv';
import { GradientHandoff } from './gradient_handoff';
import type { ParamSpec, ParamStore } from './params';

export interface ResNetConfig {
  /** channels of the 7x7 stem (64) */
  stemWidth: number;
  /** planes of each stage (64, 128, 256, 512); a stage outputs planes * 4 channels */
  planes: number[];
  /** blocks per stage (3, 4, 6, 3 for ResNet-50) */
  depths: number[];
}

export const RESNET50: ResNetConfig = { stemWidth: 64, planes: [64, 128, 256, 512], depths: [3, 4, 6, 3] };
const EXPANSION = 4;

/** Feature dimension: last stage planes * 4. */
export function resnetFeatureDim(cfg: ResNetConfig): number {
  return cfg.planes[cfg.planes.length - 1] * EXPANSION;
}

function convSpec(key: string, out: number, inp: number, k: number): ParamSpec {
  return {
    key,
    torchShape: [out, inp, k, k],
    transform: 'conv_oihw_to_hwio',
    init: { kind: 'normal', std: Math.sqrt(2 / (inp * k * k)) },
    role: 'weight',
  };
}

function bnSpecs(prefix: string, c: number): ParamSpec[] {
  return [
    { key: `${prefix}.weight`, torchShape: [c], transform: 'none', init: { kind: 'ones' }, role: 'weight' },
    { key: `${prefix}.bias`, torchShape: [c], transform: 'none', init: { kind: 'zeros' }, role: 'weight' },
    { key: `${prefix}.running_mean`, torchShape: [c], transform: 'none', init: { kind: 'zeros' }, role: 'statistic' },
    { key: `${prefix}.running_var`, torchShape: [c], transform: 'none', init: { kind: 'ones' }, role: 'statistic' },
  ];
}

interface BlockShape {
  prefix: string;
  inp: number;
  width: number;
  out: number;
  stride: number;
  downsample: boolean;
}

function blockShapes(cfg: ResNetConfig): BlockShape[] {
  const blocks: BlockShape[] = [];
  let inp = cfg.stemWidth;
  cfg.planes.forEach((planes, s) => {
    for (let i = 0; i < cfg.depths[s]; i++) {
      const stride = i === 0 && s > 0 ? 2 : 1;
      const out = planes * EXPANSION;
      blocks.push({ prefix: `layer${s + 1}.${i}`, inp, width: planes, out, stride, downsample: i === 0 && (stride !== 1 || inp !== out) });
      inp = out;
    }
  });
  return blocks;
}

/** Every tensor of the torchvision state dict this model uses, fc excluded. */
export function resnetSpecs(cfg: ResNetConfig): ParamSpec[] {
  const specs: ParamSpec[] = [convSpec('conv1.weight', cfg.stemWidth, 3, 7), ...bnSpecs('bn1', cfg.stemWidth)];
  for (const b of blockShapes(cfg)) {
    specs.push(convSpec(`${b.prefix}.conv1.weight`, b.width, b.inp, 1), ...bnSpecs(`${b.prefix}.bn1`, b.width));
    specs.push(convSpec(`${b.prefix}.conv2.weight`, b.width, b.width, 3), ...bnSpecs(`${b.prefix}.bn2`, b.width));
    specs.push(convSpec(`${b.prefix}.conv3.weight`, b.out, b.width, 1), ...bnSpecs(`${b.prefix}.bn3`, b.out));
    if (b.downsample)
      specs.push(convSpec(`${b.prefix}.downsample.0.weight`, b.out, b.inp, 1), ...bnSpecs(`${b.prefix}.downsample.1`, b.out));
  }
  return specs;
}

/** frozen BatchNorm, then the residual sum (its gradient given to `residualGradientTo` if set) and the ReLU when asked, as one op (batch_norm.ts) */
function bn(
  p: ParamStore,
  prefix: string,
  x: tf.Tensor4D,
  relu: boolean,
  residual?: tf.Tensor4D,
  residualGradientTo?: GradientHandoff,
): tf.Tensor4D {
  const g = (n: string): tf.Tensor1D => p.get(`${prefix}.${n}`) as tf.Tensor1D;
  return batchNormFrozenFused(x, g('running_mean'), g('running_var'), g('weight'), g('bias'), { relu, residual, residualGradientTo });
}

function conv(
  p: ParamStore,
  key: string,
  x: tf.Tensor4D,
  stride: number,
  padding: number,
  inputGradient = true,
  addInputGradientFrom?: GradientHandoff,
): tf.Tensor4D {
  return conv2dTorch(x, p.get(key) as tf.Tensor4D, null, stride, padding, inputGradient, addInputGradientFrom);
}

/** Last-stage feature map [B, h, w, C] of NHWC images [B, H, W, 3]. */
export const resnetFeatureMap = tf.op({
  resnetFeatureMap_(p: ParamStore, cfg: ResNetConfig, images: tf.Tensor4D): tf.Tensor4D {
    // no dL/dimages: the stem's input gradient would be a convolution as costly as the stem itself
    let x = bn(p, 'bn1', conv(p, 'conv1.weight', images, 2, 3, false), true); // [B, H/2, W/2, stem]
    x = maxPool2dTorch(x, 3, 2, 1); // [B, H/4, W/4, stem]
    for (const b of blockShapes(cfg)) {
      // one tidy per block frees its intermediates and its input at once (backprop keeps
      // its own copies of what it saved), so inference holds about one block's activations
      const input = x;
      x = tf.tidy(() => bottleneck(p, b, input));
      input.dispose();
    }
    return x;
  },
});

/**
 * torchvision Bottleneck: 1x1 -> 3x3 (stride) -> 1x1, plus the (downsampled) identity. In a block
 * without downsampling, x's two gradients (through conv1 and through the residual sum) meet in
 * conv1's input gradient, not in an Add of the tape's: the residual sum's op hands its gradient over
 * (gradient_handoff.ts). With downsampling they meet in the tape's Add: the downsampling
 * convolution's only other input is its kernel, and a tape asked for other gradients would skip it.
 */
function bottleneck(p: ParamStore, b: BlockShape, x: tf.Tensor4D): tf.Tensor4D {
  const xGradient = b.downsample ? undefined : new GradientHandoff();
  let y = bn(p, `${b.prefix}.bn1`, conv(p, `${b.prefix}.conv1.weight`, x, 1, 0, true, xGradient), true); // [B, h, w, width]
  y = bn(p, `${b.prefix}.bn2`, conv(p, `${b.prefix}.conv2.weight`, y, b.stride, 1), true); // [B, h/s, w/s, width]
  const identity = b.downsample ? bn(p, `${b.prefix}.downsample.1`, conv(p, `${b.prefix}.downsample.0.weight`, x, b.stride, 0), false) : x;
  return bn(p, `${b.prefix}.bn3`, conv(p, `${b.prefix}.conv3.weight`, y, 1, 0), true, identity, xGradient); // [B, h/s, w/s, out]
}

/** SEE's ResNet features: global average pool + global max pool of the last stage -> [B, C]. */
export const resnetFeatures = tf.op({
  resnetFeatures_(p: ParamStore, cfg: ResNetConfig, images: tf.Tensor4D): tf.Tensor2D {
    const fmap = resnetFeatureMap(p, cfg, images); // [B, h, w, C]
    return tf.add(tf.mean(fmap, [1, 2]), tf.max(fmap, [1, 2])); // [B, C]
  },
});
