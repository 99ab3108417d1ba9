// OTE (Tang et al. 2020) and NOTE (the KDD Cup 2021 winner's variant). Entities are K = dim/k
// blocks of k floats; each relation block holds a k x k matrix M (row-major) and, for NOTE, one
// more column s (a per-row log scale): relation row = K blocks of k x (k [+1]) floats.
//   R = GramSchmidt(rows of M)          orthonormal, recomputed every forward pass
//   OTE : sigma = sigma' = 1
//   NOTE: sigma = sqrt(k) exp(s)/||exp(s)||, sigma' = sqrt(k) exp(-s)/||exp(-s)||  (paper Eq. 3-4,
//         scaled by sqrt(k) so that s = 0 is plain OTE; the seed code's norm over a size-1 axis made
//         this identically 1 -- here the scales learn)
//   tail side: q_j = sum_a e_a sigma_a R[a][j]      head side: q_j = sum_a e_a sigma'_a R[j][a]
// compared block-wise: distance = sum_blocks ||q_b - c_b||_2 (Comparator::BlockL2), score = gamma - d.
// Prepared relation per block: R (k*k) then sigma (k) then sigma' (k).
#include "../common/model.h"
#include <cmath>
#include <vector>

namespace kgc::ote {

constexpr float kGsEps = 1e-12f;

inline int rawBlock(int k, bool scaled) { return k * (scaled ? k + 1 : k); }
inline int prepBlock(int k) { return k * k + 2 * k; }

template <bool Scaled>
int relWidth(int dim, int k) { return dim / k * rawBlock(k, Scaled); }
inline int prepWidth(int dim, int k) { return dim / k * prepBlock(k); }

template <bool Scaled, int KC>
void prepK(const float* r, float* p, const ModelShape& s) {
  const int k = KC ? KC : s.block, nb = s.dim / k, cols = Scaled ? k + 1 : k;
  for (int b = 0; b < nb; b++) {
    const float* m = r + b * rawBlock(k, Scaled);
    float* R = p + b * prepBlock(k);
    for (int i = 0; i < k; i++) {
      float* ri = R + i * k;
      const float* mi = m + i * cols;
      for (int a = 0; a < k; a++) ri[a] = mi[a];
      for (int j = 0; j < i; j++) {
        const float* rj = R + j * k;
        float c = 0;
        for (int a = 0; a < k; a++) c += mi[a] * rj[a];
        for (int a = 0; a < k; a++) ri[a] -= c * rj[a];
      }
      float n2 = 0;
      for (int a = 0; a < k; a++) n2 += ri[a] * ri[a];
      const float inv = 1.0f / std::sqrt(n2 + kGsEps);
      for (int a = 0; a < k; a++) ri[a] *= inv;
    }
    float* sg = R + k * k;
    float* sgh = sg + k;
    if (!Scaled) {
      for (int a = 0; a < k; a++) sg[a] = sgh[a] = 1.0f;
      continue;
    }
    float mx = -INFINITY, mn = INFINITY;
    for (int a = 0; a < k; a++) {
      mx = std::fmax(mx, m[a * cols + k]);
      mn = std::fmin(mn, m[a * cols + k]);
    }
    float n1 = 0, n2 = 0;
    for (int a = 0; a < k; a++) {
      sg[a] = std::exp(m[a * cols + k] - mx);
      sgh[a] = std::exp(mn - m[a * cols + k]);
      n1 += sg[a] * sg[a];
      n2 += sgh[a] * sgh[a];
    }
    const float f1 = std::sqrt(float(k) / n1), f2 = std::sqrt(float(k) / n2);
    for (int a = 0; a < k; a++) {
      sg[a] *= f1;
      sgh[a] *= f2;
    }
  }
}

template <bool Scaled, int KC>
void prepBackwardK(const float* r, const float* p, const float* dp, float* dr, const ModelShape& s) {
  const int k = KC ? KC : s.block, nb = s.dim / k, cols = Scaled ? k + 1 : k;
  thread_local std::vector<float> dR;
  dR.resize(size_t(k) * k);
  for (int b = 0; b < nb; b++) {
    const float* m = r + b * rawBlock(k, Scaled);
    float* dm = dr + b * rawBlock(k, Scaled);
    const float* R = p + b * prepBlock(k);
    const float* dRin = dp + b * prepBlock(k);
    for (int x = 0; x < k * k; x++) dR[x] = dRin[x];
    for (int i = k - 1; i >= 0; i--) {
      const float* mi = m + i * cols;
      const float* ri = R + i * k;
      float* dri = dR.data() + i * k;
      float n = 0, rd = 0;
      for (int a = 0; a < k; a++) {
        n += mi[a] * ri[a];
        rd += ri[a] * dri[a];
      }
      // u_i = n r_i; dr_i -> du_i = (dr_i - r_i (r_i . dr_i)) / n
      const float inv = 1.0f / std::fmax(n, 1e-6f);
      float du[512];
      for (int a = 0; a < k; a++) {
        du[a] = (dri[a] - ri[a] * rd) * inv;
        dm[i * cols + a] += du[a];
      }
      for (int j = 0; j < i; j++) {  // u_i = m_i - sum_j (m_i . r_j) r_j
        const float* rj = R + j * k;
        float c = 0, dc = 0;
        for (int a = 0; a < k; a++) {
          c += mi[a] * rj[a];
          dc -= du[a] * rj[a];
        }
        float* drj = dR.data() + j * k;
        for (int a = 0; a < k; a++) {
          drj[a] += -c * du[a] + dc * mi[a];
          dm[i * cols + a] += dc * rj[a];
        }
      }
    }
    if (!Scaled) continue;
    const float sk = std::sqrt(float(k));
    const float *sg = R + k * k, *sgh = sg + k, *dsg = dRin + k * k, *dsgh = dsg + k;
    float d1 = 0, d2 = 0;  // y . dy with y = sigma / sqrt(k), dy = sqrt(k) dsigma
    for (int a = 0; a < k; a++) {
      d1 += sg[a] * dsg[a];
      d2 += sgh[a] * dsgh[a];
    }
    for (int a = 0; a < k; a++) {
      const float y1 = sg[a] / sk, y2 = sgh[a] / sk;
      dm[a * cols + k] += y1 * (sk * dsg[a] - y1 * d1) - y2 * (sk * dsgh[a] - y2 * d2);
    }
  }
}

template <int KC>
void applyK(const float* e, const float* p, float* q, bool tail, const ModelShape& s) {
  const int k = KC ? KC : s.block, nb = s.dim / k;
  for (int b = 0; b < nb; b++) {
    const float* R = p + b * prepBlock(k);
    const float* sg = R + k * k + (tail ? 0 : k);
    const float* eb = e + b * k;
    float* qb = q + b * k;
    for (int j = 0; j < k; j++) qb[j] = 0;
    if (tail) {
      for (int a = 0; a < k; a++) {
        const float w = eb[a] * sg[a];
        for (int j = 0; j < k; j++) qb[j] += w * R[a * k + j];
      }
    } else {
      for (int j = 0; j < k; j++) {
        float acc = 0;
        for (int a = 0; a < k; a++) acc += R[j * k + a] * eb[a] * sg[a];
        qb[j] = acc;
      }
    }
  }
}

template <int KC>
void applyBackwardK(const float* e, const float* p, const float* dq, float* de, float* dp, bool tail,
                          const ModelShape& s) {
  const int k = KC ? KC : s.block, nb = s.dim / k;
  for (int b = 0; b < nb; b++) {
    const float* R = p + b * prepBlock(k);
    float* dR = dp + b * prepBlock(k);
    const int so = k * k + (tail ? 0 : k);
    const float* sg = R + so;
    float* dsg = dR + so;
    const float* eb = e + b * k;
    const float* g = dq + b * k;
    float* deb = de + b * k;
    if (tail) {
      for (int a = 0; a < k; a++) {
        const float w = eb[a] * sg[a];
        float t = 0;
        for (int j = 0; j < k; j++) {
          dR[a * k + j] += w * g[j];
          t += R[a * k + j] * g[j];
        }
        deb[a] += sg[a] * t;
        dsg[a] += eb[a] * t;
      }
    } else {
      for (int a = 0; a < k; a++) {
        const float w = eb[a] * sg[a];
        float t = 0;
        for (int j = 0; j < k; j++) {
          dR[j * k + a] += g[j] * w;
          t += R[j * k + a] * g[j];
        }
        deb[a] += sg[a] * t;
        dsg[a] += eb[a] * t;
      }
    }
  }
}

// Compile-time block sizes for the common cases (the seed's 20 and 40) let the compiler unroll
// and vectorise the k-long inner loops; other sizes take the runtime-k path.
#define KGC_OTE_DISPATCH(CALL)         \
  switch (s.block) {                   \
    case 4: return CALL(4);            \
    case 8: return CALL(8);            \
    case 16: return CALL(16);          \
    case 20: return CALL(20);          \
    case 32: return CALL(32);          \
    case 40: return CALL(40);          \
    default: return CALL(0);           \
  }

template <bool Scaled>
void prep(const float* r, float* p, const ModelShape& s) {
#define KGC_CALL(K) prepK<Scaled, K>(r, p, s)
  KGC_OTE_DISPATCH(KGC_CALL)
#undef KGC_CALL
}

template <bool Scaled>
void prepBackward(const float* r, const float* p, const float* dp, float* dr, const ModelShape& s) {
#define KGC_CALL(K) prepBackwardK<Scaled, K>(r, p, dp, dr, s)
  KGC_OTE_DISPATCH(KGC_CALL)
#undef KGC_CALL
}

inline void apply(const float* e, const float* p, float* q, bool tail, const ModelShape& s) {
#define KGC_CALL(K) applyK<K>(e, p, q, tail, s)
  KGC_OTE_DISPATCH(KGC_CALL)
#undef KGC_CALL
}

inline void applyBackward(const float* e, const float* p, const float* dq, float* de, float* dp, bool tail,
                          const ModelShape& s) {
#define KGC_CALL(K) applyBackwardK<K>(e, p, dq, de, dp, tail, s)
  KGC_OTE_DISPATCH(KGC_CALL)
#undef KGC_CALL
}
#undef KGC_OTE_DISPATCH

const ModelKernel oteKernel{"ote", Comparator::BlockL2, relWidth<false>, prepWidth, prep<false>, prepBackward<false>, apply, applyBackward, 1, 0};
const ModelKernel noteKernel{"note", Comparator::BlockL2, relWidth<true>, prepWidth, prep<true>, prepBackward<true>, apply, applyBackward, 1, 0};
KGC_REGISTER_MODEL(oteKernel);
KGC_REGISTER_MODEL(noteKernel);

}  // namespace kgc::ote
