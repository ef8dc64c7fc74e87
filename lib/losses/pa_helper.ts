/**
 * The main thread's side of the Proxy-Anchor helper thread: the second core for the products of the
 * fused Proxy-Anchor (fused_proxy_anchor.ts) with many classes. wasm runs one thread under Node; SEE's
 * synthetic term at SOP's 11,318 classes is about 7 GFLOP, which the official code runs on every core
 * (PyTorch's threads). fused_proxy_anchor.ts gives the helper the upper part of the classes (from a
 * multiple of BLOCK on, so that every block is computed as on one thread) and runs the lower part
 * itself meanwhile; `post` copies the inputs to the staging buffer and posts the job, `finish` waits
 * (Atomics.wait: the loss is computed inside the synchronous tape) and hands the outputs over.
 *
 * One helper per process, started on first use and unref'd (it never keeps the process alive). In use
 * when SEE_WORKERS (lib/train/parallel/worker_count.ts: the threads the kit may use, default the
 * cores) is above 1; SEE_WORKERS=1 keeps everything on the calling thread. While the data-parallel
 * training step computes the loss its workers wait, so the helper has their core.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { join } from 'node:path';
import { trainWorkerCount } from '../train/parallel/worker_count';
import type { PaRange } from './pa_blocks';
import { DONE, FAILED, IDLE, stageLayout, type PaHelperJob, type StageLayout } from './pa_helper_protocol';

/** longest wait for the helper's answer before the step fails (it never takes more than seconds) */
const ANSWER_TIMEOUT_MS = 600_000;

/** the inputs of the helper's range, read from the main thread's memory */
export interface HelperInputs extends PaRange {
  /** V (x gets a gradient) */
  wantV: boolean;
  /** [N, D] */
  x: Float32Array;
  /** [N] */
  labels: Int32Array;
  /** [count, D]: proxies first .. first + count - 1 */
  proxies: Float32Array;
}

/** views of the helper's outputs in the staging buffer, valid until the next job */
export interface HelperOutputs {
  w: Float32Array; // [count, D]
  sums: Float32Array; // [count]
  posCos: Float32Array; // [N], 0 where y_i is outside the range
  v?: Float32Array; // [N, D]
}

export class PaHelper {
  private stage = new SharedArrayBuffer(0);
  private pending: { job: PaHelperJob; layout: StageLayout } | undefined;
  private finished = 0;
  /** it did not answer once: terminated, and paHelper starts another */
  private lost = false;

  private constructor(
    private readonly worker: Worker,
    private readonly word: Int32Array,
    private readonly jobs: MessagePort,
    private readonly errors: MessagePort,
  ) {}

  static start(): PaHelper {
    const control = new SharedArrayBuffer(4);
    const jobs = new MessageChannel();
    const errors = new MessageChannel();
    const worker = new Worker(join(__dirname, 'pa_helper_worker_boot.js'), {
      workerData: { control, jobs: jobs.port2, errors: errors.port2 },
      transferList: [jobs.port2, errors.port2],
    });
    worker.unref();
    jobs.port1.unref();
    errors.port1.unref();
    return new PaHelper(worker, new Int32Array(control), jobs.port1, errors.port1);
  }

  /** Posts the job; the helper runs it while the caller computes its own range. */
  post(inputs: HelperInputs): void {
    if (this.pending) throw new Error('PaHelper: a job is still running (call finish first)');
    const { n, d, count, wantV } = inputs;
    const lengths: Array<[string, number, number, string]> = [
      ['x', inputs.x.length, n * d, 'n x d'],
      ['labels', inputs.labels.length, n, 'n'],
      ['proxies', inputs.proxies.length, count * d, 'count x d'],
    ];
    for (const [name, got, want, what] of lengths) {
      if (got !== want) throw new Error(`PaHelper.post: ${name} has ${got} values, expected ${what} = ${want}`);
    }
    const layout = stageLayout(n, d, count, wantV);
    if (this.stage.byteLength < 4 * layout.floats) this.stage = new SharedArrayBuffer(4 * layout.floats);
    const stage = new Float32Array(this.stage);
    stage.set(inputs.x, layout.x);
    new Int32Array(this.stage, 4 * layout.labels, n).set(inputs.labels);
    stage.set(inputs.proxies, layout.proxies);
    const { x: _x, labels: _l, proxies: _p, ...sizes } = inputs;
    const job: PaHelperJob = { kind: 'job', stage: this.stage, ...sizes };
    Atomics.store(this.word, 0, IDLE);
    this.jobs.postMessage(job);
    this.pending = { job, layout };
  }

  /** Waits for the job's end; throws the helper's error, or when it does not answer. */
  finish(): HelperOutputs {
    const pending = this.pending;
    if (!pending) throw new Error('PaHelper: no job to finish (call post first)');
    this.pending = undefined;
    const waited = Atomics.wait(this.word, 0, IDLE, ANSWER_TIMEOUT_MS);
    const state = Atomics.load(this.word, 0);
    if (state === FAILED) {
      const message = receiveMessageOnPort(this.errors)?.message as string | undefined;
      throw new Error(`Proxy-Anchor helper thread failed: ${message ?? 'no message'}`);
    }
    if (state !== DONE) {
      this.lost = true;
      void this.worker.terminate();
      throw new Error(
        `Proxy-Anchor helper thread: no answer in ${ANSWER_TIMEOUT_MS / 1000} s (${waited}); set SEE_WORKERS=1 to run without it`,
      );
    }
    this.finished++;
    const { job, layout } = pending;
    const view = (offset: number, floats: number) => new Float32Array(this.stage, 4 * offset, floats);
    return {
      w: view(layout.w, job.count * job.d),
      sums: view(layout.sums, job.count),
      posCos: view(layout.posCos, job.n),
      v: job.wantV ? view(layout.v, job.n * job.d) : undefined,
    };
  }

  /** whether it stopped answering (and was terminated) */
  get isLost(): boolean {
    return this.lost;
  }

  /** jobs the helper has finished, for tests and logs */
  get finishedJobs(): number {
    return this.finished;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

let shared: PaHelper | undefined;

/** Whether this process has started its helper (tests: it starts only for work it takes a share of). */
export function paHelperStarted(): boolean {
  return shared !== undefined;
}

/** The process's helper when SEE_WORKERS allows a second thread (started now if need be), else undefined. */
export function paHelper(): PaHelper | undefined {
  if (trainWorkerCount() <= 1) return undefined;
  if (!shared || shared.isLost) shared = PaHelper.start();
  return shared;
}
