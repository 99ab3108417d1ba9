// Uniform random walks over the undirected entity graph of the training triples. The neighbours
// of u are the tails of its out-edges and the heads of its in-edges, one entry per triple (the
// multigraph: an entity linked to u by three relations is three times as likely as one linked by
// one). Walk w of a corpus starts at entity w % numNodes and draws from its own RNG, seeded by
// (seed, w): any thread, any epoch and any thread count replays exactly the same corpus, so the
// corpus never has to be stored.
#pragma once
#include <cstdint>
#include "../common/engine.h"

namespace kgc::walk {

struct Graph {
  Adjacency out, in;  // src/data/csr.ts: out = tails by head, in = heads by tail
  int64_t numNodes = 0;
  int64_t degree(int64_t u) const {
    return int64_t(out.indptr[u + 1] - out.indptr[u]) + int64_t(in.indptr[u + 1] - in.indptr[u]);
  }
  // the k-th undirected neighbour, k < degree(u): out-edges first, then in-edges
  int32_t neighbor(int64_t u, int64_t k) const {
    const int64_t nOut = int64_t(out.indptr[u + 1] - out.indptr[u]);
    return k < nOut ? out.neighbor[int64_t(out.indptr[u]) + k] : in.neighbor[int64_t(in.indptr[u]) + k - nOut];
  }
};

// splitmix64: seeds xoshiro256** states from (seed, stream) without correlation between streams.
uint64_t splitmix64(uint64_t& x);
void seedRng(uint64_t seed, uint64_t stream, uint64_t state[4]);

// Fills walk[0..L) with walk number w; returns its length (< L only when it reaches an entity
// with no edges; 1 for an isolated start).
int walkAt(const Graph& g, uint64_t seed, int64_t w, int L, int32_t* walk);

// Stores a progress figure another thread polls (relaxed: only ever a display value).
inline void publishProgress(double* progress, int64_t done) {
  if (!progress) return;
  const double v = double(done);
  __atomic_store(progress, &v, __ATOMIC_RELAXED);
}

}  // namespace kgc::walk
