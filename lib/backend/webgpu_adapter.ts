/**
 * What a WebGPU adapter is, in the words Dawn reports (adapter.info), and the limits that decide
 * what fits: the largest buffer and the largest storage binding. A software adapter (Mesa's
 * llvmpipe/lavapipe, SwiftShader) runs WebGPU on the CPU, slower than the wasm backend.
 */
import type { DawnAdapter } from './webgpu_bootstrap';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  /** driver and version as the driver gives them */
  description: string;
  software: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|warp/i;

function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function describeAdapter(adapter: DawnAdapter): AdapterDescription {
  const i = adapter.info;
  const vendor = text(i.vendor);
  const architecture = text(i.architecture);
  const device = text(i.device);
  const description = text(i.description);
  const software = i.isFallbackAdapter === true || architecture === 'software' || SOFTWARE_NAMES.test(`${device} ${description}`);
  return {
    vendor,
    architecture,
    device,
    description,
    software,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
  };
}

function mib(bytes: number): string {
  return `${Math.floor(bytes / 2 ** 20)} MiB`;
}

/** "vendor device (driver), software|hardware, binding <= X MiB, buffer <= Y MiB" */
export function adapterLine(a: AdapterDescription): string {
  const name = [a.vendor, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  const driver = a.description && a.description !== a.device ? ` (${a.description})` : '';
  return (
    `${name}${driver}, ${a.software ? 'software' : 'hardware'} adapter, ` +
    `storage binding <= ${mib(a.maxStorageBufferBindingSize)}, buffer <= ${mib(a.maxBufferSize)}`
  );
}

/** The name benchmarks record: vendor and device as Dawn reports them. */
export function adapterName(a: AdapterDescription): string {
  return [a.vendor, a.device].filter(Boolean).join(' ') || a.description || 'unnamed adapter';
}
