// Peak fp32 FMA throughput of one core: 16 independent FMA chains on the widest vectors the build
// targets (GCC vector types: -march=native and -ffast-math's contraction make x * m + a one FMA).
#pragma once
#include <chrono>

namespace kgc {

inline double measurePeakFlops(double seconds) {
#if defined(__AVX512F__)
  constexpr int kLanes = 16;
#elif defined(__AVX__)
  constexpr int kLanes = 8;
#else
  constexpr int kLanes = 4;
#endif
  typedef float V __attribute__((vector_size(4 * kLanes)));
  const V m = V{} + 0.999999f, a = V{} + 1e-7f;
  V acc[16];
  for (auto& x : acc) x = V{} + 1.0f;
  const auto start = std::chrono::steady_clock::now();
  long long iters = 0;
  double elapsed = 0;
  do {
    for (int rep = 0; rep < 4096; rep++)
      for (auto& x : acc) x = x * m + a;
    iters += 4096;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (elapsed < seconds);
  volatile float sink = 0;
  for (auto& x : acc) sink = sink + x[0];
  (void)sink;
  return double(iters) * 16 * kLanes * 2 / elapsed;
}

}  // namespace kgc
