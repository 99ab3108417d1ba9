// Register-tiled B x N kernels for the comparators without a GEMM form (RotatE's complex modulus
// sum, L1): a tile of queries shares every candidate load and, backward, every dC
// read-modify-write; candidates are visited in blocks that stay in L2. One tile set per ISA:
// AVX-512 (16 lanes, mask registers) and AVX2 + FMA (8 lanes, masked loads/stores on the tail of a
// row); without either, comparators.cc keeps its scalar loops.
#pragma once
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define KGC_TILES 1
#include <immintrin.h>
#include <algorithm>
#include <cstddef>
#include "vecmath.h"

namespace kgc::tiles {

using vec::rsqrtNewton;
constexpr float kModEps = 1e-30f;  // inside each complex modulus: |0| has gradient 0, not NaN
constexpr int kJBlock = 64;

#ifdef __AVX512F__
constexpr int kScoreRows = 4, kBackwardRows = 4;  // queries per tile (32 zmm registers)

template <int NI>
void modulusBlockScoreTile(const float* Q, const float* C, int i0, int j0, int j1, int N, int k, float gamma, float* S) {
  const __m512 eps = _mm512_set1_ps(kModEps);
  const int d = 2 * k;
  for (int j = j0; j < j1; j++) {
    const float* c = C + size_t(j) * d;
    __m512 acc[NI];
    for (int q = 0; q < NI; q++) acc[q] = _mm512_setzero_ps();
    for (int x = 0; x < k; x += 16) {
      const __mmask16 m = k - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - x)) - 1);
      const __m512 cre = _mm512_maskz_loadu_ps(m, c + x), cim = _mm512_maskz_loadu_ps(m, c + k + x);
      for (int q = 0; q < NI; q++) {
        const float* qi = Q + size_t(i0 + q) * d;
        const __m512 dr = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, qi + x), cre);
        const __m512 di = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, qi + k + x), cim);
        const __m512 sq = _mm512_fmadd_ps(dr, dr, _mm512_fmadd_ps(di, di, eps));
        acc[q] = _mm512_mask_add_ps(acc[q], m, acc[q], _mm512_mul_ps(sq, rsqrtNewton(sq)));
      }
    }
    for (int q = 0; q < NI; q++) S[size_t(i0 + q) * N + j] = gamma - _mm512_reduce_add_ps(acc[q]);
  }
}

template <int NI>
void modulusBlockBackwardTile(const float* Q, const float* C, const float* G, int i0, int j0, int j1, int N, int k, float* dQ,
                              float* dC) {
  const __m512 eps = _mm512_set1_ps(kModEps);
  const int d = 2 * k;
  for (int x = 0; x < k; x += 16) {
    const __mmask16 m = k - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - x)) - 1);
    __m512 qre[NI], qim[NI], gre[NI], gim[NI];
    for (int q = 0; q < NI; q++) {
      const float* qi = Q + size_t(i0 + q) * d;
      qre[q] = _mm512_maskz_loadu_ps(m, qi + x);
      qim[q] = _mm512_maskz_loadu_ps(m, qi + k + x);
      gre[q] = gim[q] = _mm512_setzero_ps();
    }
    for (int j = j0; j < j1; j++) {
      float* dc = dC + size_t(j) * d;
      const float* c = C + size_t(j) * d;
      const __m512 cre = _mm512_maskz_loadu_ps(m, c + x), cim = _mm512_maskz_loadu_ps(m, c + k + x);
      __m512 accre = _mm512_setzero_ps(), accim = _mm512_setzero_ps();
      for (int q = 0; q < NI; q++) {
        const __m512 dr = _mm512_sub_ps(qre[q], cre), di = _mm512_sub_ps(qim[q], cim);
        const __m512 sq = _mm512_fmadd_ps(dr, dr, _mm512_fmadd_ps(di, di, eps));
        // dL/d(distance) = -G; the bare rsqrt14 (relative error < 2^-14) is plenty for a gradient
        const __m512 w = _mm512_mul_ps(_mm512_set1_ps(-G[size_t(i0 + q) * N + j]), _mm512_rsqrt14_ps(sq));
        const __m512 r = _mm512_mul_ps(w, dr), i = _mm512_mul_ps(w, di);
        gre[q] = _mm512_add_ps(gre[q], r);
        gim[q] = _mm512_add_ps(gim[q], i);
        accre = _mm512_add_ps(accre, r);
        accim = _mm512_add_ps(accim, i);
      }
      _mm512_mask_storeu_ps(dc + x, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dc + x), accre));
      _mm512_mask_storeu_ps(dc + k + x, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dc + k + x), accim));
    }
    for (int q = 0; q < NI; q++) {
      float* dq = dQ + size_t(i0 + q) * d;
      _mm512_mask_storeu_ps(dq + x, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dq + x), gre[q]));
      _mm512_mask_storeu_ps(dq + k + x, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dq + k + x), gim[q]));
    }
  }
}

template <int NI>
void l1BlockScoreTile(const float* Q, const float* C, int i0, int j0, int j1, int N, int d, float gamma, float* S) {
  for (int j = j0; j < j1; j++) {
    const float* c = C + size_t(j) * d;
    __m512 acc[NI];
    for (int q = 0; q < NI; q++) acc[q] = _mm512_setzero_ps();
    for (int x = 0; x < d; x += 16) {
      const __mmask16 m = d - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (d - x)) - 1);
      const __m512 cv = _mm512_maskz_loadu_ps(m, c + x);
      for (int q = 0; q < NI; q++)
        acc[q] = _mm512_add_ps(acc[q], _mm512_abs_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, Q + size_t(i0 + q) * d + x), cv)));
    }
    for (int q = 0; q < NI; q++) S[size_t(i0 + q) * N + j] = gamma - _mm512_reduce_add_ps(acc[q]);
  }
}

template <int NI>
void l1BlockBackwardTile(const float* Q, const float* C, const float* G, int i0, int j0, int j1, int N, int d, float* dQ, float* dC) {
  const __m512 zero = _mm512_setzero_ps();
  for (int x = 0; x < d; x += 16) {
    const __mmask16 m = d - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (d - x)) - 1);
    __m512 qv[NI], g[NI];
    for (int q = 0; q < NI; q++) {
      qv[q] = _mm512_maskz_loadu_ps(m, Q + size_t(i0 + q) * d + x);
      g[q] = zero;
    }
    for (int j = j0; j < j1; j++) {
      float* dc = dC + size_t(j) * d;
      const __m512 cv = _mm512_maskz_loadu_ps(m, C + size_t(j) * d + x);
      __m512 acc = zero;
      for (int q = 0; q < NI; q++) {
        // d|q - c|/dq = sign(q - c); dL/d(distance) = -G
        const __m512 diff = _mm512_sub_ps(qv[q], cv);
        const __m512 f = _mm512_set1_ps(-G[size_t(i0 + q) * N + j]);
        const __mmask16 pos = _mm512_cmp_ps_mask(diff, zero, _CMP_GT_OQ), neg = _mm512_cmp_ps_mask(diff, zero, _CMP_LT_OQ);
        const __m512 v = _mm512_mask_sub_ps(_mm512_maskz_mov_ps(pos, f), neg, zero, f);
        g[q] = _mm512_add_ps(g[q], v);
        acc = _mm512_add_ps(acc, v);
      }
      _mm512_mask_storeu_ps(dc + x, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dc + x), acc));
    }
    for (int q = 0; q < NI; q++) {
      float* dq = dQ + size_t(i0 + q) * d + x;
      _mm512_mask_storeu_ps(dq, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dq), g[q]));
    }
  }
}

#else  // AVX2 + FMA

constexpr int kScoreRows = 4, kBackwardRows = 4;  // queries per tile (16 ymm registers: the backward tile spills a little)

inline __m256i laneMask(int remaining) {  // lanes [0, remaining) of 8
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(remaining), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
// full 8 lanes when remaining >= 8, else the first `remaining` (the others read as 0 / are not written)
inline __m256 load(const float* p, int remaining) {
  return remaining >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, laneMask(remaining));
}
inline void store(float* p, int remaining, __m256 v) {
  if (remaining >= 8)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, laneMask(remaining), v);
}
inline __m256 keepMask(int remaining) {
  return remaining >= 8 ? _mm256_castsi256_ps(_mm256_set1_epi32(-1)) : _mm256_castsi256_ps(laneMask(remaining));
}
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
template <int NI>
void modulusBlockScoreTile(const float* Q, const float* C, int i0, int j0, int j1, int N, int k, float gamma, float* S) {
  const __m256 eps = _mm256_set1_ps(kModEps);
  const int d = 2 * k;
  for (int j = j0; j < j1; j++) {
    const float* c = C + size_t(j) * d;
    __m256 acc[NI];
    for (int q = 0; q < NI; q++) acc[q] = _mm256_setzero_ps();
    for (int x = 0; x < k; x += 8) {
      const int rem = k - x;
      const __m256 cre = load(c + x, rem), cim = load(c + k + x, rem), keep = keepMask(rem);
      for (int q = 0; q < NI; q++) {
        const float* qi = Q + size_t(i0 + q) * d;
        const __m256 dr = _mm256_sub_ps(load(qi + x, rem), cre);
        const __m256 di = _mm256_sub_ps(load(qi + k + x, rem), cim);
        const __m256 sq = _mm256_fmadd_ps(dr, dr, _mm256_fmadd_ps(di, di, eps));
        acc[q] = _mm256_add_ps(acc[q], _mm256_and_ps(keep, _mm256_mul_ps(sq, rsqrtNewton(sq))));
      }
    }
    for (int q = 0; q < NI; q++) S[size_t(i0 + q) * N + j] = gamma - hsum(acc[q]);
  }
}

template <int NI>
void modulusBlockBackwardTile(const float* Q, const float* C, const float* G, int i0, int j0, int j1, int N, int k, float* dQ,
                              float* dC) {
  const __m256 eps = _mm256_set1_ps(kModEps);
  const int d = 2 * k;
  for (int x = 0; x < k; x += 8) {
    const int rem = k - x;
    __m256 qre[NI], qim[NI], gre[NI], gim[NI];
    for (int q = 0; q < NI; q++) {
      const float* qi = Q + size_t(i0 + q) * d;
      qre[q] = load(qi + x, rem);
      qim[q] = load(qi + k + x, rem);
      gre[q] = gim[q] = _mm256_setzero_ps();
    }
    for (int j = j0; j < j1; j++) {
      float* dc = dC + size_t(j) * d;
      const float* c = C + size_t(j) * d;
      const __m256 cre = load(c + x, rem), cim = load(c + k + x, rem);
      __m256 accre = _mm256_setzero_ps(), accim = _mm256_setzero_ps();
      for (int q = 0; q < NI; q++) {
        // lanes past the row's end: dr = di = 0, so they add 0
        const __m256 dr = _mm256_sub_ps(qre[q], cre), di = _mm256_sub_ps(qim[q], cim);
        const __m256 sq = _mm256_fmadd_ps(dr, dr, _mm256_fmadd_ps(di, di, eps));
        // dL/d(distance) = -G; the bare rsqrt (relative error < 1.5 * 2^-12) is plenty for a gradient
        // and 18% faster than with a Newton step
        const __m256 w = _mm256_mul_ps(_mm256_set1_ps(-G[size_t(i0 + q) * N + j]), _mm256_rsqrt_ps(sq));
        const __m256 r = _mm256_mul_ps(w, dr), i = _mm256_mul_ps(w, di);
        gre[q] = _mm256_add_ps(gre[q], r);
        gim[q] = _mm256_add_ps(gim[q], i);
        accre = _mm256_add_ps(accre, r);
        accim = _mm256_add_ps(accim, i);
      }
      store(dc + x, rem, _mm256_sub_ps(load(dc + x, rem), accre));
      store(dc + k + x, rem, _mm256_sub_ps(load(dc + k + x, rem), accim));
    }
    for (int q = 0; q < NI; q++) {
      float* dq = dQ + size_t(i0 + q) * d;
      store(dq + x, rem, _mm256_add_ps(load(dq + x, rem), gre[q]));
      store(dq + k + x, rem, _mm256_add_ps(load(dq + k + x, rem), gim[q]));
    }
  }
}

template <int NI>
void l1BlockScoreTile(const float* Q, const float* C, int i0, int j0, int j1, int N, int d, float gamma, float* S) {
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  for (int j = j0; j < j1; j++) {
    const float* c = C + size_t(j) * d;
    __m256 acc[NI];
    for (int q = 0; q < NI; q++) acc[q] = _mm256_setzero_ps();
    for (int x = 0; x < d; x += 8) {
      const int rem = d - x;
      const __m256 cv = load(c + x, rem);
      for (int q = 0; q < NI; q++)
        acc[q] = _mm256_add_ps(acc[q], _mm256_and_ps(absMask, _mm256_sub_ps(load(Q + size_t(i0 + q) * d + x, rem), cv)));
    }
    for (int q = 0; q < NI; q++) S[size_t(i0 + q) * N + j] = gamma - hsum(acc[q]);
  }
}

template <int NI>
void l1BlockBackwardTile(const float* Q, const float* C, const float* G, int i0, int j0, int j1, int N, int d, float* dQ, float* dC) {
  const __m256 zero = _mm256_setzero_ps();
  for (int x = 0; x < d; x += 8) {
    const int rem = d - x;
    __m256 qv[NI], g[NI];
    for (int q = 0; q < NI; q++) {
      qv[q] = load(Q + size_t(i0 + q) * d + x, rem);
      g[q] = zero;
    }
    for (int j = j0; j < j1; j++) {
      float* dc = dC + size_t(j) * d;
      const __m256 cv = load(C + size_t(j) * d + x, rem);
      __m256 acc = zero;
      for (int q = 0; q < NI; q++) {
        // d|q - c|/dq = sign(q - c) (0 at 0, and on lanes past the row's end); dL/d(distance) = -G
        const __m256 diff = _mm256_sub_ps(qv[q], cv);
        const __m256 f = _mm256_set1_ps(-G[size_t(i0 + q) * N + j]);
        const __m256 pos = _mm256_cmp_ps(diff, zero, _CMP_GT_OQ), neg = _mm256_cmp_ps(diff, zero, _CMP_LT_OQ);
        const __m256 v = _mm256_or_ps(_mm256_and_ps(pos, f), _mm256_and_ps(neg, _mm256_sub_ps(zero, f)));
        g[q] = _mm256_add_ps(g[q], v);
        acc = _mm256_add_ps(acc, v);
      }
      store(dc + x, rem, _mm256_sub_ps(load(dc + x, rem), acc));
    }
    for (int q = 0; q < NI; q++) {
      float* dq = dQ + size_t(i0 + q) * d + x;
      store(dq, rem, _mm256_add_ps(load(dq, rem), g[q]));
    }
  }
}
#endif

inline void l1BlockScore(const float* Q, int B, const float* C, int N, int d, float gamma, float* S) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + kScoreRows <= B; i += kScoreRows) l1BlockScoreTile<kScoreRows>(Q, C, i, j0, j1, N, d, gamma, S);
    for (; i < B; i++) l1BlockScoreTile<1>(Q, C, i, j0, j1, N, d, gamma, S);
  }
}

inline void l1BlockBackward(const float* Q, int B, const float* C, int N, int d, const float* G, float* dQ, float* dC) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + kBackwardRows <= B; i += kBackwardRows) l1BlockBackwardTile<kBackwardRows>(Q, C, G, i, j0, j1, N, d, dQ, dC);
    for (; i < B; i++) l1BlockBackwardTile<1>(Q, C, G, i, j0, j1, N, d, dQ, dC);
  }
}

inline void modulusBlockScore(const float* Q, int B, const float* C, int N, int k, float gamma, float* S) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + kScoreRows <= B; i += kScoreRows) modulusBlockScoreTile<kScoreRows>(Q, C, i, j0, j1, N, k, gamma, S);
    for (; i < B; i++) modulusBlockScoreTile<1>(Q, C, i, j0, j1, N, k, gamma, S);
  }
}

inline void modulusBlockBackward(const float* Q, int B, const float* C, int N, int k, const float* G, float* dQ, float* dC) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + kBackwardRows <= B; i += kBackwardRows) modulusBlockBackwardTile<kBackwardRows>(Q, C, G, i, j0, j1, N, k, dQ, dC);
    for (; i < B; i++) modulusBlockBackwardTile<1>(Q, C, G, i, j0, j1, N, k, dQ, dC);
  }
}
}  // namespace kgc::tiles
#endif
