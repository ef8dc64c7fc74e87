/**
 * The loss registry: every loss the kit trains, by the name a run specification uses
 * (`loss: { name, options }`, `--set loss.name=multi_similarity`). Run-spec validation, buildRun
 * (lib/experiments/build_run.ts), the table of trainable rows (lib/experiments/registry.ts) and
 * `see-kit list --losses` all read this one list.
 *
 * Adding a loss: write lib/losses/<name>.ts with the class (implementing MetricLoss) and its entry
 * (`export const MY_LOSS = lossEntry({ title, reference, options, create })`), then add one line
 * `my_loss: MY_LOSS,` below (with its import).
 */
import { entryOf, resolveNamed, type NamedOptions } from '../options';
import type { MetricLoss } from '../types';
import type { LossContext, LossEntry } from './loss_entry';
import { HYP_CONTRASTIVE } from './hyp_contrastive';
import { MULTI_SIMILARITY } from './multi_similarity';
import { NORMALIZED_SOFTMAX } from './normalized_softmax';
import { PROXY_ANCHOR } from './proxy_anchor';
import { PROXY_NCA, PROXY_NCA_PP } from './proxy_nca';
import { SEE_PROXY_ANCHOR } from './see_proxy_anchor';
import { SOFT_TRIPLE } from './soft_triple';
import { SUP_CON } from './sup_con';

export const LOSSES = {
  see_proxy_anchor: SEE_PROXY_ANCHOR,
  proxy_anchor: PROXY_ANCHOR,
  normalized_softmax: NORMALIZED_SOFTMAX,
  proxy_nca: PROXY_NCA,
  proxy_nca_pp: PROXY_NCA_PP,
  multi_similarity: MULTI_SIMILARITY,
  soft_triple: SOFT_TRIPLE,
  sup_con: SUP_CON,
  hyp_contrastive: HYP_CONTRASTIVE,
} satisfies Record<string, LossEntry>;

export type LossName = keyof typeof LOSSES;

/** A loss as a run specification holds it: the registry name and its complete options. */
export type LossSpec = NamedOptions<LossName>;

export function lossNames(): LossName[] {
  return Object.keys(LOSSES) as LossName[];
}

/** The entry of a name; an unknown name throws listing the registered ones. */
export function getLossEntry(name: string): LossEntry {
  return entryOf<LossEntry>(LOSSES, 'loss', name);
}

/** The loss's complete options: its defaults with `given` over them, every value checked. */
export function resolveLoss(name: string, given: Readonly<Record<string, unknown>> = {}): LossSpec {
  return resolveNamed(LOSSES, 'loss', name, given);
}

/** A new loss from its specification (options checked and completed first). */
export function createLoss(spec: { name: string; options?: Readonly<Record<string, unknown>> }, context: LossContext): MetricLoss {
  const { name, options } = resolveLoss(spec.name, spec.options);
  return getLossEntry(name).create(context, options);
}

/** The registered loss whose method the SEE paper's table names `method` (e.g. "MS"), if any. */
export function lossOfPaperMethod(method: string): LossName | undefined {
  return lossNames().find((n) => LOSSES[n].paperMethod === method);
}
