/**
 * Prints, as one JSON object, the WebGPU adapter Dawn picks (SEE_WEBGPU_FLAGS apply), its limits
 * and the Node that runs. `adapter.ts nvidia` exits 1 (after printing) when the adapter is a
 * software one or not NVIDIA's: Dawn silently falls back to llvmpipe when the NVIDIA driver is
 * not found, and nothing should be timed then. `adapter.ts any` accepts any adapter.
 */
import { probeWebGpu } from '../../lib/backend/webgpu_backend';
import { dawnFlags } from '../../lib/backend/webgpu_bootstrap';

async function main(): Promise<void> {
  const expect = process.argv[2] ?? 'any';
  if (!['any', 'nvidia'].includes(expect)) throw new Error(`adapter.ts: expected "any" or "nvidia", got "${expect}"`);
  const probe = await probeWebGpu();
  const node = { node: process.version, node_path: process.execPath, dawn_flags: dawnFlags() };
  if (!probe.ok) {
    console.log(JSON.stringify({ ok: false, reason: probe.reason, ...node }));
    process.exit(1);
  }
  const a = probe.description;
  const nvidia = /nvidia/i.test(`${a.vendor} ${a.device} ${a.description}`);
  const refused =
    expect === 'nvidia' && (a.software || !nvidia)
      ? `expected an NVIDIA GPU, Dawn gave ${a.software ? 'the software adapter ' : ''}${a.vendor} ${a.device}: check the Vulkan ICD (VK_DRIVER_FILES)`
      : undefined;
  console.log(JSON.stringify({ ok: !refused, ...(refused ? { reason: refused } : {}), ...a, ...node }));
  process.exit(refused ? 1 : 0);
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, reason: (err as Error).message }));
  process.exit(1);
});
