// xoshiro256** per Hogwild thread; its state lives in a JS BigUint64Array so checkpoints resume
// the exact stream.
#pragma once
#include <cstdint>

namespace kgc {

struct Rng {
  uint64_t* s;  // 4 words, owned by the caller
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
  // uniform in [0, n) (Lemire's multiply-shift; bias < n / 2^64)
  uint64_t below(uint64_t n) { return uint64_t((unsigned __int128)next() * n >> 64); }
};

}  // namespace kgc
