/**
 * `see-kit features <spec>`: the features cache a frozen-backbone run of the spec uses, made ahead
 * (or found current, or rebuilt when stale, with the reason). The spec's own mode options are
 * used when it is a frozen_backbone spec, the mode's defaults otherwise. Images are checked first,
 * as a run checks them.
 */
import { checkImageFiles } from '../data/image_check';
import type { FeatureCache } from '../features/cache';
import { buildData, prepareRun } from './build_run';
import { resolveMode, type ModeContext } from './modes';
import { checkSpec, type RunSpec } from './run_spec';

export async function cacheFeatures(spec: RunSpec, context: Partial<ModeContext> = {}): Promise<FeatureCache> {
  const frozen = checkSpec(
    spec.mode.name === 'frozen_backbone' ? spec : { ...spec, mode: resolveMode('frozen_backbone') },
    `features of "${spec.name}"`,
  );
  const data = buildData(frozen);
  await checkImageFiles([...data.split.train, ...data.split.test].map((s) => s.path));
  return (await prepareRun(frozen, data, context)) as FeatureCache;
}
