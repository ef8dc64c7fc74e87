/**
 * The one module that imports tfjs and chooses the compute backend.
 *
 * SEE_BACKEND=auto|tensorflow|webgpu|wasm|cpu (default auto):
 * - tensorflow: @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node (native libtensorflow,
 *   CUDA when the GPU build installed); only present where their install script could
 *   download libtensorflow.
 * - webgpu: @tensorflow/tfjs-backend-webgpu on Dawn (the `webgpu` package) over Vulkan, with the
 *   kit's device checks (./webgpu_backend) and kernels (./webgpu_kernels); SEE_WEBGPU_FLAGS
 *   passes options to Dawn (e.g. `adapter=H200`).
 * - wasm: @tensorflow/tfjs-backend-wasm with the training kernels this kit adds
 *   (lib/backend/wasm_kernels); one thread under Node.
 * - cpu: the pure-JS reference backend (about 35x slower than wasm here).
 * `auto` takes the first of these that loads, except that it passes over a software WebGPU
 * adapter (Mesa's llvmpipe: slower than wasm), which SEE_BACKEND=webgpu takes.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm_kernels';
import { gemmVariant, wantsFma } from './wasm_kernels/simd';
import { NATIVE_GEMM_PATH, nativeGemmFromEnv, nativeGemmMode, wantsAvx512 } from './wasm_kernels/native_gemm';
import { registerWebGpuTrainingKernels } from './webgpu_kernels';
import { destroyWebGpuDevice, probeWebGpu, registerWebGpuBackend, webgpuFactoryError } from './webgpu_backend';
import { adapterLine, adapterName, type AdapterDescription } from './webgpu_adapter';

export { tf };

// PROD silences tfjs's "install the node backend" banner; the kit prints its own backend line.
tf.env().set('PROD', true);

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
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
  /** webgpu: the adapter Dawn chose and its limits */
  adapter?: AdapterDescription;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
const REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
const PROVIDERS: Record<Exclude<BackendName, 'tensorflow'>, string> = {
  webgpu: '@tensorflow/tfjs-backend-webgpu on Dawn (webgpu)',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

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

/** The adapter to use, or undefined with the reason pushed to `skipped` (auto passes software ones over). */
async function webgpuAdapter(request: BackendRequest, skipped: string[]): Promise<AdapterDescription | undefined> {
  const probe = await probeWebGpu();
  if (!probe.ok) {
    skipped.push(`webgpu: ${probe.reason}`);
    return undefined;
  }
  if (request === 'auto' && probe.description.software) {
    skipped.push(`webgpu: ${adapterName(probe.description)} is a software adapter, slower than wasm (SEE_BACKEND=webgpu uses it)`);
    return undefined;
  }
  registerWebGpuBackend(probe.adapter);
  return probe.description;
}

async function activate(name: BackendName): Promise<boolean> {
  if (name === 'wasm') registerWasmTrainingKernels();
  if (name === 'webgpu') registerWebGpuTrainingKernels();
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

function threadsOf(name: BackendName): number {
  if (name === 'wasm') return getThreadsCount();
  if (name === 'cpu' || name === 'webgpu') return 1;
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
  wantsFma(); // SEE_WASM_FMA is checked on every backend, so a wrong value never waits for the first product
  wantsAvx512(); // and SEE_NATIVE_AVX512
  if (nativeGemmMode() === 'required') nativeGemmFromEnv(); // likewise SEE_NATIVE_GEMM: throws now where 1 cannot be met
  if (current && (request === current.requested || request === current.name || request === 'auto')) {
    return current;
  }
  const skipped: string[] = [];
  const order: BackendName[] = request === 'auto' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : [request];
  for (const name of order) {
    let provider = name === 'tensorflow' ? '' : PROVIDERS[name];
    let adapter: AdapterDescription | undefined;
    if (name === 'tensorflow') {
      const pkg = tryNative(skipped);
      if (!pkg) continue;
      provider = pkg;
    }
    if (name === 'webgpu') {
      adapter = await webgpuAdapter(request, skipped);
      if (!adapter) continue;
    }
    if (await activate(name)) {
      current = { name, requested: request, provider, threads: threadsOf(name), skipped, ...(adapter ? { adapter } : {}) };
      if (!options.quiet) console.log(describeBackend(current));
      return current;
    }
    const why = name === 'webgpu' ? webgpuFactoryError()?.message.split('\n')[0] : undefined;
    skipped.push(`${name}: tf.setBackend('${name}') failed${why ? `: ${why}` : ''}`);
  }
  throw new Error(
    `SEE_BACKEND=${request}: no backend could be started.\n  ${skipped.join('\n  ')}\n` +
      `The native backend needs @tensorflow/tfjs-node-gpu (CUDA 11.2, cuDNN 8.1) or @tensorflow/tfjs-node installed; ` +
      `webgpu needs a Vulkan driver (libvulkan1 and the GPU's driver, or Mesa 25's lavapipe on a CPU); ` +
      `wasm and cpu come with @tensorflow/tfjs.`,
  );
}

/** the wasm backend's matrix product (gemmVariant) in words */
const MATMUL_WORDS: Record<string, string> = {
  'avx512-fma': `native AVX-512F + FMA (${NATIVE_GEMM_PATH}; SEE_NATIVE_AVX512=0 for AVX2, SEE_NATIVE_GEMM=0 for WebAssembly only)`,
  'avx2-fma': `native AVX2 + FMA (${NATIVE_GEMM_PATH}; SEE_NATIVE_GEMM=0 for WebAssembly only)`,
  fma: 'WebAssembly SIMD with fused multiply-adds',
  'mul-add': 'WebAssembly SIMD',
  none: "tfjs-wasm's own",
};

/** One human line: which backend, from which package, with how many threads (and which matrix product) or on which adapter. */
export function describeBackend(info: BackendInfo): string {
  const passed = info.skipped.length && info.requested === 'auto' ? ` (auto passed over: ${info.skipped.join('; ')})` : '';
  const product = info.name === 'wasm' && info === current ? `, matrix product ${MATMUL_WORDS[gemmVariant() ?? 'none']}` : '';
  const where = info.adapter ? `on ${adapterLine(info.adapter)}` : `${info.threads} thread(s)${product}`;
  return `[see-kit] backend ${info.name} via ${info.provider}, ${where}${passed}`;
}

/**
 * Destroys the WebGPU device (its buffers freed) so the process can exit or start a fresh device;
 * the next initBackend chooses again. Also runs at process exit on its own.
 */
export function releaseWebGpu(): void {
  destroyWebGpuDevice();
  if (current?.name === 'webgpu') current = undefined;
}

/** The info of the active backend; throws when initBackend was not awaited first. */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error('backend not initialised: await initBackend() first');
  return current;
}
