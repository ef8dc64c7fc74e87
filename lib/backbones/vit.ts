/**
 * Vision Transformer in timm's layout (timm/models/vision_transformer.py, and its 0.4.12
 * DeiT distilled variant; DINO's vision_transformer.py uses the same key names):
 * patch_embed.proj (conv k=s=patch), cls_token, optional dist_token, pos_embed, pre-norm blocks
 * (norm1, fused attn.qkv, attn.proj, norm2, mlp.fc1, exact GELU, mlp.fc2), final norm, class
 * token after the final norm. LayerNorm eps 1e-6. Position embeddings are resampled (bicubic)
 * when the input grid differs from the configured one.
 */
import { tf } from '../tf';
import { attention } from './attention';
import { conv2dTorch } from './conv';
import { layerNorm } from './layer_norm';
import { mlp } from './mlp';
import type { ParamSpec, ParamStore } from './params';
import { resamplePosEmbed } from './pos_embed';

export interface ViTConfig {
  imgSize: number;
  patchSize: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  mlpRatio: number;
  /** DeiT distilled: a distillation token after the class token */
  distilled: boolean;
}

export const VIT_SMALL_16: ViTConfig = {
  imgSize: 224,
  patchSize: 16,
  embedDim: 384,
  depth: 12,
  numHeads: 6,
  mlpRatio: 4,
  distilled: false,
};
export const LN_EPS_VIT = 1e-6;

export function vitPrefixTokens(cfg: ViTConfig): number {
  return cfg.distilled ? 2 : 1;
}

function linearSpecs(prefix: string, out: number, inp: number): ParamSpec[] {
  return [
    {
      key: `${prefix}.weight`,
      torchShape: [out, inp],
      transform: 'linear_out_in_to_in_out',
      init: { kind: 'normal', std: 0.02 },
      role: 'weight',
    },
    { key: `${prefix}.bias`, torchShape: [out], transform: 'none', init: { kind: 'zeros' }, role: 'weight' },
  ];
}

function lnSpecs(prefix: string, d: number): ParamSpec[] {
  return [
    { key: `${prefix}.weight`, torchShape: [d], transform: 'none', init: { kind: 'ones' }, role: 'weight' },
    { key: `${prefix}.bias`, torchShape: [d], transform: 'none', init: { kind: 'zeros' }, role: 'weight' },
  ];
}

/** Every tensor of the timm state dict this model uses, classifier heads excluded. */
export function vitSpecs(cfg: ViTConfig): ParamSpec[] {
  const d = cfg.embedDim;
  const p = cfg.patchSize;
  const grid = Math.floor(cfg.imgSize / p);
  const hidden = Math.round(d * cfg.mlpRatio);
  const token = (key: string, n: number): ParamSpec => ({
    key,
    torchShape: [1, n, d],
    transform: 'none',
    init: { kind: 'normal', std: 0.02 },
    role: 'weight',
  });
  const specs: ParamSpec[] = [
    {
      key: 'patch_embed.proj.weight',
      torchShape: [d, 3, p, p],
      transform: 'conv_oihw_to_hwio',
      init: { kind: 'normal', std: Math.sqrt(1 / (3 * p * p)) },
      role: 'weight',
    },
    { key: 'patch_embed.proj.bias', torchShape: [d], transform: 'none', init: { kind: 'zeros' }, role: 'weight' },
    token('cls_token', 1),
    ...(cfg.distilled ? [token('dist_token', 1)] : []),
    token('pos_embed', grid * grid + vitPrefixTokens(cfg)),
  ];
  for (let i = 0; i < cfg.depth; i++) {
    const b = `blocks.${i}`;
    specs.push(...lnSpecs(`${b}.norm1`, d), ...linearSpecs(`${b}.attn.qkv`, 3 * d, d), ...linearSpecs(`${b}.attn.proj`, d, d));
    specs.push(...lnSpecs(`${b}.norm2`, d), ...linearSpecs(`${b}.mlp.fc1`, hidden, d), ...linearSpecs(`${b}.mlp.fc2`, d, hidden));
  }
  specs.push(...lnSpecs('norm', d));
  return specs;
}

/** Token sequence after the final norm: [B, prefix + N, D] for NHWC images [B, H, W, 3]. */
export const vitTokens = tf.op({
  vitTokens_(p: ParamStore, cfg: ViTConfig, images: tf.Tensor4D): tf.Tensor3D {
    const g = <T extends tf.Tensor>(k: string): T => p.get(k) as unknown as T;
    const v = (k: string): tf.Tensor1D => g<tf.Tensor1D>(k);
    const [b, h, w] = images.shape;
    const ps = cfg.patchSize;
    const gh = Math.floor(h / ps);
    const gw = Math.floor(w / ps);
    const d = cfg.embedDim;
    const patches = conv2dTorch(images, g('patch_embed.proj.weight'), v('patch_embed.proj.bias'), ps, 0, false); // [B, gh, gw, D] (no dL/dimages)
    const prefixTokens = [tf.tile(g<tf.Tensor3D>('cls_token'), [b, 1, 1])]; // [B, 1, D]
    if (cfg.distilled) prefixTokens.push(tf.tile(g<tf.Tensor3D>('dist_token'), [b, 1, 1]));
    let x: tf.Tensor3D = tf.concat([...prefixTokens, tf.reshape(patches, [b, gh * gw, d])], 1); // [B, prefix+N, D]
    const prefix = vitPrefixTokens(cfg);
    const grid = Math.floor(cfg.imgSize / ps);
    let pos = g<tf.Tensor3D>('pos_embed'); // [1, prefix + grid^2, D]
    if (gh !== grid || gw !== grid) pos = resamplePosEmbed(pos, prefix, [grid, grid], [gh, gw]);
    x = tf.add(x, pos);
    for (let i = 0; i < cfg.depth; i++) {
      const k = `blocks.${i}`;
      const n1 = layerNorm(x, v(`${k}.norm1.weight`), v(`${k}.norm1.bias`), LN_EPS_VIT);
      x = tf.add(
        x,
        attention(
          n1,
          {
            qkv: g(`${k}.attn.qkv.weight`),
            qkvBias: g(`${k}.attn.qkv.bias`),
            proj: g(`${k}.attn.proj.weight`),
            projBias: g(`${k}.attn.proj.bias`),
          },
          cfg.numHeads,
        ),
      );
      const n2 = layerNorm(x, v(`${k}.norm2.weight`), v(`${k}.norm2.bias`), LN_EPS_VIT);
      x = tf.add(
        x,
        mlp(n2, {
          fc1: g(`${k}.mlp.fc1.weight`),
          fc1Bias: g(`${k}.mlp.fc1.bias`),
          fc2: g(`${k}.mlp.fc2.weight`),
          fc2Bias: g(`${k}.mlp.fc2.bias`),
        }),
      );
    }
    return layerNorm(x, v('norm.weight'), v('norm.bias'), LN_EPS_VIT); // [B, prefix+N, D]
  },
});

/**
 * Pooled features [B, D]: the class token; for DeiT distilled, as timm 0.4.12 with the heads
 * reset, the class token in training and the mean of class and distillation tokens in eval.
 */
export const vitFeatures = tf.op({
  vitFeatures_(p: ParamStore, cfg: ViTConfig, images: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const x = vitTokens(p, cfg, images); // [B, T, D]
    const [b, , d] = x.shape;
    const cls = tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D; // [B, D]
    if (!cfg.distilled || training) return cls;
    const dist = tf.reshape(tf.slice(x, [0, 1, 0], [b, 1, d]), [b, d]); // [B, D]
    return tf.div(tf.add(cls, dist), 2) as tf.Tensor2D;
  },
});
