/**
 * A training worker thread (lib/train/parallel/worker_pool.ts starts them): its own wasm backend
 * and a copy of the network built from the model's recipe, whose weights the main thread sends.
 *
 * `train`: the forward pass runs inside tf.variableGrads with the tape open; the embeddings go to
 * the main thread, which computes the loss on the whole batch and sends back dL/dE of this
 * worker's rows on the gradient port. The worker waits for it without leaving the tape (Atomics.wait
 * on a shared word, then receiveMessageOnPort), returns sum(E * dL/dE), whose gradient with respect
 * to every weight is this shard's share of dL/dweight, and posts those gradients. Handing the
 * embeddings over from inside the tape is the one synchronous tensor read of the training path
 * (wasm only: workers exist on the wasm backend only, lib/train/parallel/worker_count.ts).
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { FromWorker, GradientMessage, ToWorker } from './protocol';
import { SharedFloats } from './shared_floats';
import { writeWeight } from './write_weight';
import { heapValues } from '../../backend/wasm_kernels/heap';
import type { tf as TF } from '../../tf';

// require, not import(): tsx's CommonJS hook (train_worker_boot.js) does not cover import()
const { tf, initBackend } = require('../../tf') as typeof import('../../tf');
const { createEmbeddingModel } = require('../../backbones/model') as typeof import('../../backbones/model');

type Model = ReturnType<typeof createEmbeddingModel>;

const port = parentPort!;
const gradientPort = (workerData as { gradients: MessagePort }).gradients;
let model: Model | undefined;
let trainable: TF.Variable[] = [];
let wake: Int32Array | undefined;
const gradientBuffer = new SharedFloats();

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Blocks (inside the tape) until the main thread's dL/dE arrives on the gradient port. */
function awaitGradient(): Float32Array {
  for (;;) {
    const m = receiveMessageOnPort(gradientPort);
    if (m) return (m.message as GradientMessage).dE;
    Atomics.wait(wake!, 0, 0);
    Atomics.store(wake!, 0, 0);
  }
}

function needModel(): Model {
  if (!model) throw new Error('training worker: no network yet (init first)');
  return model;
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.kind) {
    case 'init': {
      await initBackend('wasm', { quiet: true });
      model = createEmbeddingModel(msg.recipe.backbone, msg.recipe.options);
      const groups = model.variableGroups();
      trainable = [...groups.backbone, ...groups.head].filter((v) => v.trainable);
      wake = new Int32Array(msg.wake);
      send({ kind: 'ready', trainable: trainable.map((v) => ({ name: v.name, shape: v.shape })) });
      return;
    }
    case 'weights': {
      const named = needModel().namedWeights();
      for (const [name, values] of Object.entries(msg.values)) {
        const v = named.get(name) as TF.Variable | undefined;
        if (!v) throw new Error(`training worker: the network has no weight "${name}"`);
        writeWeight(v, values);
      }
      send({ kind: 'weightsSet' }); // the main thread may now write the buffer of `values` again
      return;
    }
    case 'train': {
      const m = needModel();
      const images = tf.tensor4d(msg.images, msg.shape);
      try {
        const { value, grads } = tf.variableGrads(
          () =>
            tf.tidy(() => {
              const e = m.embed(images, true); // [b, D]
              // A synchronous read, on purpose: the tape cannot await, and the embeddings must reach the main
              // thread before this forward pass can end. Only here and in lib/backend/host_values.ts may lib/
              // read synchronously (test/backend/async_reads.test.ts counts them); this worker's backend is
              // always wasm ('init' above), which reads synchronously (a fresh copy of the heap's bytes).
              // eslint-disable-next-line no-restricted-properties -- synchronous read inside the worker's tape, wasm only (see above)
              const data = e.dataSync() as Float32Array;
              send({ kind: 'embeddings', data }, [data.buffer as ArrayBuffer]);
              const dE = tf.tensor2d(awaitGradient(), e.shape as [number, number]); // [b, D]
              return tf.sum(tf.mul(e, dE)) as TF.Scalar;
            }),
          trainable,
        );
        value.dispose();
        // into this worker's shared buffer, reused from step to step (fresh buffers of this size are slow
        // to fill, shared_floats.ts): the main thread sums them before it sends the next `train`
        const present = trainable.map((v) => grads[v.name]);
        const views = gradientBuffer.views(present.map((g) => g?.size ?? 0));
        const out: Array<Float32Array | null> = [];
        for (const [i, g] of present.entries()) {
          if (g) views[i].set(heapValues(g) ?? ((await g.data()) as Float32Array));
          out.push(g ? views[i] : null);
        }
        tf.dispose(grads);
        send({ kind: 'grads', grads: out });
      } finally {
        images.dispose();
      }
      return;
    }
    case 'embed': {
      const m = needModel();
      const images = tf.tensor4d(msg.images, msg.shape);
      try {
        const e = tf.tidy(() => m.embed(images, false)); // [b, D]
        const data = (await e.data()) as Float32Array;
        e.dispose();
        send({ kind: 'embedded', data }, [data.buffer as ArrayBuffer]);
      } finally {
        images.dispose();
      }
    }
  }
}

// one message at a time, in order
let queue: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  queue = queue
    .then(() => handle(msg))
    .catch((err: unknown) => {
      send({ kind: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
    });
});
