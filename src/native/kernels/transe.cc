// TransE (Bordes et al. 2013): score = gamma - ||h + r - t||_p, p = 1 or 2.
// Tail side: q = h + r vs candidate tails; head side: q = t - r vs candidate heads.
#include "../common/model.h"
#include <cstring>

namespace kgc::transe {

inline void prep(const float* r, float* p, const ModelShape& s) { std::memcpy(p, r, sizeof(float) * s.dim); }

inline void prepBackward(const float*, const float*, const float* dp, float* dr, const ModelShape& s) {
  for (int k = 0; k < s.dim; k++) dr[k] += dp[k];
}

inline void apply(const float* e, const float* p, float* q, bool tail, const ModelShape& s) {
  const float sign = tail ? 1.0f : -1.0f;
  for (int k = 0; k < s.dim; k++) q[k] = e[k] + sign * p[k];
}

inline void applyBackward(const float*, const float*, const float* dq, float* de, float* dp, bool tail,
                          const ModelShape& s) {
  const float sign = tail ? 1.0f : -1.0f;
  for (int k = 0; k < s.dim; k++) {
    de[k] += dq[k];
    dp[k] += sign * dq[k];
  }
}

const ModelKernel l1{"transe-l1", Comparator::L1, sameWidth, sameWidth, prep, prepBackward, apply, applyBackward, 1, 1};
const ModelKernel l2{"transe-l2", Comparator::L2, sameWidth, sameWidth, prep, prepBackward, apply, applyBackward, 1, 1};
KGC_REGISTER_MODEL(l1);
KGC_REGISTER_MODEL(l2);

}  // namespace kgc::transe
