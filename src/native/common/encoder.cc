#include "encoder.h"
#include <cstring>
#include "gemm.h"
#ifdef __F16C__
#include <immintrin.h>
#endif

namespace kgc {

namespace {

inline float halfToFloat(uint16_t h) {
#ifdef __F16C__
  return _cvtsh_ss(h);
#else
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal
      int e = -1;
      uint32_t m = man;
      do {
        e++;
        m <<= 1;
      } while ((m & 0x400) == 0);
      bits = sign | uint32_t(127 - 15 - e) << 23 | (m & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | man << 13;
  } else {
    bits = sign | (exp + 112) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
#endif
}

void gatherFeature(const EncoderTables& e, int64_t id, float* out) {
  const int64_t off = id * e.featDim;
  if (e.featDtype == 2) {
    std::memcpy(out, static_cast<const float*>(e.feat) + off, sizeof(float) * e.featDim);
    return;
  }
  const uint16_t* src = static_cast<const uint16_t*>(e.feat) + off;
  int x = 0;
#ifdef __AVX512F__
  for (; x + 16 <= e.featDim; x += 16)
    _mm512_storeu_ps(out + x, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + x))));
#endif
  for (; x < e.featDim; x++) out[x] = halfToFloat(src[x]);
}

}  // namespace

void encoderForward(const EncoderTables& e, const int32_t* ids, int U, float* X, EncoderWork& w) {
  if (!e.concat) {
    for (int u = 0; u < U; u++) std::memcpy(X + size_t(u) * e.out, e.rows + int64_t(ids[u]) * e.raw, sizeof(float) * e.raw);
    return;
  }
  const int in = e.featDim + e.raw;
  w.Z.resize(size_t(U) * in);
  for (int u = 0; u < U; u++) {
    float* z = w.Z.data() + size_t(u) * in;
    gatherFeature(e, ids[u], z);
    std::memcpy(z + e.featDim, e.rows + int64_t(ids[u]) * e.raw, sizeof(float) * e.raw);
    std::memcpy(X + size_t(u) * e.out, e.b, sizeof(float) * e.out);
  }
  gemm(false, true, U, e.out, in, 1.0f, w.Z.data(), in, e.W, in, 1.0f, X, e.out);
}

void encoderBackward(const EncoderTables& e, const int32_t*, int U, const float* dX, float* dRaw, float* dW,
                     float* db, EncoderWork& w) {
  if (!e.concat) {
    std::memcpy(dRaw, dX, sizeof(float) * size_t(U) * e.raw);
    return;
  }
  const int in = e.featDim + e.raw;
  gemm(true, false, e.out, in, U, 1.0f, dX, e.out, w.Z.data(), in, 1.0f, dW, in);
  for (int u = 0; u < U; u++)
    for (int o = 0; o < e.out; o++) db[o] += dX[size_t(u) * e.out + o];
  gemm(false, false, U, e.raw, e.out, 1.0f, dX, e.out, e.W + e.featDim, in, 0.0f, dRaw, e.raw);
}

}  // namespace kgc
