// RotatE (Sun et al. 2019): the relation row holds k = dim/2 phases, theta = raw * phaseScale
// (phaseScale = pi / epsilon maps the init range onto [-pi, pi]); r = cos theta + i sin theta.
// Tail side: q = h * r; head side: q = t * conj(r) (|r| = 1). The comparator sums the complex
// moduli |q_k - c_k| (Comparator::Modulus); score = gamma - distance.
#include "../common/model.h"
#include "complex-mul.h"
#include <cmath>

namespace kgc::rotate {

inline int halfWidth(int dim, int) { return dim / 2; }

inline void prep(const float* r, float* p, const ModelShape& s) {
  const int k = s.dim / 2;
  for (int i = 0; i < k; i++) {
    const float th = r[i] * s.phaseScale;
    p[i] = std::cos(th);
    p[k + i] = std::sin(th);
  }
}

inline void prepBackward(const float* r, const float*, const float* dp, float* dr, const ModelShape& s) {
  const int k = s.dim / 2;
  for (int i = 0; i < k; i++) {
    const float th = r[i] * s.phaseScale;
    dr[i] += s.phaseScale * (-std::sin(th) * dp[i] + std::cos(th) * dp[k + i]);
  }
}

const ModelKernel kernel{"rotate", Comparator::Modulus, halfWidth, sameWidth, prep, prepBackward, cmul::apply, cmul::backward, 2, 0};
KGC_REGISTER_MODEL(kernel);

}  // namespace kgc::rotate
