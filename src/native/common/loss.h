// Losses over one batch: B positive scores and a [B, N] block of negative scores.
//  logsigmoid (self-adversarial, RotatE / DGL-KE):
//    L = 1/2 [ sum_i w_i softplus(-s+_i) + sum_i w_i sum_j p_ij softplus(s-_ij) ] / sum_i w_i
//    p_ij = softmax_j(alpha s-_ij), detached; alpha = 0 gives p_ij = 1/N (plain mean)
//  margin: L = sum_i w_i sum_j max(0, m - s+_i + s-_ij) / (N sum_i w_i)
//  softmax (LibKGE's "kl" with negative sampling): cross-entropy of the positive against itself
//    and its N negatives, L = sum_i w_i [logsumexp(s+_i, s-_i1 .. s-_iN) - s+_i] / sum_i w_i
// w_i = per-positive "sub-sampling" weights (RotatE) or 1.
// A negative scored kMaskedScore (a known true triple, filtered sampling) adds nothing to the loss
// and gets no gradient: its softmax weight underflows to 0, its softplus and margin terms are 0;
// the plain mean (alpha = 0) and the margin loss still divide by N; under softmax its exp is 0.
#pragma once
#include <algorithm>
#include <cmath>
#include "vecmath.h"

namespace kgc {

constexpr float kMaskedScore = -1e30f;  // alpha * kMaskedScore stays finite for alpha <= 1e6

enum class LossKind : int { LogSigmoid = 0, Margin = 1, Softmax = 2 };

struct LossConfig {
  LossKind kind;
  float advTemp;
  float margin;
};

inline float softplus(float x) { return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
inline float sigmoid(float x) {
  const float e = std::exp(-std::fabs(x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

// One row of negatives, written as branch-free loops so the compiler vectorises them (libmvec
// expf / log1pf). Writes G[j] = dL/ds_j scaled by `scale`; returns sum_j p_j softplus(s_j).
inline float negativeRow(const float* S, int N, float advTemp, float scale, float* G) {
#ifdef __AVX512F__
  using namespace vec;
  const __m512 alpha = _mm512_set1_ps(advTemp), zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f);
  __m512 vmx = _mm512_set1_ps(-INFINITY);
  for (int j = 0; j < N; j += 16) {
    const __mmask16 m = tailMask(N - j);
    vmx = _mm512_mask_max_ps(vmx, m, vmx, _mm512_mul_ps(alpha, _mm512_maskz_loadu_ps(m, S + j)));
  }
  const __m512 mx = _mm512_set1_ps(advTemp > 0 ? _mm512_reduce_max_ps(vmx) : 0.0f);
  __m512 vz = zero;
  for (int j = 0; j < N; j += 16) {
    const __mmask16 m = tailMask(N - j);
    const __m512 p = vec::exp(_mm512_sub_ps(_mm512_mul_ps(alpha, _mm512_maskz_loadu_ps(m, S + j)), mx));
    _mm512_mask_storeu_ps(G + j, m, p);
    vz = _mm512_mask_add_ps(vz, m, vz, p);
  }
  const __m512 invZ = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vz)), vscale = _mm512_set1_ps(scale);
  __m512 vli = zero;
  for (int j = 0; j < N; j += 16) {
    const __mmask16 m = tailMask(N - j);
    const __m512 x = _mm512_maskz_loadu_ps(m, S + j);
    const __m512 e = vec::exp(_mm512_sub_ps(zero, _mm512_abs_ps(x)));
    const __m512 sp = _mm512_add_ps(_mm512_max_ps(x, zero), log1pUnit(e));
    const __mmask16 nonneg = _mm512_cmp_ps_mask(x, zero, _CMP_GE_OQ);
    const __m512 sig = _mm512_div_ps(_mm512_mask_blend_ps(nonneg, e, one), _mm512_add_ps(one, e));
    const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, G + j), invZ);
    vli = _mm512_mask_add_ps(vli, m, vli, _mm512_mul_ps(p, sp));
    _mm512_mask_storeu_ps(G + j, m, _mm512_mul_ps(_mm512_mul_ps(vscale, p), sig));
  }
  return _mm512_reduce_add_ps(vli);
#else
  float mx = 0.0f;
  if (advTemp > 0) {
    mx = advTemp * S[0];
    for (int j = 1; j < N; j++) mx = std::fmax(mx, advTemp * S[j]);
  }
  float z = 0;
  for (int j = 0; j < N; j++) {
    G[j] = std::exp(advTemp * S[j] - mx);
    z += G[j];
  }
  float li = 0;
  for (int j = 0; j < N; j++) {
    const float p = G[j] / z;
    li += p * softplus(S[j]);
    G[j] = scale * p * sigmoid(S[j]);
  }
  return li;
#endif
}

// out[j] = exp(S[j] - mx) for j < N (out may be S); returns their sum. The exps cost as much as a
// third of the GEMMs at d = 256 when scalar, hence the AVX-512 path.
inline double expShiftedSum(const float* S, int N, float mx, float* out) {
#ifdef __AVX512F__
  const __m512 vmx = _mm512_set1_ps(mx);
  __m512 vz = _mm512_setzero_ps();
  for (int j = 0; j < N; j += 16) {
    const __mmask16 m = vec::tailMask(N - j);
    const __m512 e = vec::exp(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, S + j), vmx));
    _mm512_mask_storeu_ps(out + j, m, e);
    vz = _mm512_mask_add_ps(vz, m, vz, e);
  }
  return _mm512_reduce_add_ps(vz);
#else
  double z = 0;
  for (int j = 0; j < N; j++) {
    out[j] = std::exp(S[j] - mx);
    z += out[j];
  }
  return z;
#endif
}

// Softmax cross-entropy of one positive sPos against its N negatives S, weight wi: writes
// G[j] = dL/ds_j and *gPos = dL/dsPos; returns the row's loss.
inline float softmaxNegativesRow(float sPos, const float* S, int N, float wi, float* G, float* gPos) {
  float mx = sPos;
  for (int j = 0; j < N; j++) mx = std::fmax(mx, S[j]);
  const float ePos = std::exp(sPos - mx);
  const float z = ePos + float(expShiftedSum(S, N, mx, G));
  const float scale = wi / z;
  for (int j = 0; j < N; j++) G[j] *= scale;
  *gPos = wi * (ePos / z - 1.0f);
  return wi * (mx + std::log(z) - sPos);
}

// 1 / sum_i w_i over a whole batch (wPos [B] or null: all ones); the loss is normalised by it.
inline float inverseWeightSum(const float* wPos, int B) {
  double wsum = 0;
  for (int i = 0; i < B; i++) wsum += wPos ? wPos[i] : 1.0;
  return float(1.0 / wsum);
}

// Rows of one batch (the engine visits a batch in row chunks that stay in cache): sPos [B],
// S [B, N], wPos [B] or null, invW = inverseWeightSum of the WHOLE batch; writes gPos [B] and
// G [B, N] = dL/dscore, returns these rows' part of the loss.
inline double lossRows(const LossConfig& cfg, const float* sPos, const float* S, const float* wPos, float invW, int B,
                       int N, float* gPos, float* G) {
  double total = 0;
  for (int i = 0; i < B; i++) {
    const float wi = (wPos ? wPos[i] : 1.0f) * invW;
    const float* Si = S + size_t(i) * N;
    float* Gi = G + size_t(i) * N;
    if (cfg.kind == LossKind::Margin) {
      const float scale = wi / float(N);
      float gp = 0, li = 0;
      for (int j = 0; j < N; j++) {
        const float h = cfg.margin - sPos[i] + Si[j];
        const bool on = h > 0;
        li += on ? h : 0.0f;
        Gi[j] = on ? scale : 0.0f;
        gp -= on ? scale : 0.0f;
      }
      gPos[i] = gp;
      total += double(li) * scale;
      continue;
    }
    if (cfg.kind == LossKind::Softmax) {
      total += softmaxNegativesRow(sPos[i], Si, N, wi, Gi, gPos + i);
      continue;
    }
    // positive part
    total += 0.5 * wi * softplus(-sPos[i]);
    gPos[i] = -0.5f * wi * sigmoid(-sPos[i]);
    const float li = negativeRow(Si, N, cfg.advTemp, 0.5f * wi, Gi);
    total += 0.5 * wi * li;
  }
  return total;
}

}  // namespace kgc
