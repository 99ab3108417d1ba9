// Peak fp32 FMA throughput of one core: 16 independent FMA chains on the widest vectors.
#pragma once
#include <chrono>
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace kgc {

inline double measurePeakFlops(double seconds) {
#ifdef __AVX512F__
  using V = __m512;
  constexpr int kLanes = 16;
  auto fma = [](V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); };
  const V m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  V acc[16];
  for (auto& x : acc) x = _mm512_set1_ps(1.0f);
#elif defined(__AVX2__) && defined(__FMA__)
  using V = __m256;
  constexpr int kLanes = 8;
  auto fma = [](V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); };
  const V m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  V acc[16];
  for (auto& x : acc) x = _mm256_set1_ps(1.0f);
#else
  using V = float;
  constexpr int kLanes = 1;
  auto fma = [](V a, V b, V c) { return a * b + c; };
  const V m = 0.999999f, a = 1e-7f;
  V acc[16];
  for (auto& x : acc) x = 1.0f;
#endif
  const auto start = std::chrono::steady_clock::now();
  long long iters = 0;
  double elapsed = 0;
  do {
    for (int rep = 0; rep < 4096; rep++)
      for (auto& x : acc) x = fma(x, m, a);
    iters += 4096;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  volatile float sink = 0;
#ifdef __AVX512F__
  for (auto& x : acc) sink = sink + _mm512_reduce_add_ps(x);
#elif defined(__AVX2__) && defined(__FMA__)
  for (auto& x : acc) sink = sink + _mm256_cvtss_f32(x);
#else
  for (auto& x : acc) sink = sink + x;
#endif
  (void)sink;
  return double(iters) * 16 * kLanes * 2 / elapsed;
}

}  // namespace kgc
