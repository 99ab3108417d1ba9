// Row-major single-precision GEMM: C = alpha * op(A) op(B) + beta * C. OpenBLAS (single-threaded,
// each Hogwild thread calls it on its own data) when the build found it, else a blocked fallback.
#pragma once

namespace kgc {

void gemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc);

// "openblas" or "builtin"
const char* gemmBackend();

}  // namespace kgc
