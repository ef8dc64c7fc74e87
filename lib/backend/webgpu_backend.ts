/**
 * The kit's 'webgpu' backend: tfjs-backend-webgpu's WebGPUBackend on a device the kit requests
 * itself, so that
 * - the device gets the adapter's own limits (largest buffer and storage binding),
 * - GPU errors are not silent: `device.lost` and uncaptured errors (tfjs attaches no handler) are
 *   recorded, printed once, and thrown by the next read and the next op,
 * - a tensor larger than maxStorageBufferBindingSize (wrong values without any error otherwise)
 *   is refused with an error naming its shape and the limit,
 * - the device is destroyed when the process ends (a live device keeps Node busy).
 * Replaces the factory tfjs-backend-webgpu registers on import.
 */
import * as tf from '@tensorflow/tfjs';
import { installDawn, loadWebGpuBackendModule, type DawnAdapter, type DawnDevice } from './webgpu_bootstrap';
import { describeAdapter, type AdapterDescription } from './webgpu_adapter';

type WebGpuModule = ReturnType<typeof loadWebGpuBackendModule>;
type TensorData = { shape: number[]; dtype: tf.DataType; resource: unknown };

export type WebGpuProbe = { ok: true; adapter: DawnAdapter; description: AdapterDescription } | { ok: false; reason: string };

let probed: WebGpuProbe | undefined;
let device: DawnDevice | undefined;
let failure: Error | undefined;
let factoryError: Error | undefined;
let registered = false;

/** Finds Dawn's adapter once (high-performance preference); a reason when there is none. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  if (probed) return probed;
  try {
    const adapter = await installDawn().requestAdapter({ powerPreference: 'high-performance' });
    probed = adapter
      ? { ok: true, adapter, description: describeAdapter(adapter) }
      : {
          ok: false,
          reason: 'Dawn found no WebGPU adapter (no Vulkan driver: install libvulkan1 and a driver, e.g. Mesa 25 mesa-vulkan-drivers)',
        };
  } catch (err) {
    probed = { ok: false, reason: (err as Error).message.split('\n').join(' ') };
  }
  return probed;
}

/** Records the first GPU failure; it is printed at once and thrown by later reads and ops. */
function fail(what: string, message: string): void {
  if (failure) return;
  failure = new Error(`WebGPU ${what}: ${message.trim()}`);
  console.error(`[see-kit] ${failure.message}`);
}

/** Throws the recorded GPU failure, if any (called before and after every read). */
export function throwIfGpuFailed(): void {
  if (failure) throw failure;
}

function bindingCheck(limits: { binding: number; buffer: number }, data: TensorData): void {
  const bytes = tf.util.sizeFromShape(data.shape) * (data.dtype === 'complex64' ? 8 : 4);
  const limit = Math.min(limits.binding, limits.buffer);
  if (bytes > limit) {
    throw new Error(
      `webgpu: a ${data.dtype} tensor of shape [${data.shape.join(', ')}] needs ${(bytes / 2 ** 20).toFixed(1)} MiB, ` +
        `more than this adapter's maxStorageBufferBindingSize of ${(limit / 2 ** 20).toFixed(1)} MiB (WebGPU would compute wrong values ` +
        'without an error); use a smaller batch or image size',
    );
  }
}

function checkedBackendClass(mod: WebGpuModule, limits: { binding: number; buffer: number }) {
  // tfjs declares these members private; the subclass reaches them through a structural cast
  type Internals = { tensorMap: { get(id: tf.DataId): TensorData } };
  return class CheckedWebGPUBackend extends mod.WebGPUBackend {
    override async read(dataId: object): Promise<tf.backend_util.BackendValues> {
      throwIfGpuFailed();
      const values = await super.read(dataId);
      throwIfGpuFailed();
      return values;
    }

    override uploadToGPU(dataId: tf.DataId): void {
      throwIfGpuFailed();
      const data = (this as unknown as Internals).tensorMap.get(dataId);
      if (data.resource == null) bindingCheck(limits, data);
      super.uploadToGPU(dataId);
    }
  };
}

async function createBackend(adapter: DawnAdapter, mod: WebGpuModule): Promise<tf.KernelBackend> {
  const l = adapter.limits;
  const requiredLimits = Object.fromEntries(
    [
      'maxComputeWorkgroupStorageSize',
      'maxComputeWorkgroupsPerDimension',
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupSizeX',
      'maxComputeInvocationsPerWorkgroup',
    ].map((k) => [k, l[k]]),
  );
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  const dev = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  device = dev;
  dev.addEventListener('uncapturederror', (event) => fail('error', event.error.message));
  void dev.lost.then((info) => {
    if (device === dev && info.reason !== 'destroyed') fail('device lost', `${info.reason}: ${info.message}`);
  });
  process.once('exit', destroyWebGpuDevice);
  const Backend = checkedBackendClass(mod, { binding: dev.limits.maxStorageBufferBindingSize, buffer: dev.limits.maxBufferSize });
  // WebGPUBackend's constructor takes the browser's GPUDevice and GPUAdapterInfo types
  return new Backend(dev as never, adapter.info as never);
}

/**
 * Registers the kit's 'webgpu' factory for the probed adapter (once), replacing the one
 * tfjs-backend-webgpu registered on import. Priority 0: tfjs never picks it on its own.
 */
export function registerWebGpuBackend(adapter: DawnAdapter): void {
  if (registered) return;
  registered = true;
  const mod = loadWebGpuBackendModule();
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      try {
        return await createBackend(adapter, mod);
      } catch (err) {
        factoryError = err as Error;
        throw err;
      }
    },
    0,
  );
}

/** Why the last start of the 'webgpu' backend failed, if it did. */
export function webgpuFactoryError(): Error | undefined {
  return factoryError;
}

/**
 * GPU bytes in use by tensors and the buffer pool's total (tfjs-backend-webgpu keeps freed
 * buffers for reuse by exact size: varying shapes make the pool grow). Undefined off webgpu.
 */
export function webgpuMemory(): { inUseBytes: number; pooledBytes: number } | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return { inUseBytes: m.numBytesInGPU ?? 0, pooledBytes: m.numBytesAllocatedInGPU ?? 0 };
}

/**
 * Frees the backend's buffers and destroys the device so that Node can exit; runs at process
 * exit on its own. A later initBackend('webgpu') in the same process starts a new device.
 */
export function destroyWebGpuDevice(): void {
  const dev = device;
  if (!dev) return;
  device = undefined;
  if (registered) {
    tf.removeBackend('webgpu'); // disposes the backend's buffers; a later registration starts afresh
    registered = false;
  }
  dev.destroy();
  failure = undefined;
  probed = undefined; // an adapter creates one device only: the next start asks Dawn again
}
