/**
 * The world the bad-input cases run in, made by the suite: a valid tiny glyphs data root, a base
 * run stopped after its first epoch (for the resume cases), builders of small CUB layouts with one
 * thing wrong, and the kit's CLI called in-process with its output captured.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import sharp from 'sharp';
import { main } from '../../lib/cli/main';
import { runExperiment } from '../../lib/experiments/run_experiment';
import { readSpecFile } from '../../lib/experiments/spec_merge';
import { RunStoppedError } from '../../lib/train/stop_signal';
import { makeTinyGlyphs, tinyGlyphSpec } from '../helpers/tiny_glyphs';
import { writeClassFolders } from '../helpers/class_folders';

export interface World {
  root: string;
  runs: string;
  /** valid glyphs data root (8 classes, 24 train and 24 test images) */
  glyphData: string;
  /** a valid free configuration on the glyphs (JSON object), written as base.json */
  baseSpec: Record<string, unknown>;
  /** id of a run of base.json stopped after its first epoch (a checkpoint to resume from) */
  baseRun: string;
}

export interface Outcome {
  code: number;
  /** what the CLI printed on stderr (the error), or the case's own account when it is not the CLI */
  err: string;
  out: string;
}

/** Writes a file, creating its folder; returns the path. */
export function put(path: string, content: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** Runs `see-kit <args> --backend wasm` in this process (with extra environment variables), capturing its lines. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const withBackend = 'SEE_BACKEND' in env ? args : [...args, '--backend', 'wasm'];
    const code = await main(withBackend, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, err: err.join('\n'), out: out.join('\n') };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** relative path -> SHA-256 of every file under `dir` (folders listed too, so an empty new one shows). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = 'folder';
        walk(p);
      } else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir);
  return out;
}

/** A small JPEG of one colour. */
export function jpeg(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** A CUB layout under a new data root: 200 class folders with one 16 x 16 JPEG each; `change` then breaks something. */
export async function cubRoot(w: World, name: string, change: (images: string) => void | Promise<void>): Promise<string> {
  const root = join(w.root, 'data', name);
  const images = join(root, 'CUB_200_2011', 'images');
  const file = await jpeg(16, 16, [200, 120, 40]);
  for (let c = 0; c < 200; c++) put(join(images, `${String(c + 1).padStart(3, '0')}.Class_${c}`, 'a.jpg'), file);
  await change(images);
  return root;
}

/** A copy of the glyphs data root with `change` applied to its image folder. */
export function glyphRoot(w: World, name: string, change: (images: string) => void): string {
  const root = join(w.root, 'data', name);
  const copy = (from: string, to: string): void => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      if (e.isDirectory()) copy(join(from, e.name), join(to, e.name));
      else put(join(to, e.name), readFileSync(join(from, e.name)));
    }
  };
  copy(w.glyphData, root);
  change(join(root, 'glyphs', 'CUB_200_2011', 'images'));
  return root;
}

/** A folder dataset under a new data root: 8 class folders (c00 ... c07) of 3 grey PNGs each; `change` then breaks something. */
export async function folderRoot(w: World, name: string, change: (root: string) => void | Promise<void>): Promise<string> {
  const root = await writeClassFolders(join(w.root, 'data', name), 8, 3);
  await change(root);
  return root;
}

/** A free configuration: the base one with `patch` merged in (train merged key by key), written to <name>.json. */
export function configFile(w: World, name: string, patch: Record<string, unknown>): string {
  const spec = { ...w.baseSpec, ...patch, train: { ...(w.baseSpec.train as object), ...((patch.train as object | undefined) ?? {}) } };
  return put(join(w.root, `${name}.json`), JSON.stringify(spec));
}

export async function makeWorld(): Promise<World> {
  const root = mkdtempSync(join(tmpdir(), 'see-bad-input-'));
  const glyphData = join(root, 'data', 'glyphs-ok');
  await makeTinyGlyphs(glyphData);
  const baseSpec = tinyGlyphSpec(glyphData, 'bad-input', 2, ['recall']);
  const world: World = { root, runs: join(root, 'runs'), glyphData, baseSpec, baseRun: 'base' };
  // the base run, built as the CLI builds it, stopped before the second epoch as a preempted job would be
  const spec = readSpecFile(configFile(world, 'base', {}));
  const stop: { signal: NodeJS.Signals | undefined } = { signal: undefined };
  try {
    await runExperiment(spec, {
      runPath: join(world.runs, 'base'),
      stop,
      progress: (e) => {
        if (e.step === e.stepsPerEpoch - 1) stop.signal = 'SIGTERM';
      },
    });
    throw new Error('bad-input world: the base run was not stopped');
  } catch (err) {
    if (!(err instanceof RunStoppedError)) throw err;
  }
  return world;
}
