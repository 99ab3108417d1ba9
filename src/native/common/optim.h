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

// t = 1-based update count (bias correction)
inline void adamUpdate(float* p, float* m, float* v, const float* g, size_t n, const AdamConfig& c, int64_t t) {
  const float b1 = c.beta1, b2 = c.beta2;
  const float corr1 = 1.0f - float(std::pow(double(b1), double(t)));
  const float corr2 = 1.0f - float(std::pow(double(b2), double(t)));
  const float stepSize = c.lr / corr1;
  const float invSqrtCorr2 = 1.0f / std::sqrt(corr2);
  for (size_t x = 0; x < n; x++) {
    const float mx = b1 * m[x] + (1.0f - b1) * g[x];
    const float vx = b2 * v[x] + (1.0f - b2) * g[x] * g[x];
    m[x] = mx;
    v[x] = vx;
    p[x] -= stepSize * mx / (std::sqrt(vx) * invSqrtCorr2 + c.eps);
  }
}

}  // namespace kgc
