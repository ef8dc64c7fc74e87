/**
 * `npm run bench -- gemm`: the kit's float32 matrix product on wasm (lib/backend/wasm_kernels/gemm.ts,
 * behind the BatchMatMul kernel) against tfjs-backend-wasm 4.22's own BatchMatMul (XNNPACK's fully
 * connected operator, plain operands: its fastest path), side by side on one thread, alternating
 * the two in every round. Shapes [M, K] x [K, N] of the products the kit runs most: SEE's synthetic
 * term at SOP's class count (a block of 2,048 classes against 1,152 points, both products), ResNet-50's
 * patch matrices and 1x1 convolutions at batch 8, ViT-S/16's MLP at batch 8, and 1024^3.
 * One JSON line per shape: kit_ms, xnnpack_ms (medians), GFLOP/s of each, speedup = xnnpack_ms / kit_ms,
 * and max_rel_diff between the two results (float rounding: the sums run in different orders).
 */
import { tf } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { maxRelDiff } from '../backend/random';
import type { Benchmark } from './harness';

const SHAPES: Array<{ name: string; m: number; k: number; n: number }> = [
  { name: 'SEE cosines (2048 classes x 1152 points)', m: 2048, k: 128, n: 1152 },
  { name: 'SEE class sums W (2048 x 1152 x 128)', m: 2048, k: 1152, n: 128 },
  { name: 'ResNet-50 layer1 3x3 patches', m: 25088, k: 576, n: 64 },
  { name: 'ResNet-50 layer1 1x1 expansion', m: 25088, k: 64, n: 256 },
  { name: 'ResNet-50 layer4 3x3 patches', m: 392, k: 4608, n: 512 },
  { name: 'ViT-S MLP fc1', m: 1576, k: 384, n: 1536 },
  { name: 'ViT-S MLP fc2', m: 1576, k: 1536, n: 384 },
  { name: 'square 1024', m: 1024, k: 1024, n: 1024 },
];

const ROUNDS = Number(process.env.BENCH_REPEATS ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const benchmark: Benchmark = {
  description: "the kit's wasm matrix product against XNNPACK's (tfjs-wasm's own BatchMatMul), side by side",
  async run(emit) {
    if (tf.getBackend() !== 'wasm') throw new Error(`bench gemm needs the wasm backend, got ${tf.getBackend()}`);
    const builtin = builtinWasmKernel('BatchMatMul');
    const backend = tf.backend();
    const attrs = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
    for (const s of SHAPES) {
      const a = tf.randomUniform([s.m, s.k], -1, 1, 'float32', 1); // [M, K]
      const b = tf.randomUniform([s.k, s.n], -1, 1, 'float32', 2); // [K, N]
      const kit = async (): Promise<Float32Array> => {
        const c = tf.matMul(a, b); // [M, N]
        const data = (await c.data()) as Float32Array;
        c.dispose();
        return data;
      };
      const xnnpack = async (): Promise<Float32Array> => {
        const info = builtin.kernelFunc({ inputs: { a, b }, attrs, backend }) as tf.TensorInfo;
        const c = tf.engine().makeTensorFromTensorInfo(info); // [M, N]
        const data = (await c.data()) as Float32Array;
        c.dispose();
        return data;
      };
      const diff = maxRelDiff(await kit(), await xnnpack()); // also the warm-up of both
      const kitMs: number[] = [];
      const xnnMs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        for (const [fn, into] of r % 2
          ? ([
              [xnnpack, xnnMs],
              [kit, kitMs],
            ] as const)
          : ([
              [kit, kitMs],
              [xnnpack, xnnMs],
            ] as const)) {
          const t0 = performance.now();
          await fn();
          into.push(performance.now() - t0);
        }
      }
      tf.dispose([a, b]);
      const flops = 2 * s.m * s.k * s.n;
      const k = median(kitMs);
      const x = median(xnnMs);
      emit({
        setting: s.name,
        m: s.m,
        k: s.k,
        n: s.n,
        rounds: ROUNDS,
        kit_ms: +k.toFixed(2),
        xnnpack_ms: +x.toFixed(2),
        kit_gflops: +(flops / k / 1e6).toFixed(1),
        xnnpack_gflops: +(flops / x / 1e6).toFixed(1),
        speedup: +(x / k).toFixed(2),
        max_rel_diff: diff,
      });
    }
  },
};
