#include "see_gemm_kernel.h"
#include <immintrin.h>
#include <algorithm>
#include <atomic>
#include <cstring>

namespace see_gemm {

namespace {

// widest n for which A is read in place rather than packed, when its rows are contiguous along k or
// its columns contiguous along m (a transposed A: the patches of a filter gradient): with at most 8
// panels of B a packed value of A would serve at most 8 tiles, too few to repay its copy (measured
// here for rows: 15-27% faster at n 64, 5-12% at n 128, even at 256, slower at 11,318; for columns,
// the filter gradients' shapes of ResNet-50: 18-28% faster at n 64 and 128, mixed at 256)
constexpr int IN_PLACE_MAX_N = 128;
int roundUp(int x, int to) { return (x + to - 1) / to * to; }

// B's rows k0 .. k0 + depth, all n columns, as panels of W columns (NR for the 256-bit tile, NR512 for
// the 512-bit one): panel p at out + p * depth * W
template <int W>
void packB(Strided b, int k0, int depth, int n, float* out) {
  for (int j0 = 0; j0 < n; j0 += W) {
    const int cols = std::min(W, n - j0);
    float* panel = out + static_cast<std::ptrdiff_t>(j0 / W) * depth * W;
    for (int kk = 0; kk < depth; kk++) {
      const float* row = b.base + (k0 + kk) * b.rowStride + j0 * b.colStride;
      float* dst = panel + kk * W;
      if (cols == W && b.colStride == 1) {
        std::memcpy(dst, row, sizeof(float) * W);
      } else {
        int j = 0;
        for (; j < cols; j++) dst[j] = row[j * b.colStride];
        for (; j < W; j++) dst[j] = 0.f;
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
    if (count == MR && a.rowStride == 1) {
      // a transposed A: the panel's six values at each step of k lie side by side (5-8% faster on the
      // filter gradients' products than the loop below, which cannot know that)
      for (int kk = 0; kk < depth; kk++) std::memcpy(panel + kk * MR, src[0] + kk * a.colStride, sizeof(float) * MR);
    } else if (count == MR) {
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

// the first rows x cols of a tile held in buf (rows of `width` floats) to c (row length ldc), added when add:
// the last tile of a product whose m or n is not a multiple of the tile's
void storePart(const float* buf, int width, float* c, int ldc, int rows, int cols, bool add) {
  for (int r = 0; r < rows; r++) {
    float* row = c + static_cast<std::ptrdiff_t>(r) * ldc;
    const float* from = buf + r * width;
    if (add)
      for (int j = 0; j < cols; j++) row[j] += from[j];
    else
      for (int j = 0; j < cols; j++) row[j] = from[j];
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
  storePart(&buf[0][0], NR, c, ldc, rows, cols, add);
}

// the same as tile with a 6 x 32 tile of C in twelve 512-bit registers and a packed panel of B of
// depth x 32 (AVX-512F): each value of C is the same chain of fused multiply-adds over k as in tile, so
// the two give the same bits
__attribute__((target("avx512f")))
void tile512(const float* ap, std::ptrdiff_t rowStep, std::ptrdiff_t kStep, const float* bp, int depth, float* c, int ldc, int rows, int cols, bool add) {
  const float* a0 = ap;
  const float* a1 = ap + (rows > 1 ? 1 : 0) * rowStep;
  const float* a2 = ap + (rows > 2 ? 2 : 0) * rowStep;
  const float* a3 = ap + (rows > 3 ? 3 : 0) * rowStep;
  const float* a4 = ap + (rows > 4 ? 4 : 0) * rowStep;
  const float* a5 = ap + (rows > 5 ? 5 : 0) * rowStep;
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (int kk = 0; kk < depth; kk++) {
    const __m512 b0 = _mm512_loadu_ps(bp);
    const __m512 b1 = _mm512_loadu_ps(bp + 16);
    const std::ptrdiff_t o = kk * kStep;
    __m512 a = _mm512_set1_ps(a0[o]);
    c00 = _mm512_fmadd_ps(a, b0, c00);
    c01 = _mm512_fmadd_ps(a, b1, c01);
    a = _mm512_set1_ps(a1[o]);
    c10 = _mm512_fmadd_ps(a, b0, c10);
    c11 = _mm512_fmadd_ps(a, b1, c11);
    a = _mm512_set1_ps(a2[o]);
    c20 = _mm512_fmadd_ps(a, b0, c20);
    c21 = _mm512_fmadd_ps(a, b1, c21);
    a = _mm512_set1_ps(a3[o]);
    c30 = _mm512_fmadd_ps(a, b0, c30);
    c31 = _mm512_fmadd_ps(a, b1, c31);
    a = _mm512_set1_ps(a4[o]);
    c40 = _mm512_fmadd_ps(a, b0, c40);
    c41 = _mm512_fmadd_ps(a, b1, c41);
    a = _mm512_set1_ps(a5[o]);
    c50 = _mm512_fmadd_ps(a, b0, c50);
    c51 = _mm512_fmadd_ps(a, b1, c51);
    bp += NR512;
  }
  const __m512 acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (rows == MR && cols == NR512) {
    for (int r = 0; r < MR; r++) {
      float* row = c + static_cast<std::ptrdiff_t>(r) * ldc;
      __m512 v0 = acc[r][0], v1 = acc[r][1];
      if (add) {
        v0 = _mm512_add_ps(v0, _mm512_loadu_ps(row));
        v1 = _mm512_add_ps(v1, _mm512_loadu_ps(row + 16));
      }
      _mm512_storeu_ps(row, v0);
      _mm512_storeu_ps(row + 16, v1);
    }
    return;
  }
  alignas(64) float buf[MR][NR512];
  for (int r = 0; r < MR; r++) {
    _mm512_store_ps(buf[r], acc[r][0]);
    _mm512_store_ps(buf[r] + 16, acc[r][1]);
  }
  storePart(&buf[0][0], NR512, c, ldc, rows, cols, add);
}

using TileFn = void (*)(const float*, std::ptrdiff_t, std::ptrdiff_t, const float*, int, float*, int, int, int, bool);

std::atomic<int> widthInUse{0}; // 0 until setWidth: width() is then the widest this CPU has

} // namespace

// depth of a block of k: all of k when all of B packed fits in half of L2 (C is then written once,
// never read back), else KC
int depthOf(int k, int n) {
  return static_cast<std::size_t>(roundUp(n, NR)) * k * sizeof(float) <= 256 * 1024 ? k : std::min(KC, k);
}

std::size_t scratchFloats(int m, int k, int n) {
  const int depth = depthOf(k, n);
  return static_cast<std::size_t>(roundUp(n, NR512)) * depth + static_cast<std::size_t>(roundUp(std::min(MC, m), MR)) * depth + 16;
}

bool cpuSupported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

bool cpuHasAvx512() {
  __builtin_cpu_init();
  return cpuSupported() && __builtin_cpu_supports("avx512f");
}

int width() {
  int w = widthInUse.load(std::memory_order_relaxed);
  return w ? w : (cpuHasAvx512() ? 512 : 256);
}

bool setWidth(int bits) {
  if (bits != 256 && !(bits == 512 && cpuHasAvx512())) return false;
  widthInUse.store(bits, std::memory_order_relaxed);
  return true;
}

namespace {

// the blocked product (see the header) with panels of B W columns wide and tileFn's W-wide tiles
template <int W>
void blocked(Strided a, Strided b, float* c, int m, int k, int n, bool accumulate, float* scratch, TileFn tileFn) {
  // blocks of k as the 256-bit product's (depthOf): both widths then add the same values in the same order
  const int depthMax = depthOf(k, n);
  float* packedB = scratch;
  float* packedA = scratch + static_cast<std::size_t>(roundUp(n, W)) * depthMax;
  for (int k0 = 0; k0 < k; k0 += depthMax) {
    const int depth = std::min(depthMax, k - k0);
    const bool add = accumulate || k0 > 0;
    packB<W>(b, k0, depth, n, packedB);
    for (int m0 = 0; m0 < m; m0 += MC) {
      const int rows = std::min(MC, m - m0);
      // few panels of B: A read in place instead of packed where it is contiguous along k or along m
      const bool inPlace = (a.colStride == 1 || a.rowStride == 1) && n <= IN_PLACE_MAX_N;
      if (!inPlace) packA(a, m0, rows, k0, depth, packedA);
      for (int j0 = 0; j0 < n; j0 += W) {
        const float* bp = packedB + static_cast<std::ptrdiff_t>(j0 / W) * depth * W;
        const int cols = std::min(W, n - j0);
        for (int i0 = 0; i0 < rows; i0 += MR) {
          float* ct = c + static_cast<std::ptrdiff_t>(m0 + i0) * n + j0;
          const int tileRows = std::min(MR, rows - i0);
          if (inPlace)
            tileFn(a.base + (m0 + i0) * a.rowStride + k0 * a.colStride, a.rowStride, a.colStride, bp, depth, ct, n, tileRows, cols, add);
          else
            tileFn(packedA + static_cast<std::ptrdiff_t>(i0 / MR) * depth * MR, 1, MR, bp, depth, ct, n, tileRows, cols, add);
        }
      }
    }
  }
}

} // namespace

void gemm(Strided a, Strided b, float* c, int m, int k, int n, bool accumulate, float* scratch) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) std::memset(c, 0, sizeof(float) * static_cast<std::size_t>(m) * n);
    return;
  }
  // a product at most NR wide fills one 256-bit tile's width: the 512-bit one would compute zeros in half
  if (width() == 512 && n > NR)
    blocked<NR512>(a, b, c, m, k, n, accumulate, scratch, tile512);
  else
    blocked<NR>(a, b, c, m, k, n, accumulate, scratch, tile);
}

} // namespace see_gemm
