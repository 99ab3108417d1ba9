// The ensemble weight search's objective on the pruned rank problem (src/ensemble/rank-problem.ts):
// OGB MRR of weighted blends, a batch of weight vectors per pass over the contested entries, and
// the exact line search along one weight (src/ensemble/objective.ts is the plain-TS reference).
// MRR is counted in integer units of 1/2520 per query (2520 = lcm(1..10), so 1/rank for ranks
// 1..10 is a whole number of units): sums are exact and do not depend on the thread split.
#pragma once
#include <cstdint>
#include <vector>

namespace kgc::ensemble {

constexpr int kTop = 10;              // OGB scores ranks 1..10
constexpr int64_t kUnitsPerQuery = 2520;

inline int64_t unitsOfAhead(int64_t ahead) { return ahead < kTop ? kUnitsPerQuery / (ahead + 1) : 0; }

struct Problem {
  int M = 0;                          // inputs
  int Q = 0;                          // queries
  const int32_t* alwaysAhead = nullptr;  // [Q]
  const int32_t* offsets = nullptr;      // [Q + 1] entries of query q: [offsets[q], offsets[q + 1])
  std::vector<const float*> columns;     // M columns of [E]: contested candidate minus true candidate
  const uint8_t* tieAhead = nullptr;     // [E] 1 when the candidate wins a tie
};

// MRR units summed over `queries` for each of the B weight vectors. weights: [B, M]; out: [B].
void blendUnits(const Problem& p, const int32_t* queries, int64_t numQueries, const double* weights, int B, int threads, int64_t* out);

struct LineResult {
  double value;   // best weights[c] (the current one when it is among the best)
  int64_t units;  // MRR units summed over the queries there
};

// The best non-negative weights[c] with the others fixed. dot: [E] Σ_m w_m·d_m with the current
// weights, valid on the entries of `queries`.
LineResult lineSearch(const Problem& p, const int32_t* queries, int64_t numQueries, const double* dot, int c, double current, int threads);

}  // namespace kgc::ensemble
