#include "walks.h"
#include "../common/rng.h"

namespace kgc::walk {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void seedRng(uint64_t seed, uint64_t stream, uint64_t state[4]) {
  uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  for (int i = 0; i < 4; i++) state[i] = splitmix64(x);
}

int walkAt(const Graph& g, uint64_t seed, int64_t w, int L, int32_t* walk) {
  uint64_t state[4];
  seedRng(seed, uint64_t(w), state);
  Rng rng{state};
  int64_t u = w % g.numNodes;
  walk[0] = int32_t(u);
  for (int i = 1; i < L; i++) {
    const int64_t d = g.degree(u);
    if (d == 0) return i;
    u = g.neighbor(u, int64_t(rng.below(uint64_t(d))));
    walk[i] = int32_t(u);
  }
  return L;
}

}  // namespace kgc::walk
