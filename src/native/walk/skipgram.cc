#include "skipgram.h"
#include <cmath>
#include <cstring>
#include "../common/rng.h"
#include "../common/threads.h"

namespace kgc::walk {

namespace {
constexpr int64_t kChunkWalks = 64;  // walks a thread claims at a time
}

void AliasTable::build(const double* weights, int64_t n) {
  prob.assign(size_t(n), 0.0f);
  alias.assign(size_t(n), 0);
  double total = 0;
  for (int64_t i = 0; i < n; i++) total += weights[i];
  std::vector<double> scaled(static_cast<size_t>(n));
  std::vector<int32_t> small, large;
  for (int64_t i = 0; i < n; i++) {
    scaled[size_t(i)] = total > 0 ? weights[i] * double(n) / total : 1.0;
    (scaled[size_t(i)] < 1.0 ? small : large).push_back(int32_t(i));
  }
  while (!small.empty() && !large.empty()) {
    const int32_t s = small.back(), l = large.back();
    small.pop_back();
    prob[size_t(s)] = float(scaled[size_t(s)]);
    alias[size_t(s)] = l;
    scaled[size_t(l)] -= 1.0 - scaled[size_t(s)];
    if (scaled[size_t(l)] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  for (int32_t i : large) prob[size_t(i)] = 1.0f, alias[size_t(i)] = i;
  for (int32_t i : small) prob[size_t(i)] = 1.0f, alias[size_t(i)] = i;  // rounding leftovers
}

int32_t AliasTable::draw(uint64_t r1, uint64_t r2) const {
  const int64_t i = int64_t((unsigned __int128)r1 * prob.size() >> 64);
  return float(r2 >> 40) * (1.0f / 16777216.0f) < prob[size_t(i)] ? int32_t(i) : alias[size_t(i)];
}

void sgnsPair(float* in_, float* out, int dim, int32_t context, int32_t centre, const int32_t* negs, int nNeg,
                float lr, float* neu1e) {
  float* x = in_ + int64_t(context) * dim;
  for (int k = 0; k < dim; k++) neu1e[k] = 0;
  for (int d = 0; d <= nNeg; d++) {
    const int32_t target = d == 0 ? centre : negs[d - 1];
    if (d > 0 && target == centre) continue;
    const float label = d == 0 ? 1.0f : 0.0f;
    float* y = out + int64_t(target) * dim;
    float f = 0;
    for (int k = 0; k < dim; k++) f += x[k] * y[k];
    const float sig = 1.0f / (1.0f + std::exp(-f));
    const float g = (label - sig) * lr;
    for (int k = 0; k < dim; k++) neu1e[k] += g * y[k];
    for (int k = 0; k < dim; k++) y[k] += g * x[k];
  }
  for (int k = 0; k < dim; k++) x[k] += neu1e[k];
}

void countOccurrences(const Graph& g, const SgnsConfig& c, double* counts) {
  const int T = c.threads;
  std::vector<std::vector<double>> local(size_t(T), std::vector<double>(size_t(g.numNodes), 0.0));
  runThreads(T, [&](int tid) {
    std::vector<int32_t> walk(size_t(c.walkLength));
    double* mine = local[size_t(tid)].data();
    for (int64_t w = tid; w < c.numWalks; w += T) {
      const int len = walkAt(g, c.seed, w, c.walkLength, walk.data());
      for (int i = 0; i < len; i++) mine[walk[size_t(i)]] += 1;
    }
  });
  for (int64_t u = 0; u < g.numNodes; u++) {
    double s = 0;
    for (int t = 0; t < T; t++) s += local[size_t(t)][size_t(u)];
    counts[u] = s;
  }
}

SgnsResult trainSgns(const Graph& g, const SgnsConfig& c, float* in_, float* out, const double* counts,
                     double* progress) {
  std::atomic<int64_t> walksDone{0};
  std::vector<double> w75(size_t(g.numNodes));
  for (int64_t u = 0; u < g.numNodes; u++) w75[size_t(u)] = std::pow(counts[u], 0.75);
  AliasTable noise;
  noise.build(w75.data(), g.numNodes);
  const int64_t total = c.numWalks * c.epochs;
  const int64_t chunks = (total + kChunkWalks - 1) / kChunkWalks;
  std::atomic<int64_t> nextChunk{0};
  std::vector<SgnsResult> parts(size_t(c.threads));
  runThreads(c.threads, [&](int tid) {
    std::vector<int32_t> walk(size_t(c.walkLength)), negs(size_t(c.negatives));
    std::vector<float> neu1e(size_t(c.dim));
    SgnsResult& r = parts[size_t(tid)];
    uint64_t state[4];
    for (int64_t chunk = nextChunk++; chunk < chunks; chunk = nextChunk++) {
      seedRng(c.seed ^ 0x5bd1e995ULL, uint64_t(chunk), state);  // windows and negatives: per chunk, so 1 thread is reproducible
      Rng rng{state};
      const int64_t end = std::min(total, (chunk + 1) * kChunkWalks);
      for (int64_t w = chunk * kChunkWalks; w < end; w++) {
        const float progress = float(double(w) / double(total));
        const float lr = c.lr - (c.lr - c.minLr) * progress;
        const int len = walkAt(g, c.seed, w % c.numWalks, c.walkLength, walk.data());
        r.tokens += len;
        for (int i = 0; i < len; i++) {
          const int win = c.window - int(rng.below(uint64_t(c.window)));
          const int lo = std::max(0, i - win), hi = std::min(len - 1, i + win);
          for (int j = lo; j <= hi; j++) {
            if (j == i) continue;
            for (int n = 0; n < c.negatives; n++) negs[size_t(n)] = noise.draw(rng.next(), rng.next());
            sgnsPair(in_, out, c.dim, walk[size_t(j)], walk[size_t(i)], negs.data(), c.negatives, lr, neu1e.data());
            r.pairs += 1;
          }
        }
      }
      publishProgress(progress, walksDone.fetch_add(end - chunk * kChunkWalks, std::memory_order_relaxed) + end - chunk * kChunkWalks);
    }
  });
  SgnsResult sum;
  for (const SgnsResult& r : parts) sum.pairs += r.pairs, sum.tokens += r.tokens;
  return sum;
}

}  // namespace kgc::walk
