/**
 * The head registry: every embedding head a run specification can name (`head: { name, options }`).
 * Adding a head: a file with the class (implementing Head, ./head_entry.ts) and its entry, and one
 * line here.
 */
import { entryOf, resolveNamed, type NamedOptions } from '../options';
import type { Head, HeadContext, HeadEntry } from './head_entry';
import { NORMALIZED_LINEAR } from './head';
import { L2_NORMALIZE } from './l2_normalize_head';
import { HYPERBOLIC } from './hyperbolic_head';

export const HEADS = {
  normalized_linear: NORMALIZED_LINEAR,
  l2_normalize: L2_NORMALIZE,
  hyperbolic: HYPERBOLIC,
} satisfies Record<string, HeadEntry>;

export type HeadName = keyof typeof HEADS;
export type HeadSpec = NamedOptions<HeadName>;

/** SEE's head with its official options (what a run specification has unless it says otherwise). */
export const DEFAULT_HEAD: HeadSpec = resolveHead('normalized_linear');

/** The head's complete options: its defaults with `given` over them, every value checked. */
export function resolveHead(name: string, given: Readonly<Record<string, unknown>> = {}): HeadSpec {
  return resolveNamed(HEADS, 'head', name, given);
}

/** A new head from its specification (options checked and completed first). */
export function createHead(spec: { name: string; options?: Readonly<Record<string, unknown>> }, context: HeadContext): Head {
  const { name, options } = resolveHead(spec.name, spec.options);
  return entryOf<HeadEntry>(HEADS, 'head', name).create(context, options);
}
