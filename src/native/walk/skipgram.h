// Skip-gram with negative sampling over streamed random walks (word2vec.c / gensim's sg=1,
// negative=k): for each centre entity and each context entity within a reduced window
// (window - rand % window, word2vec's), the context's input row is trained against the centre's
// output row (label 1) and `negatives` output rows drawn from the unigram^0.75 distribution of
// the corpus (label 0). Learning rate decays linearly from lr to minLr over all epochs. Threads
// claim chunks of walks and update the shared tables without locks (Hogwild, as word2vec).
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>
#include "walks.h"

namespace kgc::walk {

struct SgnsConfig {
  int dim = 128, window = 5, negatives = 5, walkLength = 40, epochs = 1, threads = 1;
  int64_t numWalks = 0;  // walks per epoch = walksPerNode * numNodes
  float lr = 0.025f, minLr = 2.5e-6f;
  uint64_t seed = 0;
};

// Walker's alias table: O(1) draws from a discrete distribution (here counts^0.75).
struct AliasTable {
  std::vector<float> prob;     // shape: [n]
  std::vector<int32_t> alias;  // shape: [n]
  void build(const double* weights, int64_t n);
  int32_t draw(uint64_t r1, uint64_t r2) const;
};

// One (context, centre) update with given negative ids: the word2vec step. in_ [rows, dim] input
// vectors, out [rows, dim] output vectors; ids equal to `centre` among the negatives are skipped
// (word2vec's rule); neu1e [dim] is scratch.
void sgnsPair(float* in_, float* out, int dim, int32_t context, int32_t centre, const int32_t* negs, int nNeg,
                float lr, float* neu1e);

// Occurrences of every entity in one epoch of the corpus. shape: counts [numNodes] (overwritten)
void countOccurrences(const Graph& g, const SgnsConfig& c, double* counts);

struct SgnsResult {
  double pairs = 0;   // (centre, context) pairs trained
  double tokens = 0;  // walk positions visited
};

// Trains in place. shape: in_, out [numNodes, dim]; counts [numNodes]. progress (or null) gets
// the number of walks done so far, for the caller's progress bar.
SgnsResult trainSgns(const Graph& g, const SgnsConfig& c, float* in_, float* out, const double* counts,
                     double* progress);

}  // namespace kgc::walk
