// The kit's float32 matrix product for x86-64 CPUs with AVX2 and FMA, and AVX-512F where the CPU has
// it (see_gemm.cc exposes it to Node): C [m, n] (row-major, row length n) = A [m, k] B [k, n], or C += A B when accumulate.
// A and B are read through strides: element (r, c) at base[r * rowStride + c * colStride].
//
// Blocking as in GotoBLAS / BLIS: for each block of k (KC = 256 values, or all of k when all of B
// packed takes at most 256 KB: then C is written once and never read back, which matters for the
// narrow products of convolutions with few channels), B's rows are packed into panels of NR = 16
// columns ([depth][16] floats, zeros past n); for each block of MC rows, A's block is packed into
// panels of MR = 6 rows ([depth][6] floats, zeros past m; an A contiguous along k or, transposed,
// along m is read in place instead when n <= 128, where too few tiles would reuse a packed value); a 6 x 16 tile of C lives in twelve
// 256-bit registers while one panel of A and one of B go past (12 fused multiply-adds for two loads
// of B and six broadcasts of A per step of k). A's block (MC x KC, 96 KB) stays in L2, a panel of B
// (KC x 16, 16 KB) in L1. The first block of k writes C (unless accumulate), the next ones add to
// it, so every value of C sums over k in order, block by block.
// With AVX-512F (width() 512, the default where the CPU has it) products wider than NR run with panels
// of B of NR512 = 32 columns and 6 x 32 tiles in twelve 512-bit registers; the blocks of k are the
// 256-bit product's, so each value of C is the same chain of fused multiply-adds: the same bits.
#pragma once
#include <cstddef>
#include <cstdint>

namespace see_gemm {

constexpr int MR = 6;
constexpr int NR = 16;
constexpr int NR512 = 32;
constexpr int KC = 256;
constexpr int MC = 96; // a multiple of MR

struct Strided {
  const float* base;
  std::ptrdiff_t rowStride;
  std::ptrdiff_t colStride;
};

// floats of scratch space gemm needs for (m, k, n); the caller passes it in
std::size_t scratchFloats(int m, int k, int n);

// requires avx2 and fma (cpuSupported()); scratch: scratchFloats(m, k, n) floats, 32-byte aligned
void gemm(Strided a, Strided b, float* c, int m, int k, int n, bool accumulate, float* scratch);

bool cpuSupported();

// this CPU has AVX-512F (besides AVX2 and FMA)
bool cpuHasAvx512();

// the SIMD width gemm uses, 256 or 512 (for every thread of the process): the widest the CPU has until setWidth
int width();

// 256, or 512 where the CPU has AVX-512F; false (and nothing changed) for anything else
bool setWidth(int bits);

} // namespace see_gemm
