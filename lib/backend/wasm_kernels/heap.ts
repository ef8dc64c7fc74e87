/**
 * Direct access to tfjs-backend-wasm's heap for the kit's kernels: tensors' byte addresses (for the
 * SIMD kernels, simd/) and new outputs.
 *
 * A heap view (Float32Array over HEAPU8.buffer) is invalidated when the heap grows, which any
 * allocation can do: take views after the last makeOutput of a kernel, never before. Addresses stay
 * valid while their tensor lives.
 */
import * as tf from '@tensorflow/tfjs';

/** What the kit uses of tfjs-backend-wasm's BackendWasm (its class is not exported as a type we can import here). */
export interface WasmBackend {
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number; shape: number[]; dtype: string; refCount: number };
    delete(dataId: object): void;
  };
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/** The backend a kernel was called with (tfjs passes it in the kernel's arguments). */
export function wasmBackendOf(args: { backend?: unknown }, kernel: string): WasmBackend {
  const b = args.backend as Partial<WasmBackend> | undefined;
  if (!b || !b.dataIdMap || !b.wasm || typeof b.makeOutput !== 'function') {
    throw new Error(`wasm kernel ${kernel}: called without the wasm backend`);
  }
  return b as WasmBackend;
}

export const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Byte address of a tensor's first element on the heap. */
export function addressOf(backend: WasmBackend, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId).memoryOffset;
}

/**
 * Memory the kit's SIMD kernels run in: tfjs-wasm's heap (heapMemory) or a thread's own WebAssembly
 * memory (lib/losses/pa_helper_worker.ts).
 */
export interface KernelMemory {
  /** the memory's bytes now (a view dies when the memory grows) */
  bytes(): Uint8Array;
  /** scratch space of `floats` float32 values: its byte address, and how to give it back */
  scratch(floats: number): { address: number; release(): void };
}

/** tfjs-wasm's heap as KernelMemory: scratch is a buffer of the backend's, freed by release(). */
export function heapMemory(backend: WasmBackend): KernelMemory {
  return {
    bytes: () => backend.wasm.HEAPU8,
    scratch(floats) {
      const info = backend.makeOutput([floats], 'float32');
      return { address: addressOf(backend, info), release: () => void backend.disposeData(info.dataId) };
    },
  };
}

/**
 * Whether `t` alone holds its heap memory (tfjs's reference count is 1: no clone, reshape or tensor
 * saved by a tape shares it), so that writing over it in place changes no other tensor.
 */
export function holdsMemoryAlone(backend: WasmBackend, t: tf.TensorInfo): boolean {
  return backend.dataIdMap.get(t.dataId).refCount === 1;
}

/**
 * A new float32 tensor of `shape` with its own (uninitialised) heap memory, for code that writes
 * every value itself (the SIMD passes); tracked by the enclosing tidy like any tensor.
 */
export function heapTensor(backend: WasmBackend, shape: number[]): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32'));
}

/**
 * A float32 tensor's values as a view of the wasm heap, without a copy; undefined off wasm or for
 * another dtype. Valid until the next allocation on the heap: copy from it at once.
 */
export function heapValues(t: tf.Tensor): Float32Array | undefined {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return undefined;
  return (tf.backend() as unknown as WasmBackend).typedArrayFromHeap(t) as Float32Array;
}
