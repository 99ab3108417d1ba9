// Threaded scoring for evaluation and the score stage: splits B queries into contiguous slices,
// one per thread, each slice scored by scoreShared / scoreRows (engine.h) into its rows of S.
#pragma once
#include <cstdint>
#include "engine.h"

namespace kgc {

// K == 0: cands [N] shared by every query, S [B, N]; K > 0: cands [B, K] per row, S [B, K].
void scoreParallel(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
                   const int32_t* cands, int N, int K, float* S, int threads);

}  // namespace kgc
