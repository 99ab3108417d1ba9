// Dropout on the batch's encoded rows (LibKGE's embedder dropout): coordinate x of row `id` is
// zeroed with probability p and the others scaled by 1 / (1 - p). The draw is a hash of (seed, id,
// x) (splitmix64's finaliser), so one step's mask is a pure function its gradient check can
// rebuild (src/models/reference.ts dropScale); every occurrence of an id in a batch shares it.
#pragma once
#include <cstdint>
#include <vector>

namespace kgc {

// Relations draw from the step's seed xor this, so an entity and a relation of the same id differ.
constexpr uint64_t kRelationDropStream = 0x5851F42D4C957F2Dull;

inline float dropScale(uint64_t seed, int64_t id, int x, float p) {
  uint64_t z = seed ^ (uint64_t(id) * 0x9E3779B97F4A7C15ull) ^ (uint64_t(x) * 0xD1B54A32D192ED03ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  const float u = float(z >> 40) * (1.0f / 16777216.0f);  // 24 bits: uniform in [0, 1)
  return u < p ? 0.0f : 1.0f / (1.0f - p);
}

// Scales X [U, width] (rows of ids[0..U)) by its mask, kept in `mask` for the backward pass.
inline void dropRows(const int32_t* ids, int U, int width, uint64_t seed, float p, float* X, std::vector<float>& mask) {
  mask.resize(size_t(U) * width);
  for (int u = 0; u < U; u++)
    for (int x = 0; x < width; x++) {
      const size_t k = size_t(u) * width + x;
      mask[k] = dropScale(seed, ids[u], x, p);
      X[k] *= mask[k];
    }
}

// dX [U, width] *= the mask dropRows drew for the same rows.
inline void dropBackward(const std::vector<float>& mask, std::vector<float>& dX) {
  for (size_t k = 0; k < dX.size(); k++) dX[k] *= mask[k];
}

}  // namespace kgc
