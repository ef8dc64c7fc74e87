/**
 * The one module that imports tfjs and chooses the compute backend.
 *
 * SEE_BACKEND=auto|tensorflow|wasm|cpu (default auto):
 * - tensorflow: @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node (native libtensorflow,
 *   CUDA when the GPU build installed); only present where their install script could
 *   download libtensorflow.
 * - wasm: @tensorflow/tfjs-backend-wasm with the training kernels this kit adds
 *   (lib/backend/wasm_kernels); one thread under Node.
 * - cpu: the pure-JS reference backend (about 35x slower than wasm here).
 * `auto` takes the first of these that loads.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm_kernels';

export { tf };

// PROD silences tfjs's "install the node backend" banner; the kit prints its own backend line.
tf.env().set('PROD', true);

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendRequest = BackendName | 'auto';

export interface BackendInfo {
  name: BackendName;
  requested: BackendRequest;
  /** the package that provides the backend */
  provider: string;
  /** compute threads the backend uses (native: as many as libtensorflow chooses, reported as os cores) */
  threads: number;
  /** why earlier choices of `auto` were passed over */
  skipped: string[];
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
const REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

let current: BackendInfo | undefined;

/** Parses SEE_BACKEND (or an explicit value); throws on anything unknown. */
export function parseBackendRequest(value: string | undefined): BackendRequest {
  const v = (value ?? 'auto').trim().toLowerCase() || 'auto';
  if (!(REQUESTS as readonly string[]).includes(v)) {
    throw new Error(`SEE_BACKEND="${value}" is not a backend; expected one of ${REQUESTS.join(', ')}`);
  }
  return v as BackendRequest;
}

function tryNative(skipped: string[]): string | undefined {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(pkg); // registers the 'tensorflow' backend with the shared tfjs-core
      if (tf.findBackendFactory('tensorflow') != null) return pkg;
      skipped.push(`${pkg}: loaded but registered no 'tensorflow' backend (a second copy of tfjs-core?)`);
    } catch (err) {
      const msg = (err as Error).message.split('\n')[0];
      skipped.push(`${pkg}: ${msg}`);
    }
  }
  return undefined;
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'wasm') registerWasmTrainingKernels();
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function threadsOf(name: BackendName): number {
  if (name === 'wasm') return getThreadsCount();
  if (name === 'cpu') return 1;
  return require('node:os').cpus().length as number;
}

/**
 * Chooses and activates the backend once per process; later calls return the same info.
 * Prints one line saying which backend runs, unless `quiet`.
 */
export async function initBackend(
  request: BackendRequest = parseBackendRequest(process.env.SEE_BACKEND),
  options: { quiet?: boolean } = {},
): Promise<BackendInfo> {
  if (current && (request === current.requested || request === current.name || request === 'auto')) {
    return current;
  }
  const skipped: string[] = [];
  const order: BackendName[] = request === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [request];
  for (const name of order) {
    let provider = name === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu';
    if (name === 'tensorflow') {
      const pkg = tryNative(skipped);
      if (!pkg) continue;
      provider = pkg;
    }
    if (await activate(name)) {
      current = { name, requested: request, provider, threads: threadsOf(name), skipped };
      if (!options.quiet) console.log(describeBackend(current));
      return current;
    }
    skipped.push(`${name}: tf.setBackend('${name}') failed`);
  }
  throw new Error(
    `SEE_BACKEND=${request}: no backend could be started.\n  ${skipped.join('\n  ')}\n` +
      `The native backend needs @tensorflow/tfjs-node-gpu (CUDA 11.2, cuDNN 8.1) or @tensorflow/tfjs-node installed; ` +
      `wasm and cpu come with @tensorflow/tfjs.`,
  );
}

/** One human line: which backend, from which package, with how many threads. */
export function describeBackend(info: BackendInfo): string {
  const passed = info.skipped.length && info.requested === 'auto' ? ` (auto passed over: ${info.skipped.join('; ')})` : '';
  return `[see-kit] backend ${info.name} via ${info.provider}, ${info.threads} thread(s)${passed}`;
}

/** The info of the active backend; throws when initBackend was not awaited first. */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error('backend not initialised: await initBackend() first');
  return current;
}
