#include "see_gemm_kernel.h"
#include <immintrin.h>
#include <algorithm>
#include <cstring>

namespace see_gemm {

namespace {

// widest n for which rows of A contiguous along k are read in place rather than packed: with at most
// 8 panels of B a packed value of A would serve at most 8 tiles, too few to repay its copy (measured
// here: 15-27% faster at n 64, 5-12% at n 128, even at 256, slower at 11,318)
constexpr int IN_PLACE_MAX_N = 128;
int roundUp(int x, int to) { return (x + to - 1) / to * to; }

// B's rows k0 .. k0 + depth, all n columns, as panels of NR columns: panel p at out + p * depth * NR
__attribute__((target("avx2,fma")))
void packB(Strided b, int k0, int depth, int n, float* out) {
  for (int j0 = 0; j0 < n; j0 += NR) {
    const int cols = std::min(NR, n - j0);
    float* panel = out + static_cast<std::ptrdiff_t>(j0 / NR) * depth * NR;
    for (int kk = 0; kk < depth; kk++) {
      const float* row = b.base + (k0 + kk) * b.rowStride + j0 * b.colStride;
      float* dst = panel + kk * NR;
      if (cols == NR && b.colStride == 1) {
        _mm256_storeu_ps(dst, _mm256_loadu_ps(row));
        _mm256_storeu_ps(dst + 8, _mm256_loadu_ps(row + 8));
      } else {
        int j = 0;
        for (; j < cols; j++) dst[j] = row[j * b.colStride];
        for (; j < NR; j++) dst[j] = 0.f;
      }
    }
  }
}

// A's rows m0 .. m0 + rows, columns k0 .. k0 + depth, as panels of MR rows: panel p at out + p * depth * MR
void packA(Strided a, int m0, int rows, int k0, int depth, float* out) {
  for (int i0 = 0; i0 < rows; i0 += MR) {
    const int count = std::min(MR, rows - i0);
    float* panel = out + static_cast<std::ptrdiff_t>(i0 / MR) * depth * MR;
    const float* src[MR];
    for (int r = 0; r < MR; r++) src[r] = a.base + (m0 + i0 + std::min(r, count - 1)) * a.rowStride + k0 * a.colStride;
    if (count == MR) {
      for (int kk = 0; kk < depth; kk++) {
        const std::ptrdiff_t off = kk * a.colStride;
        float* dst = panel + kk * MR;
        for (int r = 0; r < MR; r++) dst[r] = src[r][off];
      }
    } else {
      for (int kk = 0; kk < depth; kk++) {
        const std::ptrdiff_t off = kk * a.colStride;
        float* dst = panel + kk * MR;
        for (int r = 0; r < MR; r++) dst[r] = r < count ? src[r][off] : 0.f;
      }
    }
  }
}

// a 6 x 16 tile: acc = sum over depth of A's 6 rows times a packed panel of B (depth x 16); row r of
// A at step kk is ap[r * rowStep + kk * kStep]: a packed panel has rowStep 1 and kStep MR, rows read
// in place their row length and 1. Written to c (row length ldc) as rows x cols, added to it when add
__attribute__((target("avx2,fma")))
void tile(const float* ap, std::ptrdiff_t rowStep, std::ptrdiff_t kStep, const float* bp, int depth, float* c, int ldc, int rows, int cols, bool add) {
  const float* a0 = ap;
  const float* a1 = ap + (rows > 1 ? 1 : 0) * rowStep;
  const float* a2 = ap + (rows > 2 ? 2 : 0) * rowStep;
  const float* a3 = ap + (rows > 3 ? 3 : 0) * rowStep;
  const float* a4 = ap + (rows > 4 ? 4 : 0) * rowStep;
  const float* a5 = ap + (rows > 5 ? 5 : 0) * rowStep;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int kk = 0; kk < depth; kk++) {
    const __m256 b0 = _mm256_loadu_ps(bp);
    const __m256 b1 = _mm256_loadu_ps(bp + 8);
    const std::ptrdiff_t o = kk * kStep;
    __m256 a = _mm256_broadcast_ss(a0 + o);
    c00 = _mm256_fmadd_ps(a, b0, c00);
    c01 = _mm256_fmadd_ps(a, b1, c01);
    a = _mm256_broadcast_ss(a1 + o);
    c10 = _mm256_fmadd_ps(a, b0, c10);
    c11 = _mm256_fmadd_ps(a, b1, c11);
    a = _mm256_broadcast_ss(a2 + o);
    c20 = _mm256_fmadd_ps(a, b0, c20);
    c21 = _mm256_fmadd_ps(a, b1, c21);
    a = _mm256_broadcast_ss(a3 + o);
    c30 = _mm256_fmadd_ps(a, b0, c30);
    c31 = _mm256_fmadd_ps(a, b1, c31);
    a = _mm256_broadcast_ss(a4 + o);
    c40 = _mm256_fmadd_ps(a, b0, c40);
    c41 = _mm256_fmadd_ps(a, b1, c41);
    a = _mm256_broadcast_ss(a5 + o);
    c50 = _mm256_fmadd_ps(a, b0, c50);
    c51 = _mm256_fmadd_ps(a, b1, c51);
    bp += NR;
  }
  const __m256 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (rows == MR && cols == NR) {
    for (int r = 0; r < MR; r++) {
      float* row = c + static_cast<std::ptrdiff_t>(r) * ldc;
      __m256 v0 = acc[r][0], v1 = acc[r][1];
      if (add) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, v0);
      _mm256_storeu_ps(row + 8, v1);
    }
    return;
  }
  alignas(32) float buf[MR][NR];
  for (int r = 0; r < MR; r++) {
    _mm256_store_ps(buf[r], acc[r][0]);
    _mm256_store_ps(buf[r] + 8, acc[r][1]);
  }
  for (int r = 0; r < rows; r++) {
    float* row = c + static_cast<std::ptrdiff_t>(r) * ldc;
    if (add)
      for (int j = 0; j < cols; j++) row[j] += buf[r][j];
    else
      for (int j = 0; j < cols; j++) row[j] = buf[r][j];
  }
}

} // namespace

// depth of a block of k: all of k when all of B packed fits in half of L2 (C is then written once,
// never read back), else KC
int depthOf(int k, int n) {
  return static_cast<std::size_t>(roundUp(n, NR)) * k * sizeof(float) <= 256 * 1024 ? k : std::min(KC, k);
}

std::size_t scratchFloats(int m, int k, int n) {
  const int depth = depthOf(k, n);
  return static_cast<std::size_t>(roundUp(n, NR)) * depth + static_cast<std::size_t>(roundUp(std::min(MC, m), MR)) * depth + 16;
}

bool cpuSupported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

void gemm(Strided a, Strided b, float* c, int m, int k, int n, bool accumulate, float* scratch) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) std::memset(c, 0, sizeof(float) * static_cast<std::size_t>(m) * n);
    return;
  }
  const int depthMax = depthOf(k, n);
  float* packedB = scratch;
  float* packedA = scratch + static_cast<std::size_t>(roundUp(n, NR)) * depthMax;
  for (int k0 = 0; k0 < k; k0 += depthMax) {
    const int depth = std::min(depthMax, k - k0);
    const bool add = accumulate || k0 > 0;
    packB(b, k0, depth, n, packedB);
    for (int m0 = 0; m0 < m; m0 += MC) {
      const int rows = std::min(MC, m - m0);
      // few panels of B: rows of A contiguous along k are read in place instead of packed
      const bool inPlace = a.colStride == 1 && n <= IN_PLACE_MAX_N;
      if (!inPlace) packA(a, m0, rows, k0, depth, packedA);
      for (int j0 = 0; j0 < n; j0 += NR) {
        const float* bp = packedB + static_cast<std::ptrdiff_t>(j0 / NR) * depth * NR;
        const int cols = std::min(NR, n - j0);
        for (int i0 = 0; i0 < rows; i0 += MR) {
          float* ct = c + static_cast<std::ptrdiff_t>(m0 + i0) * n + j0;
          const int tileRows = std::min(MR, rows - i0);
          if (inPlace)
            tile(a.base + (m0 + i0) * a.rowStride + k0, a.rowStride, 1, bp, depth, ct, n, tileRows, cols, add);
          else
            tile(packedA + static_cast<std::ptrdiff_t>(i0 / MR) * depth * MR, 1, MR, bp, depth, ct, n, tileRows, cols, add);
        }
      }
    }
  }
}

} // namespace see_gemm
