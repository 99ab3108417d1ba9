#include "comparators.h"
#include <algorithm>
#include <cmath>
#include "gemm.h"
#include "tiles.h"
#include "vecmath.h"

namespace kgc {

namespace {

#ifdef KGC_TILES
using tiles::kModEps;
#else
constexpr float kModEps = 1e-30f;  // inside each complex modulus: |0| has gradient 0, not NaN
#endif
constexpr float kDistTiny = 1e-12f;  // squared L2 distance treated as 0 (h == t triples)

inline int blockOf(Comparator c, const ModelShape& sh) { return c == Comparator::BlockL2 ? sh.block : sh.dim; }

// ---- complex modulus sum (RotatE): sum_k sqrt(dre^2 + dim^2) --------------------------------

inline float modulusDistance(const float* q, const float* c, int k) {
#ifdef __AVX512F__
  __m512 acc = _mm512_setzero_ps();
  const __m512 eps = _mm512_set1_ps(kModEps);
  for (int x = 0; x < k; x += 16) {
    const __mmask16 m = k - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - x)) - 1);
    const __m512 dr = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, q + x), _mm512_maskz_loadu_ps(m, c + x));
    const __m512 di = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, q + k + x), _mm512_maskz_loadu_ps(m, c + k + x));
    const __m512 s = _mm512_fmadd_ps(dr, dr, _mm512_fmadd_ps(di, di, eps));
    acc = _mm512_mask_add_ps(acc, m, acc, _mm512_mul_ps(s, vec::rsqrtNewton(s)));
  }
  return _mm512_reduce_add_ps(acc);
#else
  float acc = 0;
  for (int x = 0; x < k; x++) {
    const float dr = q[x] - c[x], di = q[k + x] - c[k + x];
    acc += std::sqrt(dr * dr + di * di + kModEps);
  }
  return acc;
#endif
}

// dq += f * (q - c) / |q - c|, dc -= the same, per complex coordinate; f = dL/d(distance)
inline void modulusBackward(const float* q, const float* c, int k, float f, float* dq, float* dc) {
#ifdef __AVX512F__
  const __m512 eps = _mm512_set1_ps(kModEps), vf = _mm512_set1_ps(f);
  for (int x = 0; x < k; x += 16) {
    const __mmask16 m = k - x >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (k - x)) - 1);
    const __m512 dr = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, q + x), _mm512_maskz_loadu_ps(m, c + x));
    const __m512 di = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, q + k + x), _mm512_maskz_loadu_ps(m, c + k + x));
    const __m512 s = _mm512_fmadd_ps(dr, dr, _mm512_fmadd_ps(di, di, eps));
    const __m512 w = _mm512_mul_ps(vf, vec::rsqrtNewton(s));
    const __m512 gr = _mm512_mul_ps(w, dr), gi = _mm512_mul_ps(w, di);
    _mm512_mask_storeu_ps(dq + x, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dq + x), gr));
    _mm512_mask_storeu_ps(dq + k + x, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dq + k + x), gi));
    _mm512_mask_storeu_ps(dc + x, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dc + x), gr));
    _mm512_mask_storeu_ps(dc + k + x, m, _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dc + k + x), gi));
  }
#else
  for (int x = 0; x < k; x++) {
    const float dr = q[x] - c[x], di = q[k + x] - c[k + x];
    const float w = f / std::sqrt(dr * dr + di * di + kModEps);
    dq[x] += w * dr;
    dq[k + x] += w * di;
    dc[x] -= w * dr;
    dc[k + x] -= w * di;
  }
#endif
}

// ---- L1 -------------------------------------------------------------------------------------
inline float l1Distance(const float* q, const float* c, int d) {
  float acc = 0;
  for (int x = 0; x < d; x++) acc += std::fabs(q[x] - c[x]);
  return acc;
}

inline void l1Backward(const float* q, const float* c, int d, float f, float* dq, float* dc) {
  for (int x = 0; x < d; x++) {
    const float diff = q[x] - c[x];
    const float g = diff > 0 ? f : (diff < 0 ? -f : 0.0f);
    dq[x] += g;
    dc[x] -= g;
  }
}

// ---- block L2 (TransE-L2: one block of width dim) --------------------------------------------
inline float blockL2Distance(const float* q, const float* c, int d, int k) {
  float total = 0;
  for (int b = 0; b < d; b += k) {
    float s = 0;
    for (int x = b; x < b + k; x++) s += (q[x] - c[x]) * (q[x] - c[x]);
    total += s > kDistTiny ? std::sqrt(s) : 0.0f;
  }
  return total;
}

inline void blockL2Backward(const float* q, const float* c, int d, int k, float f, float* dq, float* dc) {
  for (int b = 0; b < d; b += k) {
    float s = 0;
    for (int x = b; x < b + k; x++) s += (q[x] - c[x]) * (q[x] - c[x]);
    if (s <= kDistTiny) continue;
    const float w = f / std::sqrt(s);
    for (int x = b; x < b + k; x++) {
      dq[x] += w * (q[x] - c[x]);
      dc[x] -= w * (q[x] - c[x]);
    }
  }
}

inline float dot(const float* a, const float* b, int d) {
  float acc = 0;
  for (int x = 0; x < d; x++) acc += a[x] * b[x];
  return acc;
}

}  // namespace

void pairScore(Comparator c, const ModelShape& sh, const float* Q, const float* T, int B, float* s) {
  const int d = sh.dim;
  for (int i = 0; i < B; i++) {
    const float* q = Q + size_t(i) * d;
    const float* t = T + size_t(i) * d;
    switch (c) {
      case Comparator::Dot: s[i] = dot(q, t, d); break;
      case Comparator::L1: s[i] = sh.gamma - l1Distance(q, t, d); break;
      case Comparator::Modulus: s[i] = sh.gamma - modulusDistance(q, t, d / 2); break;
      case Comparator::L2:
      case Comparator::BlockL2: s[i] = sh.gamma - blockL2Distance(q, t, d, blockOf(c, sh)); break;
    }
  }
}

void pairBackward(Comparator c, const ModelShape& sh, const float* Q, const float* T, int B, const float* g,
                  float* dQ, float* dT) {
  const int d = sh.dim;
  for (int i = 0; i < B; i++) {
    const float* q = Q + size_t(i) * d;
    const float* t = T + size_t(i) * d;
    float* dq = dQ + size_t(i) * d;
    float* dt = dT + size_t(i) * d;
    switch (c) {
      case Comparator::Dot:
        for (int x = 0; x < d; x++) {
          dq[x] += g[i] * t[x];
          dt[x] += g[i] * q[x];
        }
        break;
      case Comparator::L1: l1Backward(q, t, d, -g[i], dq, dt); break;
      case Comparator::Modulus: modulusBackward(q, t, d / 2, -g[i], dq, dt); break;
      case Comparator::L2:
      case Comparator::BlockL2: blockL2Backward(q, t, d, blockOf(c, sh), -g[i], dq, dt); break;
    }
  }
}

namespace {

// Per block b: dist_b = sqrt(max(|q_b|^2 + |c_b|^2 - 2 Q_b C_b^T, 0)), three GEMMs in all. The
// forward keeps 1 / dist_b (what the backward multiplies by); the backward overwrites it in place
// with its [B, N] GEMM operand.
void l2BlockScore(const ModelShape& sh, int k, const float* Q, int B, const float* C, int N, float* S,
                  CompareScratch& w) {
  const int d = sh.dim, K = d / k;
  w.dist.resize(size_t(K) * B * N);
  w.qn.resize(size_t(B) * K);
  w.cn.resize(size_t(N) * K);
  for (int i = 0; i < B; i++)
    for (int b = 0; b < K; b++) w.qn[size_t(i) * K + b] = dot(Q + size_t(i) * d + b * k, Q + size_t(i) * d + b * k, k);
  for (int j = 0; j < N; j++)
    for (int b = 0; b < K; b++) w.cn[size_t(j) * K + b] = dot(C + size_t(j) * d + b * k, C + size_t(j) * d + b * k, k);
  for (int x = 0; x < B * N; x++) S[x] = sh.gamma;
  for (int b = 0; b < K; b++) {
    float* D = w.dist.data() + size_t(b) * B * N;
    gemm(false, true, B, N, k, -2.0f, Q + b * k, d, C + b * k, d, 0.0f, D, N);
    for (int i = 0; i < B; i++) {
      const float qn = w.qn[size_t(i) * K + b];
      float* Di = D + size_t(i) * N;
      float* Si = S + size_t(i) * N;
      for (int j = 0; j < N; j++) {
        const float s2 = Di[j] + qn + w.cn[size_t(j) * K + b];
        const float inv = s2 > kDistTiny ? 1.0f / std::sqrt(s2) : 0.0f;
        Di[j] = inv;
        Si[j] -= s2 * inv;
      }
    }
  }
}

void l2BlockBackward(const ModelShape& sh, int k, const float* Q, int B, const float* C, int N, const float* G,
                     float* dQ, float* dC, CompareScratch& w) {
  const int d = sh.dim, K = d / k;
  w.rs.resize(B);
  w.cs.resize(N);
  for (int b = 0; b < K; b++) {
    float* P = w.dist.data() + size_t(b) * B * N;  // 1 / dist in, GEMM operand out
    std::fill(w.cs.begin(), w.cs.end(), 0.0f);
    for (int i = 0; i < B; i++) {
      float r = 0;
      const float* Gi = G + size_t(i) * N;
      float* Pi = P + size_t(i) * N;
      for (int j = 0; j < N; j++) {
        // dL/d(dist) = -G; d(dist)/dq = (q - c) / dist
        const float v = -Gi[j] * Pi[j];
        Pi[j] = v;
        r += v;
        w.cs[j] += v;
      }
      w.rs[i] = r;
    }
    for (int i = 0; i < B; i++) {
      float* dq = dQ + size_t(i) * d + b * k;
      const float* q = Q + size_t(i) * d + b * k;
      for (int x = 0; x < k; x++) dq[x] += w.rs[i] * q[x];
    }
    for (int j = 0; j < N; j++) {
      float* dc = dC + size_t(j) * d + b * k;
      const float* c = C + size_t(j) * d + b * k;
      for (int x = 0; x < k; x++) dc[x] += w.cs[j] * c[x];
    }
    gemm(false, false, B, k, N, -1.0f, P, N, C + b * k, d, 1.0f, dQ + b * k, d);
    gemm(true, false, N, k, B, -1.0f, P, N, Q + b * k, d, 1.0f, dC + b * k, d);
  }
}

}  // namespace

void blockScore(Comparator c, const ModelShape& sh, const float* Q, int B, const float* C, int N, float* S,
                CompareScratch& scratch) {
  const int d = sh.dim;
  switch (c) {
    case Comparator::Dot: gemm(false, true, B, N, d, 1.0f, Q, d, C, d, 0.0f, S, N); return;
    case Comparator::L2:
    case Comparator::BlockL2: l2BlockScore(sh, blockOf(c, sh), Q, B, C, N, S, scratch); return;
    case Comparator::L1:
#ifdef KGC_TILES
      tiles::l1BlockScore(Q, B, C, N, d, sh.gamma, S);
#else
      for (int i = 0; i < B; i++)
        for (int j = 0; j < N; j++) S[size_t(i) * N + j] = sh.gamma - l1Distance(Q + size_t(i) * d, C + size_t(j) * d, d);
#endif
      return;
    case Comparator::Modulus:
#ifdef KGC_TILES
      tiles::modulusBlockScore(Q, B, C, N, d / 2, sh.gamma, S);
#else
      for (int i = 0; i < B; i++)
        for (int j = 0; j < N; j++)
          S[size_t(i) * N + j] = sh.gamma - modulusDistance(Q + size_t(i) * d, C + size_t(j) * d, d / 2);
#endif
      return;
  }
}

void blockBackward(Comparator c, const ModelShape& sh, const float* Q, int B, const float* C, int N,
                   const float* G, float* dQ, float* dC, CompareScratch& scratch) {
  const int d = sh.dim;
  switch (c) {
    case Comparator::Dot:
      gemm(false, false, B, d, N, 1.0f, G, N, C, d, 1.0f, dQ, d);
      gemm(true, false, N, d, B, 1.0f, G, N, Q, d, 1.0f, dC, d);
      return;
    case Comparator::L2:
    case Comparator::BlockL2: l2BlockBackward(sh, blockOf(c, sh), Q, B, C, N, G, dQ, dC, scratch); return;
    case Comparator::L1:
#ifdef KGC_TILES
      tiles::l1BlockBackward(Q, B, C, N, d, G, dQ, dC);
      return;
#endif
      for (int i = 0; i < B; i++)
        for (int j = 0; j < N; j++)
          l1Backward(Q + size_t(i) * d, C + size_t(j) * d, d, -G[size_t(i) * N + j], dQ + size_t(i) * d,
                     dC + size_t(j) * d);
      return;
    case Comparator::Modulus:
#ifdef KGC_TILES
      tiles::modulusBlockBackward(Q, B, C, N, d / 2, G, dQ, dC);
      return;
#endif
      for (int i = 0; i < B; i++)
        for (int j = 0; j < N; j++)
          modulusBackward(Q + size_t(i) * d, C + size_t(j) * d, d / 2, -G[size_t(i) * N + j], dQ + size_t(i) * d,
                          dC + size_t(j) * d);
      return;
  }
}

}  // namespace kgc
