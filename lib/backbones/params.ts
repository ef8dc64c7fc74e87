/**
 * Parameter specs and the store that owns a backbone's variables.
 *
 * Every tensor of a backbone is declared once as a ParamSpec under its PyTorch state-dict name,
 * with its PyTorch shape and the layout transform that turns it into the tfjs layout. The key
 * maps (key_maps.ts) and the strict loader (weights.ts) work from these specs; the models read
 * their variables from the store by the same names, so checkpoint and model cannot drift apart.
 */
import { seededNormal } from '../random';
import { tf } from '../tf';

/**
 * Layout transforms from PyTorch to tfjs, applied by name:
 * - conv_oihw_to_hwio: Conv2d weight [O, I, kH, kW] -> [kH, kW, I, O]
 * - linear_out_in_to_in_out: Linear weight [out, in] -> [in, out]
 * - none: same layout (biases, norms, tokens, position embeddings)
 */
export type Transform = 'conv_oihw_to_hwio' | 'linear_out_in_to_in_out' | 'none';

export type Init = { kind: 'normal'; std: number } | { kind: 'ones' } | { kind: 'zeros' };

export interface ParamSpec {
  /** PyTorch state-dict name, e.g. "layer1.0.conv2.weight" */
  key: string;
  torchShape: number[];
  transform: Transform;
  init: Init;
  /** statistics (BatchNorm running mean/var) are never trained */
  role: 'weight' | 'statistic';
}

/** The tfjs shape of a spec after its transform. */
export function tfShape(spec: ParamSpec): number[] {
  const s = spec.torchShape;
  if (spec.transform === 'conv_oihw_to_hwio') return [s[2], s[3], s[1], s[0]];
  if (spec.transform === 'linear_out_in_to_in_out') return [s[1], s[0]];
  return [...s];
}

/** Applies the spec's transform to a PyTorch-layout tensor. */
export function toTfLayout(spec: ParamSpec, torchTensor: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (spec.transform === 'conv_oihw_to_hwio') return tf.transpose(torchTensor, [2, 3, 1, 0]);
    if (spec.transform === 'linear_out_in_to_in_out') return tf.transpose(torchTensor, [1, 0]);
    return torchTensor.clone();
  });
}

/** Inverse of toTfLayout, for exporting in PyTorch layout. */
export function toTorchLayout(spec: ParamSpec, tfTensor: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (spec.transform === 'conv_oihw_to_hwio') return tf.transpose(tfTensor, [3, 2, 0, 1]);
    if (spec.transform === 'linear_out_in_to_in_out') return tf.transpose(tfTensor, [1, 0]);
    return tfTensor.clone();
  });
}

/** Owns one tf.Variable per spec, keyed by the PyTorch name. */
export class ParamStore {
  readonly specs: ParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();

  /** `trainable(spec)` decides which weights train (statistics never do). */
  constructor(specs: ParamSpec[], trainable: (spec: ParamSpec) => boolean, seed = 0) {
    this.specs = specs;
    specs.forEach((spec, i) => {
      if (this.vars.has(spec.key)) throw new Error(`ParamStore: duplicate parameter "${spec.key}"`);
      const shape = tfShape(spec);
      const n = shape.reduce((x, y) => x * y, 1);
      const init = spec.init;
      const values =
        init.kind === 'normal' ? seededNormal(n, seed * 100003 + i + 1, init.std) : new Float32Array(n).fill(init.kind === 'ones' ? 1 : 0);
      const isTrainable = spec.role === 'weight' && trainable(spec);
      const initial = tf.tensor(values, shape, 'float32');
      this.vars.set(spec.key, tf.variable(initial, isTrainable));
      initial.dispose();
    });
  }

  /** The variable of a PyTorch key; throws on an unknown name. */
  get(key: string): tf.Variable {
    const v = this.vars.get(key);
    if (!v) throw new Error(`ParamStore: no parameter "${key}"`);
    return v;
  }

  has(key: string): boolean {
    return this.vars.has(key);
  }

  trainableVariables(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  /** Every tensor by PyTorch name (tfjs layout), statistics included. */
  named(): Map<string, tf.Tensor> {
    return new Map(this.vars);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
