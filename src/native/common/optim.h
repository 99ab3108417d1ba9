// Optimisers. Embedding rows: sparse row-wise Adagrad (DGL-KE): state_row += mean(g^2);
// row -= lr g / (sqrt(state_row) + 1e-10); or lazy Adam (TF LazyAdam / torch SparseAdam: only
// the batch's rows update their moments, bias correction by the global step). Dense layers: Adam.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace kgc {

inline void adagradRow(float* row, float* state, const float* g, int width, float lr) {
  float s = 0;
  for (int x = 0; x < width; x++) s += g[x] * g[x];
  *state += s / float(width);
  const float step = lr / (std::sqrt(*state) + 1e-10f);
  for (int x = 0; x < width; x++) row[x] -= step * g[x];
}

struct AdamConfig {
  float lr, beta1, beta2, eps;
};

// Bias correction of update t (1-based): the same for every parameter of a step, so computed once
// per step, not once per row.
struct AdamStep {
  float stepSize, invSqrtCorr2;
};

inline AdamStep adamStep(const AdamConfig& c, int64_t t) {
  const float corr1 = 1.0f - float(std::pow(double(c.beta1), double(t)));
  const float corr2 = 1.0f - float(std::pow(double(c.beta2), double(t)));
  return {c.lr / corr1, 1.0f / std::sqrt(corr2)};
}

inline void adamUpdate(float* p, float* m, float* v, const float* g, size_t n, const AdamConfig& c, const AdamStep& k) {
  const float b1 = c.beta1, b2 = c.beta2, stepSize = k.stepSize, invSqrtCorr2 = k.invSqrtCorr2;
  for (size_t x = 0; x < n; x++) {
    const float mx = b1 * m[x] + (1.0f - b1) * g[x];
    const float vx = b2 * v[x] + (1.0f - b2) * g[x] * g[x];
    m[x] = mx;
    v[x] = vx;
    p[x] -= stepSize * mx / (std::sqrt(vx) * invSqrtCorr2 + c.eps);
  }
}

}  // namespace kgc
