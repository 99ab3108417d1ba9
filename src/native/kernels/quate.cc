// QuatE (Zhang et al. 2019): vectors hold four parts [a ; b ; c ; d] of m = dim/4 quaternions.
// The relation is normalised per coordinate, r^ = r / |r|; score = <h (x) r^, t> with (x) the
// Hamilton product. Tail side: q = h (x) r^; head side: q = t (x) conj(r^) (right multiplication
// by a unit quaternion is orthogonal and its adjoint multiplies by the conjugate).
#include "../common/model.h"
#include <cmath>

namespace kgc::quate {

constexpr float kNormEps = 1e-10f;

inline void prep(const float* r, float* p, const ModelShape& s) {
  const int m = s.dim / 4;
  for (int i = 0; i < m; i++) {
    const float a = r[i], b = r[m + i], c = r[2 * m + i], d = r[3 * m + i];
    const float inv = 1.0f / std::sqrt(a * a + b * b + c * c + d * d + kNormEps);
    p[i] = a * inv;
    p[m + i] = b * inv;
    p[2 * m + i] = c * inv;
    p[3 * m + i] = d * inv;
  }
}

inline void prepBackward(const float* r, const float* p, const float* dp, float* dr, const ModelShape& s) {
  const int m = s.dim / 4;
  for (int i = 0; i < m; i++) {
    const float a = r[i], b = r[m + i], c = r[2 * m + i], d = r[3 * m + i];
    const float inv = 1.0f / std::sqrt(a * a + b * b + c * c + d * d + kNormEps);
    float dot = 0;
    for (int part = 0; part < 4; part++) dot += p[part * m + i] * dp[part * m + i];
    for (int part = 0; part < 4; part++) dr[part * m + i] += inv * (dp[part * m + i] - p[part * m + i] * dot);
  }
}

inline void apply(const float* e, const float* p, float* q, bool tail, const ModelShape& s) {
  const int m = s.dim / 4;
  const float sg = tail ? 1.0f : -1.0f;  // conjugate on the head side
  for (int i = 0; i < m; i++) {
    const float a1 = e[i], b1 = e[m + i], c1 = e[2 * m + i], d1 = e[3 * m + i];
    const float a2 = p[i], b2 = sg * p[m + i], c2 = sg * p[2 * m + i], d2 = sg * p[3 * m + i];
    q[i] = a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2;
    q[m + i] = a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2;
    q[2 * m + i] = a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2;
    q[3 * m + i] = a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2;
  }
}

inline void applyBackward(const float* e, const float* p, const float* dq, float* de, float* dp, bool tail,
                          const ModelShape& s) {
  const int m = s.dim / 4;
  const float sg = tail ? 1.0f : -1.0f;
  for (int i = 0; i < m; i++) {
    const float a1 = e[i], b1 = e[m + i], c1 = e[2 * m + i], d1 = e[3 * m + i];
    const float a2 = p[i], b2 = sg * p[m + i], c2 = sg * p[2 * m + i], d2 = sg * p[3 * m + i];
    const float gA = dq[i], gB = dq[m + i], gC = dq[2 * m + i], gD = dq[3 * m + i];
    de[i] += gA * a2 + gB * b2 + gC * c2 + gD * d2;
    de[m + i] += -gA * b2 + gB * a2 - gC * d2 + gD * c2;
    de[2 * m + i] += -gA * c2 + gB * d2 + gC * a2 - gD * b2;
    de[3 * m + i] += -gA * d2 - gB * c2 + gC * b2 + gD * a2;
    dp[i] += gA * a1 + gB * b1 + gC * c1 + gD * d1;
    dp[m + i] += sg * (-gA * b1 + gB * a1 + gC * d1 - gD * c1);
    dp[2 * m + i] += sg * (-gA * c1 - gB * d1 + gC * a1 + gD * b1);
    dp[3 * m + i] += sg * (-gA * d1 + gB * c1 - gC * b1 + gD * a1);
  }
}

const ModelKernel kernel{"quate", Comparator::Dot, sameWidth, sameWidth, prep, prepBackward, apply, applyBackward, 4, 0};
KGC_REGISTER_MODEL(kernel);

}  // namespace kgc::quate
