/** Entry of `npm run bench [-- <name> ...]`: runs the named benchmarks, or all of them. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { initBackend } from '../../lib/tf';
import { makeEmitter, type Benchmark } from './harness';

// helpers of the benchmarks, not benchmarks (wasm_heap: the backends' heap meter of backbones and profile)
const NOT_BENCHMARKS = new Set(['harness', 'run', 'wasm_heap']);

function available(): string[] {
  return readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && !NOT_BENCHMARKS.has(f.replace(/\.ts$/, '')) && !f.startsWith('_'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const all = available();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) {
    throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; available: ${all.join(', ')}`);
  }
  await initBackend();
  for (const name of names.length ? names : all) {
    const mod = require(join(__dirname, `${name}.ts`)) as { benchmark: Benchmark };
    console.error(`# bench ${name}: ${mod.benchmark.description}`);
    await mod.benchmark.run(makeEmitter(name));
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
