/**
 * Changing a run specification with checks: overrides (`train.epochs=5`, `loss.name=multi_similarity`,
 * `loss.options.coefficients=random`: the strings of `see-kit train --set`), JSON config files and
 * runs' config.json. Every key must exist and keep its type; the head, the loss and the training
 * mode are named choices: a new name starts from that entry's defaults, and options are checked
 * against its schema; a union with a `kind` (`train.lrDecay`, `train.clip`) is replaced whole by a
 * value naming its kind, changed key by key otherwise. Specifications written before losses were
 * named choices (`"loss": "see_proxy_anchor"` with a `"see"` section, `--set see.n=4`) are read as
 * the new form. `train.frozenBackbone=true` (false) is another way to write
 * `mode.name=frozen_backbone` (end_to_end); the `folder` section exists for dataset "folder" only.
 */
import { resolveHead } from '../backbones/heads';
import { checkFolderSpec } from '../data/folder';
import { resolveLoss } from '../losses/registry';
import { readJsonFile } from '../train/json_file';
import type { NamedOptions } from '../options';
import { resolveMode } from './modes';
import { checkSpec, defaultSpec, specFromRow, type RunSpec } from './run_spec';

type Json = Record<string, unknown>;

const NAMED: Record<string, (name: string, given: Json) => NamedOptions> = { head: resolveHead, loss: resolveLoss, mode: resolveMode };

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A head, loss or mode section: `{ name?, options? }` over the current choice. */
function mergeNamed(key: string, current: NamedOptions, patch: unknown, source: string): NamedOptions {
  if (!isObject(patch)) throw new Error(`${source}: "${key}" is ${JSON.stringify(patch)}, expected { "name": ..., "options": { ... } }`);
  for (const k of Object.keys(patch)) {
    if (k !== 'name' && k !== 'options') throw new Error(`${source}: unknown key "${key}.${k}"; expected ${key}.name, ${key}.options`);
  }
  const name = patch.name ?? current.name;
  if (typeof name !== 'string') throw new Error(`${source}: "${key}.name" is ${JSON.stringify(name)}, expected a string`);
  const options = patch.options ?? {};
  if (!isObject(options)) throw new Error(`${source}: "${key}.options" is ${JSON.stringify(options)}, expected an object`);
  try {
    return NAMED[key](name, { ...(name === current.name ? current.options : {}), ...options });
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

function mergeChecked(base: Json, patch: Json, source: string, prefix: string): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const key = prefix + k;
    if (prefix === '' && k === 'folder') {
      // the folder dataset's section, absent for other datasets: completed with its defaults as it is merged
      out.folder =
        v === null ? undefined : checkFolderSpec(isObject(v) ? { ...(isObject(base.folder) ? base.folder : {}), ...v } : v, source);
      continue;
    }
    if (!(k in base))
      throw new Error(
        `${source}: unknown key "${key}"; expected one of ${Object.keys(base)
          .map((x) => prefix + x)
          .join(', ')}`,
      );
    const cur = base[k];
    if (prefix === '' && k in NAMED) {
      out[k] = mergeNamed(k, cur as NamedOptions, v, source);
    } else if (isObject(cur) && 'kind' in cur && isObject(v) && 'kind' in v) {
      out[k] = v; // one choice of a union (train.lrDecay, train.clip): a patch naming its kind replaces it whole
    } else if (isObject(cur) && isObject(v)) {
      out[k] = mergeChecked(cur, v, source, `${key}.`);
    } else {
      if (cur !== null && v !== null && typeof cur !== typeof v) {
        throw new Error(
          `${source}: "${key}" is ${JSON.stringify(v)} (${typeof v}), expected a ${Array.isArray(cur) ? 'array' : typeof cur} like ${JSON.stringify(cur)}`,
        );
      }
      out[k] = v;
    }
  }
  return out;
}

/** `patch` over `spec`: every key known and of the same type; named sections resolved. Not yet checkSpec'd. */
export function mergeSpec(spec: RunSpec, patch: Json, source: string): RunSpec {
  return mergeChecked(spec as unknown as Json, patch, source, '') as unknown as RunSpec;
}

/** The older form of a specification in the current one: `loss` a name, the SEE settings in `see`. */
export function upgradeLegacy(json: Json): Json {
  if (typeof json.loss !== 'string' && !('see' in json)) return json;
  const { see, ...rest } = json;
  const loss = typeof json.loss === 'string' ? { name: json.loss } : (json.loss ?? {});
  const name = isObject(loss) ? loss.name : undefined;
  const seeOptions = isObject(see) && (name === 'see_proxy_anchor' || name === undefined) ? see : {};
  return {
    ...rest,
    loss: isObject(loss) ? { ...loss, options: { ...seeOptions, ...(isObject(loss.options) ? loss.options : {}) } } : loss,
  };
}

/** `train.frozenBackbone` is the training mode: true = frozen_backbone, false = end_to_end. */
function frozenBackboneMode(value: unknown, source: string): string {
  if (typeof value !== 'boolean')
    throw new Error(
      `${source}: train.frozenBackbone is ${JSON.stringify(value)}, expected true or false (it sets mode.name to frozen_backbone or end_to_end)`,
    );
  return value ? 'frozen_backbone' : 'end_to_end';
}

/** A JSON spec's `train.frozenBackbone` as the `mode` it means; a `mode.name` that says otherwise is an error. */
function upgradeFrozenBackbone(json: Json, source: string): Json {
  if (!isObject(json.train) || !('frozenBackbone' in json.train)) return json;
  const { frozenBackbone, ...train } = json.train;
  const name = frozenBackboneMode(frozenBackbone, source);
  const mode = isObject(json.mode) ? json.mode : {};
  if (mode.name !== undefined && mode.name !== name) {
    throw new Error(
      `${source}: train.frozenBackbone ${String(frozenBackbone)} means mode "${name}", but mode.name is ${JSON.stringify(mode.name)}; give one of them`,
    );
  }
  return { ...json, train, mode: { ...mode, name } };
}

/** Applies `a.b.c=value` overrides (the value parsed as JSON when it parses, else a string), then checks the spec. */
export function applyOverrides(spec: RunSpec, overrides: readonly string[]): RunSpec {
  let out = spec;
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`override "${o}": expected key=value, e.g. train.epochs=5 or loss.options.margin=0.2`);
    let path = o.slice(0, eq).split('.');
    if (path.length === 1 && path[0] === 'loss') path = ['loss', 'name'];
    if (path[0] === 'see') path = ['loss', 'options', ...path.slice(1)];
    const raw = o.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    if (path.join('.') === 'train.frozenBackbone') {
      value = frozenBackboneMode(value, `override "${o}"`);
      path = ['mode', 'name'];
    }
    const patch: Json = {};
    let cursor = patch;
    path.forEach((p, i) => {
      if (i === path.length - 1) cursor[p] = value;
      else cursor = (cursor[p] = {}) as Json;
    });
    out = mergeSpec(out, patch, `override "${o}"`);
  }
  return checkSpec(out, 'overrides');
}

/**
 * A specification from JSON: `{ "row": "<id>", ...changes }` over that row's spec, otherwise a full
 * or partial spec over `base` (default: defaultSpec()).
 */
export function specFromJson(json: unknown, source: string, base?: RunSpec): RunSpec {
  if (!isObject(json)) throw new Error(`${source}: expected a JSON object`);
  const obj = upgradeFrozenBackbone(upgradeLegacy(json), source);
  const start = base ?? (typeof obj.row === 'string' ? specFromRow(obj.row) : defaultSpec());
  return checkSpec(mergeSpec(start, obj, source), source);
}

/** A JSON config file: see specFromJson. */
export function readSpecFile(path: string): RunSpec {
  return specFromJson(readJsonFile(path, `config file ${path}`), path);
}
