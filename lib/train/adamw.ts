/**
 * AdamW with decoupled weight decay, following torch.optim.AdamW (PyTorch 1.10, the version the
 * official SEE code pins; Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019).
 * tfjs has no AdamW, and its tf.train.adam folds bias correction into lr differently, so the
 * update is written out here:
 *
 *   p <- p * (1 - lr * wd)
 *   m <- b1 m + (1 - b1) g            v <- b2 v + (1 - b2) g^2
 *   p <- p - (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *
 * State is per variable (m, v and its own step count t), as in torch: a variable whose gradient
 * is missing in a step is skipped and its t does not advance. lr may be 0 (the official backbone
 * freeze): the moments still accumulate and t still advances, exactly as torch does.
 * Official eps: 1e-4 because the scripts train with use_fp16 (docs/official-recipe.md section 5).
 */
import { tf } from '../tf';
import { heapAdamW, heapAdamWInPlace, type AdamWScalars, type AdamWUpdate } from '../backend/wasm_kernels/adamw_update';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

/** The official optimizer settings: torch defaults for betas, eps 1e-4 (use_fp16 in every script). */
export const OFFICIAL_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-4 };

/** A group of variables sharing one learning rate and weight decay. */
export interface OptimizerGroup {
  name: string;
  variables: tf.Variable[];
  weightDecay: number;
}

interface Slot {
  m: tf.Variable;
  v: tf.Variable;
  step: number;
}

/** Plain-array snapshot of one variable's optimizer state (for checkpoints). */
export interface AdamWSlotState {
  shape: number[];
  m: Float32Array;
  v: Float32Array;
  step: number;
}

/** The update written out in tfjs kernels (every backend): new [p, m, v]. */
export const compositeUpdate: AdamWUpdate = (p, m, v, g, s) => {
  const decayed = s.decay === 1 ? p : tf.mul(p, s.decay);
  const m2 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
  const v2 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
  const denom = tf.add(tf.div(tf.sqrt(v2), s.sqrtBiasCorrection2), s.eps);
  return [tf.sub(decayed, tf.mul(tf.div(m2, denom), s.stepSize)), m2, v2];
};

export class AdamW {
  private readonly slots = new Map<tf.Variable, Slot>();

  constructor(
    readonly groups: readonly OptimizerGroup[],
    readonly options: AdamWOptions = OFFICIAL_ADAMW,
  ) {
    const seen = new Set<tf.Variable>();
    for (const g of groups) {
      if (!(g.weightDecay >= 0)) throw new Error(`AdamW group "${g.name}": weightDecay=${g.weightDecay}, expected >= 0`);
      for (const v of g.variables) {
        if (seen.has(v)) throw new Error(`AdamW: variable "${v.name}" is in more than one group (second: "${g.name}")`);
        seen.add(v);
      }
    }
    const { beta1, beta2, eps } = options;
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
      throw new Error(`AdamW options ${JSON.stringify(options)}: expected 0 <= beta < 1 and eps > 0`);
    }
  }

  /** Every variable the optimizer updates, group by group. */
  variables(): tf.Variable[] {
    return this.groups.flatMap((g) => g.variables);
  }

  /**
   * One update. `grads` maps variable name -> gradient (tf.variableGrads' output); `lrs` maps
   * group name -> learning rate for this step. Gradients are not disposed here (the caller owns them).
   */
  step(grads: tf.NamedTensorMap, lrs: Readonly<Record<string, number>>): void {
    const { beta1, beta2, eps } = this.options;
    // one pass per variable on the wasm heap (bit for bit the composite), written over the weight and
    // its moments where nothing else holds them; the composite elsewhere
    const update = heapAdamW() ?? compositeUpdate;
    const inPlace = heapAdamWInPlace();
    for (const g of this.groups) {
      const lr = lrs[g.name];
      if (lr === undefined || !Number.isFinite(lr) || lr < 0) {
        throw new Error(`AdamW.step: learning rate for group "${g.name}" is ${lr}, expected a finite number >= 0`);
      }
      for (const variable of g.variables) {
        const grad = grads[variable.name];
        if (grad === undefined) continue; // torch skips parameters whose .grad is None
        const slot = this.slotFor(variable);
        slot.step += 1;
        const scalars: AdamWScalars = {
          beta1,
          beta2,
          eps,
          decay: 1 - lr * g.weightDecay,
          stepSize: lr / (1 - beta1 ** slot.step),
          sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** slot.step),
        };
        if (inPlace?.(variable, slot.m, slot.v, grad, scalars)) continue;
        tf.tidy(() => {
          const [p, m, v] = update(variable, slot.m, slot.v, grad, scalars);
          slot.m.assign(m);
          slot.v.assign(v);
          variable.assign(p);
        });
      }
    }
  }

  /** Snapshot of the state, keyed "<group>/<index in group>" (stable across processes). */
  async getState(): Promise<Map<string, AdamWSlotState>> {
    const out = new Map<string, AdamWSlotState>();
    for (const g of this.groups) {
      for (let i = 0; i < g.variables.length; i++) {
        const slot = this.slots.get(g.variables[i]);
        if (!slot) continue;
        const [m, v] = await Promise.all([slot.m.data(), slot.v.data()]);
        out.set(`${g.name}/${i}`, { shape: slot.m.shape.slice(), m: m as Float32Array, v: v as Float32Array, step: slot.step });
      }
    }
    return out;
  }

  /** Restores a snapshot from getState(); every key must name a variable of matching shape. */
  setState(state: Map<string, AdamWSlotState>): void {
    const byKey = new Map<string, tf.Variable>();
    for (const g of this.groups) g.variables.forEach((v, i) => byKey.set(`${g.name}/${i}`, v));
    for (const [key, s] of state) {
      const variable = byKey.get(key);
      if (!variable) throw new Error(`AdamW.setState: state "${key}" names no variable; expected one of ${[...byKey.keys()].join(', ')}`);
      if (s.shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`AdamW.setState: "${key}" has shape [${s.shape}] but the variable has [${variable.shape}]`);
      }
      const slot = this.slotFor(variable);
      tf.tidy(() => {
        slot.m.assign(tf.tensor(s.m, s.shape, 'float32'));
        slot.v.assign(tf.tensor(s.v, s.shape, 'float32'));
      });
      slot.step = s.step;
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }

  private slotFor(variable: tf.Variable): Slot {
    let slot = this.slots.get(variable);
    if (!slot) {
      slot = {
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        step: 0,
      };
      this.slots.set(variable, slot);
    }
    return slot;
  }
}
