// ComplEx (Trouillon et al. 2016): score = Re(<h, r, conj(t)>). Tail side: q = h * r compared by
// dot product with [t_re ; t_im]; head side: q = t * conj(r) compared with [h_re ; h_im].
#include "../common/model.h"
#include "complex-mul.h"
#include <cstring>

namespace kgc::complex {

inline void prep(const float* r, float* p, const ModelShape& s) { std::memcpy(p, r, sizeof(float) * s.dim); }

inline void prepBackward(const float*, const float*, const float* dp, float* dr, const ModelShape& s) {
  for (int k = 0; k < s.dim; k++) dr[k] += dp[k];
}

const ModelKernel kernel{"complex", Comparator::Dot, sameWidth, sameWidth, prep, prepBackward, cmul::apply, cmul::backward, 2, 2};
KGC_REGISTER_MODEL(kernel);

}  // namespace kgc::complex
