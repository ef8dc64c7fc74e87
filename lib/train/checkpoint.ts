/**
 * Training checkpoints: model weights, loss variables (proxies), AdamW moments and step counts,
 * and the loop's position (epoch, global step, RNG state, metric history) in one file, written
 * atomically (temp file + rename) so a kill mid-write leaves the previous checkpoint intact.
 *
 * File layout is safetensors (8-byte LE header length, JSON header, raw little-endian F32 data);
 * the loop state is JSON in header.__metadata__.state, so standard safetensors readers can open it.
 * Keys: model/<name>, loss/<index>, opt/<group>/<index>/m|v.
 * header.__metadata__.checksum is the SHA-256 of the header without it and of everything after
 * the header; a load recomputes it, so a damaged or edited file is refused, never half-used.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tf } from '../tf';
import type { EmbeddingModel, MetricLoss } from '../types';
import type { AdamW, AdamWSlotState } from './adamw';
import { writeFileAtomic } from './atomic_write';

export const CHECKPOINT_FORMAT = 'see-kit-checkpoint/2';
/** the format before checksums: still read, reported as `checksum: 'absent'` */
const FORMAT_WITHOUT_CHECKSUM = 'see-kit-checkpoint/1';

/** Where a checkpoint written inside an epoch (a stop at a step boundary) continues. */
export interface EpochPosition {
  /** the epoch that was interrupted */
  epoch: number;
  /** steps of that epoch already done (the next step to run) */
  step: number;
  /** the epoch's batch seed, drawn from the loop's RNG when the epoch started */
  epochSeed: number;
  /** running sums for the epoch's log record */
  lossSum: number;
  lossCount: number;
  images: number;
}

/** The loop's position and anything JSON the loop wants back on resume. */
export interface LoopState {
  /** last fully completed epoch (0-based; -1 when stopped inside the first epoch) */
  epoch: number;
  /** present when written inside epoch `epoch + 1`: where that epoch continues */
  inEpoch?: EpochPosition;
  /** optimizer iterations done so far */
  globalStep: number;
  /** state of the loop's seeded RNG after `epoch` */
  rng: number[];
  /** free JSON: metric history, best epoch... */
  extra: Record<string, unknown>;
}

interface Entry {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  state: LoopState;
  optimizerSteps: Record<string, number>;
  tensors: Map<string, Entry>;
  /** 'verified': the stored SHA-256 matched; 'absent': a format-1 file written before checksums */
  checksum: 'verified' | 'absent';
}

/** Reads every tensor of the model, the loss and the optimizer and writes them to `path`. */
export async function saveCheckpoint(
  path: string,
  parts: { model: EmbeddingModel; loss: MetricLoss; optimizer: AdamW },
  state: LoopState,
): Promise<void> {
  const tensors = new Map<string, Entry>();
  for (const [name, t] of parts.model.namedWeights()) {
    tensors.set(`model/${name}`, { shape: t.shape.slice(), data: Float32Array.from(await t.data()) });
  }
  for (const [i, v] of parts.loss.trainableVariables.entries()) {
    tensors.set(`loss/${i}`, { shape: v.shape.slice(), data: Float32Array.from(await v.data()) });
  }
  const optimizerSteps: Record<string, number> = {};
  for (const [key, s] of await parts.optimizer.getState()) {
    tensors.set(`opt/${key}/m`, { shape: s.shape, data: s.m });
    tensors.set(`opt/${key}/v`, { shape: s.shape, data: s.v });
    optimizerSteps[key] = s.step;
  }
  writeFileAtomic(
    path,
    encode(tensors, { format: CHECKPOINT_FORMAT, state: JSON.stringify(state), optimizerSteps: JSON.stringify(optimizerSteps) }),
  );
}

export function readCheckpoint(path: string): Checkpoint {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist`);
  const bytes = readFileSync(path);
  const { meta, tensors, checksum } = decode(bytes, path);
  if (meta.format !== CHECKPOINT_FORMAT && meta.format !== FORMAT_WITHOUT_CHECKSUM) {
    throw new Error(`checkpoint ${path}: format "${meta.format}", expected "${CHECKPOINT_FORMAT}"`);
  }
  if (meta.format === CHECKPOINT_FORMAT && checksum === 'absent') {
    throw new Error(`checkpoint ${path}: format ${CHECKPOINT_FORMAT} without its checksum; the file was altered after it was written`);
  }
  return {
    state: JSON.parse(meta.state ?? 'null') as LoopState,
    optimizerSteps: JSON.parse(meta.optimizerSteps ?? '{}') as Record<string, number>,
    tensors,
    checksum,
  };
}

/**
 * Puts a checkpoint's tensors back. Every model weight and loss variable of the checkpoint must
 * exist with the same shape, and every one of the model's must be in the checkpoint. Named model
 * tensors that are not variables (frozen statistics) must already hold the saved values.
 */
export async function restoreCheckpoint(
  ckpt: Checkpoint,
  parts: { model: EmbeddingModel; loss: MetricLoss; optimizer?: AdamW },
  source = '<checkpoint>',
): Promise<void> {
  const used = new Set<string>();
  const take = (key: string, shape: readonly number[]): Entry => {
    const e = ckpt.tensors.get(key);
    if (!e) throw new Error(`${source}: missing tensor "${key}"`);
    if (e.shape.join(',') !== shape.join(',')) throw new Error(`${source}: "${key}" has shape [${e.shape}], the model expects [${shape}]`);
    used.add(key);
    return e;
  };
  for (const [name, t] of parts.model.namedWeights()) {
    const e = take(`model/${name}`, t.shape);
    if (t instanceof tf.Variable) {
      tf.tidy(() => t.assign(tf.tensor(e.data, e.shape, 'float32')));
    } else {
      const now = await t.data();
      for (let i = 0; i < now.length; i++) {
        if (now[i] !== e.data[i] && !(Number.isNaN(now[i]) && Number.isNaN(e.data[i]))) {
          throw new Error(`${source}: "model/${name}" is not a variable and its values differ from the checkpoint (index ${i})`);
        }
      }
    }
  }
  parts.loss.trainableVariables.forEach((v, i) => {
    const e = take(`loss/${i}`, v.shape);
    tf.tidy(() => v.assign(tf.tensor(e.data, e.shape, 'float32')));
  });
  if (parts.optimizer) {
    const state = new Map<string, AdamWSlotState>();
    for (const [key, step] of Object.entries(ckpt.optimizerSteps)) {
      const m = ckpt.tensors.get(`opt/${key}/m`);
      const v = ckpt.tensors.get(`opt/${key}/v`);
      if (!m || !v) throw new Error(`${source}: optimizer state "${key}" lacks its m or v tensor`);
      used.add(`opt/${key}/m`).add(`opt/${key}/v`);
      state.set(key, { shape: m.shape, m: m.data, v: v.data, step });
    }
    parts.optimizer.setState(state);
  }
  const unused = [...ckpt.tensors.keys()].filter((k) => !used.has(k) && (parts.optimizer || !k.startsWith('opt/')));
  if (unused.length)
    throw new Error(`${source}: tensors not used by this model/loss: ${unused.slice(0, 8).join(', ')}${unused.length > 8 ? ' ...' : ''}`);
}

/** SHA-256 of the header JSON (without the checksum) and of the bytes after the header. */
function checksumOf(headerJson: string, body: Uint8Array): string {
  return `sha256:${createHash('sha256').update(headerJson, 'utf8').update(body).digest('hex')}`;
}

function encode(tensors: Map<string, Entry>, meta: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: meta };
  let offset = 0;
  for (const [name, e] of tensors) {
    header[name] = { dtype: 'F32', shape: e.shape, data_offsets: [offset, offset + e.data.length * 4] };
    offset += e.data.length * 4;
  }
  const body = new Uint8Array(offset);
  const bodyView = new DataView(body.buffer);
  let pos = 0;
  for (const e of tensors.values()) {
    for (let i = 0; i < e.data.length; i++) bodyView.setFloat32(pos + 4 * i, e.data[i], true);
    pos += e.data.length * 4;
  }
  header.__metadata__ = { ...meta, checksum: checksumOf(JSON.stringify(header), body) };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align data to 8 bytes
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(body, 8 + head.length);
  return out;
}

function decode(
  bytes: Uint8Array,
  source: string,
): { meta: Record<string, string>; tensors: Map<string, Entry>; checksum: Checkpoint['checksum'] } {
  if (bytes.length < 8) throw new Error(`${source}: ${bytes.length} bytes, too short for a checkpoint`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${source}: header length ${n} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${source}: the checkpoint header is not valid JSON (${(err as Error).message}); the file is damaged`);
  }
  const { checksum: stored, ...meta } = (header.__metadata__ ?? {}) as Record<string, string>;
  if (stored !== undefined) {
    const computed = checksumOf(JSON.stringify({ ...header, __metadata__: meta }), bytes.subarray(8 + n));
    if (computed !== stored) {
      throw new Error(
        `${source}: checksum mismatch (stored ${stored}, computed ${computed}); the checkpoint was damaged or altered after it was written and cannot be used`,
      );
    }
  }
  const tensors = new Map<string, Entry>();
  const base = 8 + n;
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: offs } = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`${source}: tensor "${name}" has dtype ${dtype}, expected F32`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offs[1] - offs[0] !== count * 4 || base + offs[1] > bytes.length) {
      throw new Error(`${source}: tensor "${name}" offsets [${offs}] do not match shape [${shape}] or the file size`);
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(base + offs[0] + 4 * i, true);
    tensors.set(name, { shape, data });
  }
  return { meta, tensors, checksum: stored === undefined ? 'absent' : 'verified' };
}
