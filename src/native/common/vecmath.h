// AVX-512 exp and log(1 + e) for the loss (glibc's vector maths is only used under full
// -ffast-math, which we do not use because the divergence check needs isfinite); 1/sqrt for the
// comparators' tiles, on AVX-512 and on AVX2 + FMA.
#pragma once
#ifdef __AVX512F__
#include <immintrin.h>

namespace kgc::vec {

// exp(x), relative error ~2e-7 on [-87, 88]
inline __m512 exp(__m512 x) {
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-87.0f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// log(1 + e) for e in [0, 1]: 2 atanh(z), z = e / (2 + e) <= 1/3; relative error < 1e-7
inline __m512 log1pUnit(__m512 e) {
  const __m512 z = _mm512_div_ps(e, _mm512_add_ps(e, _mm512_set1_ps(2.0f)));
  const __m512 z2 = _mm512_mul_ps(z, z);
  __m512 p = _mm512_set1_ps(1.0f / 13);
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 11));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 9));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 7));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 5));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f / 3));
  p = _mm512_fmadd_ps(p, z2, _mm512_set1_ps(1.0f));
  return _mm512_mul_ps(_mm512_mul_ps(z, p), _mm512_set1_ps(2.0f));
}

// 1/sqrt(s) to ~23 bits: rsqrt14 and one Newton step
inline __m512 rsqrtNewton(__m512 s) {
  __m512 r = _mm512_rsqrt14_ps(s);
  const __m512 half = _mm512_set1_ps(0.5f), three = _mm512_set1_ps(3.0f);
  return _mm512_mul_ps(_mm512_mul_ps(half, r), _mm512_fnmadd_ps(_mm512_mul_ps(s, r), r, three));
}

inline __mmask16 tailMask(int remaining) {
  return remaining >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << remaining) - 1);
}

}  // namespace kgc::vec
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

namespace kgc::vec {

// 1/sqrt(s) to ~22 bits: rsqrt (12 bits) and one Newton step
inline __m256 rsqrtNewton(__m256 s) {
  const __m256 r = _mm256_rsqrt_ps(s);
  return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), r), _mm256_fnmadd_ps(_mm256_mul_ps(s, r), r, _mm256_set1_ps(3.0f)));
}

}  // namespace kgc::vec
#endif
