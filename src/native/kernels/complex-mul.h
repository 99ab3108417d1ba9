// Complex coordinate-wise product shared by ComplEx and RotatE. Vectors hold [re(k) ; im(k)]
// (real halves first, as DGL-KE). q = e * r (tail side) or e * conj(r) (head side). Both are
// the kernels' apply / applyBackward as they stand (k = dim / 2 complex coordinates).
#pragma once
#include "../common/model.h"

namespace kgc::cmul {

inline void apply(const float* e, const float* p, float* q, bool tail, const ModelShape& s) {
  const int k = s.dim / 2;
  const float sg = tail ? 1.0f : -1.0f;
  const float *ere = e, *eim = e + k, *rre = p, *rim = p + k;
  for (int i = 0; i < k; i++) {
    const float ri = sg * rim[i];
    q[i] = ere[i] * rre[i] - eim[i] * ri;
    q[k + i] = ere[i] * ri + eim[i] * rre[i];
  }
}

inline void backward(const float* e, const float* p, const float* dq, float* de, float* dp, bool tail, const ModelShape& s) {
  const int k = s.dim / 2;
  const float sg = tail ? 1.0f : -1.0f;
  const float *ere = e, *eim = e + k, *rre = p, *rim = p + k;
  for (int i = 0; i < k; i++) {
    const float ri = sg * rim[i];
    const float gre = dq[i], gim = dq[k + i];
    de[i] += gre * rre[i] + gim * ri;
    de[k + i] += -gre * ri + gim * rre[i];
    dp[i] += gre * ere[i] + gim * eim[i];
    dp[k + i] += sg * (-gre * eim[i] + gim * ere[i]);
  }
}

}  // namespace kgc::cmul
