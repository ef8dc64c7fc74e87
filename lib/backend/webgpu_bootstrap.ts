/**
 * Dawn's WebGPU for Node (the `webgpu` package, dawn-gpu/node-webgpu) made visible to tfjs.
 *
 * tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when its module is
 * imported, and its code uses the WebGPU globals (GPUBufferUsage, GPUBuffer, ...) that a browser
 * provides. This module is the one place that sets them: Dawn's `globals` on globalThis and
 * `navigator.gpu = create(flags)`, and only then requires @tensorflow/tfjs-backend-webgpu.
 *
 * SEE_WEBGPU_FLAGS: Dawn options for create(), separated by spaces, e.g. `adapter=H200`,
 * `backend=vulkan`, `enable-dawn-features=a,b`, `validate=1`.
 */

/** The navigator.gpu part of WebGPU that the kit uses (no DOM types needed). */
export interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<DawnAdapter | null>;
}

export interface DawnAdapter {
  readonly info: Record<string, unknown>;
  readonly limits: Record<string, number>;
  readonly features: ReadonlySet<string>;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<DawnDevice>;
}

export interface DawnDevice {
  readonly lost: Promise<{ reason: string; message: string }>;
  readonly limits: Record<string, number>;
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string } }) => void): void;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean }): unknown;
  destroy(): void;
}

let gpu: DawnGpu | undefined;
let flags: string[] = [];

/** SEE_WEBGPU_FLAGS split into Dawn's create() options (empty when unset). */
export function parseWebGpuFlags(value: string | undefined = process.env.SEE_WEBGPU_FLAGS): string[] {
  const parts = (value ?? '').split(/\s+/).filter(Boolean);
  for (const p of parts) {
    if (!/^[a-z-]+=\S+$/.test(p)) {
      throw new Error(
        `SEE_WEBGPU_FLAGS: "${p}" is not a Dawn option; expected name=value items separated by spaces (e.g. "adapter=H200 backend=vulkan")`,
      );
    }
  }
  return parts;
}

/** The flags navigator.gpu was created with (after installDawn). */
export function dawnFlags(): readonly string[] {
  return flags;
}

/**
 * Loads Dawn once and installs its globals and navigator.gpu. Throws naming the package when
 * Dawn cannot be loaded (no prebuilt binary for this platform, or a missing system library).
 */
export function installDawn(): DawnGpu {
  if (gpu) return gpu;
  flags = parseWebGpuFlags();
  let dawn: { create(options: string[]): DawnGpu; globals: object };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    dawn = require('webgpu') as typeof dawn; // an ES module: loaded through Node's require(esm)
  } catch (err) {
    throw new Error(`webgpu (Dawn for Node) could not be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  Object.assign(globalThis, dawn.globals);
  gpu = dawn.create(flags);
  // Node 21+ has a navigator object of its own; Node 20 has none
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

/** Installs Dawn, then loads tfjs-backend-webgpu (which registers its kernels for 'webgpu'). */
export function loadWebGpuBackendModule(): typeof import('@tensorflow/tfjs-backend-webgpu') {
  installDawn();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-backend-webgpu') as typeof import('@tensorflow/tfjs-backend-webgpu');
}
