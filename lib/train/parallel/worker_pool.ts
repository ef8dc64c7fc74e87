/**
 * The main thread's side of the training workers: starts N worker threads (train_worker.ts), each
 * with its own wasm backend and a copy of the network, keeps their weights equal to the main
 * network's, and runs the two halves of a data-parallel step (forward, then backward once the main
 * thread has dL/dE) and evaluation inference on them. Replies come in the order of the requests.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import { tf } from '../../tf';
import type { ModelRecipe } from '../../backbones/model';
import type { EmbeddingModel } from '../../types';
import type { FromWorker, GradientMessage, ToWorker } from './protocol';
import type { Shard } from './shards';
import { heapValues } from '../../backend/wasm_kernels/heap';
import { SharedFloats } from './shared_floats';

type Reply = Exclude<FromWorker, { kind: 'error' }>;

interface Pending {
  kind: Reply['kind'];
  resolve: (m: Reply) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  readonly wake = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    readonly worker: Worker,
    readonly gradients: MessagePort,
    readonly index: number,
  ) {
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'error') return this.fail(new Error(`training worker ${index}: ${m.message}`));
      const p = this.pending.shift();
      if (!p) return this.fail(new Error(`training worker ${index}: unexpected reply ${m.kind}`));
      if (p.kind !== m.kind) return this.fail(new Error(`training worker ${index}: expected ${p.kind}, got ${m.kind}`));
      p.resolve(m);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`training worker ${index} exited (code ${code})`)));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }

  /** posts `msg` (if any) and resolves with the next reply, which must be of `kind` */
  expect<K extends Reply['kind']>(kind: K, msg?: ToWorker): Promise<Extract<Reply, { kind: K }>> {
    if (this.failure) return Promise.reject(this.failure);
    const reply = new Promise<Reply>((resolve, reject) => this.pending.push({ kind, resolve, reject }));
    if (msg) this.worker.postMessage(msg);
    return reply as Promise<Extract<Reply, { kind: K }>>;
  }

  /** hands dL/dE to the worker waiting inside its tape */
  sendGradient(dE: Float32Array): void {
    if (this.failure) throw this.failure;
    const msg: GradientMessage = { dE };
    this.gradients.postMessage(msg);
    Atomics.store(this.wake, 0, 1);
    Atomics.notify(this.wake, 0);
  }
}

export class TrainWorkers {
  /** trainable weights of the main network, in the workers' order */
  readonly trainable: tf.Variable[];
  private synced = false;
  /** the main network's weights changed since the workers last got them */
  private stale = true;
  /** where the weights travel to the workers: one shared buffer, reused (see pushWeights) */
  private readonly weightBuffer = new SharedFloats();
  /** every worker's acknowledgement of the last push: until then a worker may still read weightBuffer */
  private weightsCopied: Promise<unknown> = Promise.resolve();
  /** where a batch's images travel to the workers, a view per shard, reused (see shardViews) */
  private readonly imageBuffer = new SharedFloats();

  private constructor(
    readonly model: EmbeddingModel,
    private readonly handles: WorkerHandle[],
    trainable: tf.Variable[],
  ) {
    this.trainable = trainable;
  }

  get count(): number {
    return this.handles.length;
  }

  /** Starts `count` workers building `recipe`; checks their trainable weights match `model`'s. */
  static async start(model: EmbeddingModel, recipe: ModelRecipe, count: number): Promise<TrainWorkers> {
    const groups = model.variableGroups();
    const trainable = [...groups.backbone, ...groups.head].filter((v) => v.trainable);
    const handles: WorkerHandle[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const channel = new MessageChannel();
        const worker = new Worker(join(__dirname, 'train_worker_boot.js'), {
          workerData: { gradients: channel.port2 },
          transferList: [channel.port2],
        });
        worker.unref();
        handles.push(new WorkerHandle(worker, channel.port1, i));
      }
      const ready = await Promise.all(
        handles.map((h) => h.expect('ready', { kind: 'init', recipe, wake: h.wake.buffer as SharedArrayBuffer })),
      );
      for (const r of ready) {
        const same = r.trainable.length === trainable.length && r.trainable.every((t, i) => t.shape.join() === trainable[i].shape.join());
        if (!same)
          throw new Error(
            `training workers: the network built from recipe ${recipe.backbone} has other trainable weights than the main network`,
          );
      }
      return new TrainWorkers(model, handles, trainable);
    } catch (err) {
      await Promise.all(handles.map((h) => h.worker.terminate()));
      throw err;
    }
  }

  /** The main network's trainable weights changed (an optimizer step): send them before the next use. */
  markStale(): void {
    this.stale = true;
  }

  /**
   * Sends the workers every weight the first time, then the trainable ones (what AdamW changes), when
   * stale. Returns once they are posted, without waiting for the workers to copy them: a worker
   * handles its messages in order, so every later request runs on the new weights, and the next push
   * waits for the copies before it writes the shared buffer again.
   */
  async pushWeights(): Promise<void> {
    if (!this.stale) return;
    await this.weightsCopied;
    const named = this.model.namedWeights();
    const byVariable = new Map<tf.Tensor, string>([...named].map(([k, v]) => [v, k]));
    const names = this.synced
      ? this.trainable.map((v) => {
          const name = byVariable.get(v);
          if (name === undefined) throw new Error(`training workers: trainable weight ${v.name} is not among the model's named weights`);
          return name;
        })
      : [...named.keys()];
    // Every weight as a view into one shared buffer, so posting copies nothing, and the buffer reused:
    // for ResNet-50's 94 MB on two workers a copy per worker by structured clone took 0.6-1.0 s here,
    // filling a fresh shared buffer 0.3-0.45 s, filling the reused one 0.02-0.06 s. Each worker copies
    // the values into its network and acknowledges; the next push waits for every acknowledgement
    // (weightsCopied) before it writes the buffer again.
    const sizes = names.map((name) => named.get(name)!.size);
    const views = this.weightBuffer.views(sizes);
    const values: Record<string, Float32Array> = {};
    for (const [i, name] of names.entries()) {
      const t = named.get(name)!;
      views[i].set(heapValues(t) ?? ((await t.data()) as Float32Array));
      values[name] = views[i];
    }
    const copied = Promise.all(this.handles.map((h) => h.expect('weightsSet', { kind: 'weights', values })));
    // a worker that fails to copy also fails the request after it, which reports it; the next push awaits this one
    copied.catch(() => {});
    this.weightsCopied = copied;
    this.synced = true;
    this.stale = false;
  }

  /**
   * Each shard's rows of `images` (host values of [B, H, W, C]) copied into the shared image buffer:
   * posting these views copies nothing more, and the main thread allocates nothing per batch (fresh
   * arrays of a batch's size made it run V8's full garbage collections for "external memory
   * pressure" every few steps). Every worker makes its tensor from its view as its request begins,
   * and the pool awaits every reply of a request before the next one writes the buffer again.
   */
  private shardViews(images: Float32Array, shape: [number, number, number, number], shards: Shard[]): Float32Array[] {
    const per = shape[1] * shape[2] * shape[3];
    const views = this.imageBuffer.views(shards.map((s) => (s.end - s.start) * per));
    shards.forEach((s, i) => views[i].set(images.subarray(s.start * per, s.end * per)));
    return views;
  }

  /** Forward of each shard with the tape open on its worker: the embeddings of every row, in order. */
  async forward(images: Float32Array, shape: [number, number, number, number], shards: Shard[]): Promise<Float32Array[]> {
    const views = this.shardViews(images, shape, shards);
    const replies = await Promise.all(
      shards.map((s, i) =>
        this.handles[i].expect('embeddings', { kind: 'train', images: views[i], shape: [s.end - s.start, shape[1], shape[2], shape[3]] }),
      ),
    );
    return replies.map((r) => r.data);
  }

  /** Sends each shard's dL/dE; resolves with each worker's gradients (trainable order, null = none). */
  async backward(dE: Float32Array[]): Promise<Array<Array<Float32Array | null>>> {
    const replies = dE.map((_, i) => this.handles[i].expect('grads'));
    dE.forEach((g, i) => this.handles[i].sendGradient(g));
    return (await Promise.all(replies)).map((r) => r.grads);
  }

  /** Eval-mode embeddings of a batch, its rows split over the workers. */
  async embed(images: Float32Array, shape: [number, number, number, number], shards: Shard[]): Promise<Float32Array[]> {
    const views = this.shardViews(images, shape, shards);
    const replies = await Promise.all(
      shards.map((s, i) =>
        this.handles[i].expect('embedded', { kind: 'embed', images: views[i], shape: [s.end - s.start, shape[1], shape[2], shape[3]] }),
      ),
    );
    return replies.map((r) => r.data);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}
