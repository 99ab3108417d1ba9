// Losses over one batch: B positive scores and a [B, N] block of negative scores.
//  logsigmoid (self-adversarial, RotatE / DGL-KE):
//    L = 1/2 [ sum_i w_i softplus(-s+_i) + sum_i w_i sum_j p_ij softplus(s-_ij) ] / sum_i w_i
//    p_ij = softmax_j(alpha s-_ij), detached; alpha = 0 gives p_ij = 1/N (plain mean)
//  margin: L = sum_i w_i sum_j max(0, m - s+_i + s-_ij) / (N sum_i w_i)
// w_i = per-positive "sub-sampling" weights (RotatE) or 1.
#pragma once
#include <algorithm>
#include <cmath>

namespace kgc {

enum class LossKind : int { LogSigmoid = 0, Margin = 1 };

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

// shape: sPos [B], S [B, N], wPos [B] or null; writes gPos [B] and G [B, N] = dL/dscore.
inline double lossForward(const LossConfig& cfg, const float* sPos, const float* S, const float* wPos, int B, int N,
                          float* gPos, float* G) {
  double wsum = 0;
  for (int i = 0; i < B; i++) wsum += wPos ? wPos[i] : 1.0;
  const float invW = float(1.0 / wsum);
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
    // positive part
    total += 0.5 * wi * softplus(-sPos[i]);
    gPos[i] = -0.5f * wi * sigmoid(-sPos[i]);
    // negative part: detached softmax weights
    float mx = -INFINITY;
    if (cfg.advTemp > 0)
      for (int j = 0; j < N; j++) mx = std::fmax(mx, cfg.advTemp * Si[j]);
    float z = 0;
    for (int j = 0; j < N; j++) {
      const float p = cfg.advTemp > 0 ? std::exp(cfg.advTemp * Si[j] - mx) : 1.0f;
      Gi[j] = p;
      z += p;
    }
    const float invZ = 1.0f / z;
    float li = 0;
    for (int j = 0; j < N; j++) {
      const float p = Gi[j] * invZ;
      li += p * softplus(Si[j]);
      Gi[j] = 0.5f * wi * p * sigmoid(Si[j]);
    }
    total += 0.5 * wi * li;
  }
  return total;
}

}  // namespace kgc
