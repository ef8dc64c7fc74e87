/**
 * A sweep: one run specification, a list of variants (override sets: ablations, other losses, or
 * other table rows) and a list of seeds; every variant runs with every seed. `see-kit sweep
 * <sweep.json>` reads it from a file; notebooks give the same object to defineSweep.
 *
 *   {
 *     "name": "pa-vs-see",                      folder <runs root>/<name>; letters, digits, . _ -
 *     "base": { "row": "see-de128-cub" },       a spec as `see-kit train <config.json>` takes it, or
 *                                               the path of such a file (relative to the sweep file)
 *     "set": ["train.epochs=5"],                overrides for every run (the strings of --set)
 *     "variants": [
 *       { "name": "PA",  "set": ["loss.name=proxy_anchor"] },
 *       { "name": "SEE" },
 *       { "name": "SEE Cars", "row": "see-de128-cars" }     a table row's recipe instead of the base
 *     ],
 *     "seeds": [0, 1, 2],                        train.seed: data order and initialisation
 *     "compare": [["SEE", "PA"]],                paired differences, variant - baseline
 *     "baseline": "PA",                          or: every other variant against this one
 *     "protocol": "best-test"                    which epoch: best-test (default), last, validation
 *   }
 *
 * A run's specification: the row's recipe (variant.row) or the base, then the sweep's `set`, the
 * variant's `set` and `train.seed=<seed>`, checked like `see-kit train --set`.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseEpochProtocol, type EpochProtocol } from '../experiments/epoch_protocol';
import { specFromRow, type RunSpec } from '../experiments/run_spec';
import { applyOverrides, readSpecFile, specFromJson } from '../experiments/spec_merge';
import { readJsonFile } from '../train/json_file';

export interface SweepVariant {
  name: string;
  /** a table row whose recipe replaces the base */
  row?: string;
  set: string[];
}

export interface SweepDefinition {
  name: string;
  /** where it was read from (file path, or what the caller named it) */
  source: string;
  /** undefined when every variant names a row */
  base?: RunSpec;
  set: string[];
  variants: SweepVariant[];
  seeds: number[];
  /** [variant, baseline] pairs */
  compare: [string, string][];
  protocol: EpochProtocol;
}

type Json = Record<string, unknown>;
const KEYS = ['name', 'base', 'set', 'variants', 'seeds', 'compare', 'baseline', 'protocol'];
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new Error(`${where} is ${JSON.stringify(v)}, expected a list of "key=value" strings`);
  return v;
}

function variantOf(v: unknown, i: number, source: string): SweepVariant {
  const where = `${source}: variants[${i}]`;
  if (!isObject(v)) throw new Error(`${where} is ${JSON.stringify(v)}, expected { "name": ..., "set": [...] } (and optionally "row")`);
  for (const k of Object.keys(v))
    if (!['name', 'row', 'set'].includes(k)) throw new Error(`${where}: unknown key "${k}"; expected name, row, set`);
  if (typeof v.name !== 'string' || v.name.trim() === '')
    throw new Error(`${where}.name is ${JSON.stringify(v.name)}, expected a non-empty string`);
  if (v.row !== undefined && typeof v.row !== 'string')
    throw new Error(`${where}.row is ${JSON.stringify(v.row)}, expected a row id (see-kit list)`);
  return { name: v.name, ...(v.row !== undefined ? { row: v.row as string } : {}), set: stringList(v.set, `${where}.set`) };
}

function baseOf(v: unknown, source: string): RunSpec | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return readSpecFile(isAbsolute(v) || !existsSync(source) ? v : resolve(dirname(source), v));
  return specFromJson(v, `${source}: base`);
}

/** Checks a sweep given as an object (every error names `source`, the key and what was expected). */
export function defineSweep(json: unknown, source = 'sweep'): SweepDefinition {
  if (!isObject(json)) throw new Error(`${source}: expected a JSON object with name, base, variants, seeds`);
  for (const k of Object.keys(json))
    if (!KEYS.includes(k)) throw new Error(`${source}: unknown key "${k}"; expected one of ${KEYS.join(', ')}`);
  const { name } = json;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`${source}: name ${JSON.stringify(name)}, expected a folder name (letters, digits, . _ -)`);
  }
  if (!Array.isArray(json.variants) || json.variants.length === 0)
    throw new Error(`${source}: variants is ${JSON.stringify(json.variants)}, expected a non-empty list`);
  const variants = json.variants.map((v, i) => variantOf(v, i, source));
  const names = variants.map((v) => v.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`${source}: two variants are named "${dup}"; names must be unique`);
  const ids = names.map(variantSlug);
  const clash = ids.findIndex((s, i) => ids.indexOf(s) !== i);
  if (clash >= 0)
    throw new Error(
      `${source}: variants "${names[ids.indexOf(ids[clash])]}" and "${names[clash]}" would share the folder name "${ids[clash]}"`,
    );
  const { seeds } = json;
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new Error(`${source}: seeds is ${JSON.stringify(seeds)}, expected a non-empty list of integers >= 0`);
  }
  if (new Set(seeds).size !== seeds.length) throw new Error(`${source}: seeds ${JSON.stringify(seeds)} repeat a seed`);
  const base = baseOf(json.base, source);
  const rowless = variants.find((v) => !v.row);
  if (!base && rowless) throw new Error(`${source}: no "base" specification, and variant "${rowless.name}" names no row to start from`);
  const known = (n: unknown, where: string): string => {
    if (typeof n !== 'string' || !names.includes(n))
      throw new Error(`${where} is ${JSON.stringify(n)}, expected one of the variants: ${names.join(', ')}`);
    return n;
  };
  if (json.compare !== undefined && !Array.isArray(json.compare))
    throw new Error(`${source}: compare is ${JSON.stringify(json.compare)}, expected a list of [variant, baseline] pairs`);
  const compare: [string, string][] = ((json.compare ?? []) as unknown[]).map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new Error(`${source}: compare[${i}] is ${JSON.stringify(pair)}, expected [variant, baseline]`);
    return [known(pair[0], `${source}: compare[${i}][0]`), known(pair[1], `${source}: compare[${i}][1]`)];
  });
  if (json.baseline !== undefined) {
    const b = known(json.baseline, `${source}: baseline`);
    for (const n of names) if (n !== b && !compare.some(([v, w]) => v === n && w === b)) compare.push([n, b]);
  }
  return {
    name,
    source,
    ...(base ? { base } : {}),
    set: stringList(json.set, `${source}: set`),
    variants,
    seeds: seeds as number[],
    compare,
    protocol: json.protocol === undefined ? 'best-test' : parseEpochProtocol(json.protocol, source),
  };
}

/** A sweep file: see defineSweep. */
export function readSweepFile(path: string): SweepDefinition {
  return defineSweep(readJsonFile(path, `sweep file ${path}`), resolve(path));
}

/** A variant's name as a folder name. */
export function variantSlug(name: string): string {
  return (
    name
      .trim()
      .replace(/[^A-Za-z0-9_.-]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'variant'
  );
}

/** One run of a sweep: a variant with a seed. */
export interface PlannedRun {
  /** position in the sweep's plan (the Slurm array index) */
  index: number;
  /** its folder name inside the sweep folder: <variant>-seed<seed> */
  id: string;
  variant: string;
  seed: number;
  spec: RunSpec;
}

/** Every run, seed by seed (each seed's variants side by side, so a pool runs pairs together); `dataRoot` replaces every run's. */
export function expandSweep(def: SweepDefinition, dataRoot?: string): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const seed of def.seeds) {
    for (const v of def.variants) {
      const id = `${variantSlug(v.name)}-seed${seed}`;
      const start = v.row ? specFromRow(v.row) : (def.base as RunSpec);
      let spec: RunSpec;
      try {
        spec = applyOverrides({ ...structuredClone(start), name: id }, [...def.set, ...v.set, `train.seed=${seed}`]);
      } catch (err) {
        throw new Error(`${def.source}: variant "${v.name}", seed ${seed}: ${(err as Error).message}`);
      }
      if (dataRoot) spec.dataRoot = dataRoot;
      runs.push({ index: runs.length, id, variant: v.name, seed, spec });
    }
  }
  return runs;
}
