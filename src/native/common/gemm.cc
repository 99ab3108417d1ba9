#include "gemm.h"
#include <algorithm>
#include <vector>

#ifdef KGC_HAVE_OPENBLAS
#include <cblas.h>
extern "C" void openblas_set_num_threads(int);
#endif

namespace kgc {

#ifdef KGC_HAVE_OPENBLAS
namespace {
struct SingleThreaded {
  SingleThreaded() { openblas_set_num_threads(1); }
} singleThreaded;
}  // namespace

void gemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
              alpha, A, lda, B, ldb, beta, C, ldc);
}

const char* gemmBackend() { return "openblas"; }

#else

// Built-in fallback: pack op(A) and op(B) into row-major panels, then a 4-row register-blocked
// i-k-j loop the compiler vectorises over j.
void gemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc) {
  if (M <= 0 || N <= 0) return;
  for (int i = 0; i < M; i++) {
    float* c = C + size_t(i) * ldc;
    if (beta == 0.0f)
      std::fill(c, c + N, 0.0f);
    else if (beta != 1.0f)
      for (int j = 0; j < N; j++) c[j] *= beta;
  }
  if (K <= 0) return;
  thread_local std::vector<float> pa, pb;
  constexpr int KB = 256, NB = 1024;
  for (int k0 = 0; k0 < K; k0 += KB) {
    const int kc = std::min(KB, K - k0);
    for (int j0 = 0; j0 < N; j0 += NB) {
      const int nc = std::min(NB, N - j0);
      pb.resize(size_t(kc) * nc);
      for (int k = 0; k < kc; k++)
        for (int j = 0; j < nc; j++)
          pb[size_t(k) * nc + j] = transB ? B[size_t(j0 + j) * ldb + k0 + k] : B[size_t(k0 + k) * ldb + j0 + j];
      pa.resize(size_t(M) * kc);
      for (int i = 0; i < M; i++)
        for (int k = 0; k < kc; k++)
          pa[size_t(i) * kc + k] = alpha * (transA ? A[size_t(k0 + k) * lda + i] : A[size_t(i) * lda + k0 + k]);
      int i = 0;
      for (; i + 4 <= M; i += 4) {
        float* c0 = C + size_t(i) * ldc + j0;
        float* c1 = c0 + ldc;
        float* c2 = c1 + ldc;
        float* c3 = c2 + ldc;
        for (int k = 0; k < kc; k++) {
          const float a0 = pa[size_t(i) * kc + k], a1 = pa[size_t(i + 1) * kc + k];
          const float a2 = pa[size_t(i + 2) * kc + k], a3 = pa[size_t(i + 3) * kc + k];
          const float* b = pb.data() + size_t(k) * nc;
#pragma GCC ivdep
          for (int j = 0; j < nc; j++) {
            const float bj = b[j];
            c0[j] += a0 * bj;
            c1[j] += a1 * bj;
            c2[j] += a2 * bj;
            c3[j] += a3 * bj;
          }
        }
      }
      for (; i < M; i++) {
        float* c0 = C + size_t(i) * ldc + j0;
        for (int k = 0; k < kc; k++) {
          const float a0 = pa[size_t(i) * kc + k];
          const float* b = pb.data() + size_t(k) * nc;
          for (int j = 0; j < nc; j++) c0[j] += a0 * b[j];
        }
      }
    }
  }
}

const char* gemmBackend() { return "builtin"; }

#endif

}  // namespace kgc
