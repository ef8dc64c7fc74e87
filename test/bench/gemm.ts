/**
 * `npm run bench -- gemm`: the kit's float32 matrix product on wasm (lib/backend/wasm_kernels/gemm.ts,
 * behind BatchMatMul and Conv2D) in both variants of its WebAssembly inner step, fused multiply-add
 * (relaxed SIMD) and multiply then add (SEE_WASM_FMA=0), and the native product on the same heap
 * (native_gemm.ts, the default where npm install built it; its fields are null where it is not) at
 * the width it uses (`native_width`: 512 where the CPU has AVX-512F) and, where that is 512, also at
 * 256 bits (`native_avx2_*`, SEE_NATIVE_AVX512=0's product), against tfjs-backend-wasm 4.22's own
 * BatchMatMul (XNNPACK's fully connected operator, plain operands: its fastest path), side by side on
 * one thread, the order of the three rotating every round. Shapes [M, K] x [K, N] of the products the
 * kit runs most: SEE's synthetic term at SOP's class count (a block of 2,048 classes against 1,152
 * points, both products), ResNet-50's patch matrices and 1x1 convolutions at batch 8, ViT-S/16's MLP
 * at batch 8, 1024^3, and three filter gradients of ResNet-50 whose A (the patches) is given transposed
 * (`transposed_a`; XNNPACK's BatchMatMul with transposeA). Each timed call allocates its output and frees it; nothing is read back.
 * One JSON line per shape: native_ms, native_avx2_ms, fma_ms, mul_add_ms, xnnpack_ms (medians), GFLOP/s of each,
 * speedups over XNNPACK, and the largest relative difference of each result from XNNPACK's.
 */
import { tf } from '../../lib/tf';
import { builtinWasmKernel } from '../../lib/backend/wasm_kernels';
import { gemmOnHeap } from '../../lib/backend/wasm_kernels/gemm';
import { addressOf, heapMemory, type WasmBackend } from '../../lib/backend/wasm_kernels/heap';
import { loadHeapKernels, type HeapKernels } from '../../lib/backend/wasm_kernels/simd';
import { loadNativeGemm } from '../../lib/backend/wasm_kernels/native_gemm';
import { maxRelDiff } from '../backend/random';
import { type Benchmark, median } from './harness';

/** transposedA: A given as [k, m] (read in place with row stride 1), as the filter gradients' patches are */
const SHAPES: Array<{ name: string; m: number; k: number; n: number; transposedA?: boolean }> = [
  { name: 'SEE cosines (2048 classes x 1152 points)', m: 2048, k: 128, n: 1152 },
  { name: 'SEE class sums W (2048 x 1152 x 128)', m: 2048, k: 1152, n: 128 },
  { name: 'ResNet-50 layer1 3x3 patches', m: 25088, k: 576, n: 64 },
  { name: 'ResNet-50 layer1 1x1 expansion', m: 25088, k: 64, n: 256 },
  { name: 'ResNet-50 layer4 3x3 patches', m: 392, k: 4608, n: 512 },
  { name: 'ViT-S MLP fc1', m: 1576, k: 384, n: 1536 },
  { name: 'ViT-S MLP fc2', m: 1576, k: 1536, n: 384 },
  { name: 'square 1024', m: 1024, k: 1024, n: 1024 },
  { name: 'ResNet-50 layer1 1x1 reduction filter gradient (A transposed)', m: 256, k: 25088, n: 64, transposedA: true },
  { name: 'ResNet-50 layer2 3x3 filter gradient, one part (A transposed)', m: 1152, k: 784, n: 128, transposedA: true },
  { name: 'ResNet-50 layer3 1x1 expansion filter gradient (A transposed)', m: 256, k: 1568, n: 1024, transposedA: true },
];

const ROUNDS = Number(process.env.BENCH_REPEATS ?? 5);

export const benchmark: Benchmark = {
  description: "the kit's wasm matrix product (fused and unfused) against XNNPACK's (tfjs-wasm's own BatchMatMul), side by side",
  async run(emit) {
    if (tf.getBackend() !== 'wasm') throw new Error(`bench gemm needs the wasm backend, got ${tf.getBackend()}`);
    const builtin = builtinWasmKernel('BatchMatMul');
    const backend = tf.backend() as unknown as WasmBackend;
    const memory = (backend as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    const fused = loadHeapKernels(memory, true);
    if (fused.gemm !== 'fma') throw new Error('bench gemm: relaxed SIMD (fused multiply-add) did not load on this Node');
    const unfused = loadHeapKernels(memory, false).kernels;
    const { native, why } = loadNativeGemm('auto');
    if (!native) console.log(`# bench gemm: no native product (${why})`);
    const withNative = native ? loadHeapKernels(memory, true, native).kernels : undefined;
    const nativeWidth = native?.width();
    // the native product at `bits` for one call, then back to its default width
    const atWidth = (bits: number, call: () => tf.TensorInfo) => (): tf.TensorInfo => {
      native!.setWidth(bits);
      try {
        return call();
      } finally {
        native!.setWidth(nativeWidth!);
      }
    };
    for (const s of SHAPES) {
      const attrs = { transposeA: s.transposedA === true, transposeB: false } as unknown as tf.NamedAttrMap;
      const a = tf.randomUniform(s.transposedA ? [s.k, s.m] : [s.m, s.k], -1, 1, 'float32', 1); // [M, K], or [K, M] transposed
      const b = tf.randomUniform([s.k, s.n], -1, 1, 'float32', 2); // [K, N]
      const kit = (kernels: HeapKernels) => (): tf.TensorInfo => {
        const out = backend.makeOutput([s.m, s.n], 'float32'); // [M, N]
        const left = { address: addressOf(backend, a), rowStride: s.transposedA ? 1 : s.k, colStride: s.transposedA ? s.m : 1 };
        const right = { address: addressOf(backend, b), rowStride: s.n, colStride: 1 };
        gemmOnHeap(heapMemory(backend), kernels, left, right, addressOf(backend, out), s.m, s.k, s.n);
        return out;
      };
      const xnnpack = (): tf.TensorInfo =>
        builtin.kernelFunc({ inputs: { a, b }, attrs, backend: backend as unknown as tf.KernelBackend }) as tf.TensorInfo;
      const runs: Array<{ name: string; call: () => tf.TensorInfo; ms: number[] }> = [
        { name: 'fma', call: kit(fused.kernels), ms: [] },
        { name: 'mul_add', call: kit(unfused), ms: [] },
        { name: 'xnnpack', call: xnnpack, ms: [] },
        ...(withNative ? [{ name: 'native', call: kit(withNative), ms: [] }] : []),
        ...(withNative && nativeWidth === 512 ? [{ name: 'native_avx2', call: atWidth(256, kit(withNative)), ms: [] }] : []),
      ];
      const results: Float32Array[] = [];
      for (const r of runs) {
        const out = r.call(); // also the warm-up
        results.push((backend.typedArrayFromHeap(out) as Float32Array).slice());
        backend.disposeData(out.dataId);
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < runs.length; i++) {
          const r = runs[(i + round) % runs.length];
          const t0 = performance.now();
          const out = r.call();
          r.ms.push(performance.now() - t0);
          backend.disposeData(out.dataId);
        }
      }
      tf.dispose([a, b]);
      const flops = 2 * s.m * s.k * s.n;
      const [fma, mulAdd, xnn, nat, nat256] = runs.map((r) => median(r.ms));
      emit({
        setting: s.name,
        m: s.m,
        k: s.k,
        n: s.n,
        transposed_a: s.transposedA === true,
        rounds: ROUNDS,
        native_width: nativeWidth ?? null,
        native_ms: nat === undefined ? null : +nat.toFixed(2),
        native_avx2_ms: nat256 === undefined ? null : +nat256.toFixed(2),
        fma_ms: +fma.toFixed(2),
        mul_add_ms: +mulAdd.toFixed(2),
        xnnpack_ms: +xnn.toFixed(2),
        native_gflops: nat === undefined ? null : +(flops / nat / 1e6).toFixed(1),
        native_avx2_gflops: nat256 === undefined ? null : +(flops / nat256 / 1e6).toFixed(1),
        fma_gflops: +(flops / fma / 1e6).toFixed(1),
        mul_add_gflops: +(flops / mulAdd / 1e6).toFixed(1),
        xnnpack_gflops: +(flops / xnn / 1e6).toFixed(1),
        native_speedup: nat === undefined ? null : +(xnn / nat).toFixed(2),
        fma_speedup: +(xnn / fma).toFixed(2),
        mul_add_speedup: +(xnn / mulAdd).toFixed(2),
        fma_max_rel_diff: maxRelDiff(results[0], results[2]),
        mul_add_max_rel_diff: maxRelDiff(results[1], results[2]),
        native_max_rel_diff: results[3] ? maxRelDiff(results[3], results[2]) : null,
        // 0 expected: both widths add the same products in the same order
        native_avx2_max_rel_diff: results[4] ? maxRelDiff(results[4], results[3]) : null,
      });
    }
  },
};
