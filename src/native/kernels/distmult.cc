// DistMult (Yang et al. 2015): score = <h, r, t> = sum_k h_k r_k t_k; symmetric, so both sides
// use q = e * r against the candidates.
#include "../common/model.h"
#include <cstring>

namespace kgc::distmult {

inline void prep(const float* r, float* p, const ModelShape& s) { std::memcpy(p, r, sizeof(float) * s.dim); }

inline void prepBackward(const float*, const float*, const float* dp, float* dr, const ModelShape& s) {
  for (int k = 0; k < s.dim; k++) dr[k] += dp[k];
}

inline void apply(const float* e, const float* p, float* q, bool, const ModelShape& s) {
  for (int k = 0; k < s.dim; k++) q[k] = e[k] * p[k];
}

inline void applyBackward(const float* e, const float* p, const float* dq, float* de, float* dp, bool,
                          const ModelShape& s) {
  for (int k = 0; k < s.dim; k++) {
    de[k] += dq[k] * p[k];
    dp[k] += dq[k] * e[k];
  }
}

const ModelKernel kernel{"distmult", Comparator::Dot, sameWidth, sameWidth, prep, prepBackward, apply, applyBackward, 1, 1};
KGC_REGISTER_MODEL(kernel);

}  // namespace kgc::distmult
