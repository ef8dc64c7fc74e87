/**
 * Lists the files under node_modules that the GPU-machine check loads: imports the webgpu audit's
 * and the GPU benchmark's modules, starts the webgpu backend and runs one op (tfjs-backend-webgpu
 * and Dawn load lazily), then writes every loaded file under node_modules (require.cache), one
 * per line, to the file given as argument.
 * Used by scripts/gpu_machine/pack.sh to prune node_modules.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const root = join(__dirname, '..', '..');
  // run.ts runs benchmarks when imported: its imports (harness, lib/tf) are covered here
  for (const m of ['test/bench/harness.ts', 'test/bench/gpu.ts', 'test/backend/audit_nets.ts', 'test/backend/random.ts']) {
    require(join(root, m));
  }
  const { initBackend, tf, releaseWebGpu } = require(join(root, 'lib/tf.ts')) as typeof import('../../lib/tf');
  await initBackend('webgpu', { quiet: true });
  const t = tf.add(tf.fill([4], 1), 1);
  await t.data();
  t.dispose();
  await initBackend('wasm', { quiet: true });
  releaseWebGpu();
  const files = Object.keys(require.cache).filter((f) => f.includes('/node_modules/'));
  writeFileSync(process.argv[2], files.join('\n') + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
