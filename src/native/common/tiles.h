// AVX-512 register-tiled B x N kernels for the comparators without a GEMM form (RotatE's complex
// modulus sum, L1): NI = 4 queries share every candidate load and, backward, every dC
// read-modify-write; candidates are visited in blocks that stay in L2.
#pragma once
#ifdef __AVX512F__
#include <immintrin.h>
#include <algorithm>
#include <cstddef>
#include "vecmath.h"

namespace kgc::tiles {

using vec::rsqrtNewton;
constexpr float kModEps = 1e-30f;  // inside each complex modulus: |0| has gradient 0, not NaN
constexpr int kJBlock = 64;

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

inline void l1BlockScore(const float* Q, int B, const float* C, int N, int d, float gamma, float* S) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + 4 <= B; i += 4) l1BlockScoreTile<4>(Q, C, i, j0, j1, N, d, gamma, S);
    for (; i < B; i++) l1BlockScoreTile<1>(Q, C, i, j0, j1, N, d, gamma, S);
  }
}

inline void l1BlockBackward(const float* Q, int B, const float* C, int N, int d, const float* G, float* dQ, float* dC) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + 4 <= B; i += 4) l1BlockBackwardTile<4>(Q, C, G, i, j0, j1, N, d, dQ, dC);
    for (; i < B; i++) l1BlockBackwardTile<1>(Q, C, G, i, j0, j1, N, d, dQ, dC);
  }
}

inline void modulusBlockScore(const float* Q, int B, const float* C, int N, int k, float gamma, float* S) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + 4 <= B; i += 4) modulusBlockScoreTile<4>(Q, C, i, j0, j1, N, k, gamma, S);
    for (; i < B; i++) modulusBlockScoreTile<1>(Q, C, i, j0, j1, N, k, gamma, S);
  }
}

inline void modulusBlockBackward(const float* Q, int B, const float* C, int N, int k, const float* G, float* dQ, float* dC) {
  for (int j0 = 0; j0 < N; j0 += kJBlock) {
    const int j1 = std::min(N, j0 + kJBlock);
    int i = 0;
    for (; i + 4 <= B; i += 4) modulusBlockBackwardTile<4>(Q, C, G, i, j0, j1, N, k, dQ, dC);
    for (; i < B; i++) modulusBlockBackwardTile<1>(Q, C, G, i, j0, j1, N, k, dQ, dC);
  }
}
}  // namespace kgc::tiles
#endif
