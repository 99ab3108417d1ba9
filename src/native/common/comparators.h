// Comparators: score a query row against candidate rows. Distance comparators return
// gamma - distance. Block forms score B queries against N shared candidates ([B, N]), through
// GEMMs where the maths allows (||q - c||^2 = ||q||^2 + ||c||^2 - 2 q.c). Backward functions
// ACCUMULATE into dQ / dC / dT.
#pragma once
#include <vector>
#include "model.h"

namespace kgc {

struct CompareScratch {
  std::vector<float> dist;  // shape: [K, B, N] per-block 1 / distance (0 at distance 0) for the backward pass
  std::vector<float> qn, cn, rs, cs;
};

// shape: Q [B, dim], T [B, dim], s [B]
void pairScore(Comparator c, const ModelShape& sh, const float* Q, const float* T, int B, float* s);
// shape: g [B] = dL/ds
void pairBackward(Comparator c, const ModelShape& sh, const float* Q, const float* T, int B, const float* g,
                  float* dQ, float* dT);
// shape: Q [B, dim], C [N, dim], S [B, N]
void blockScore(Comparator c, const ModelShape& sh, const float* Q, int B, const float* C, int N, float* S,
                CompareScratch& scratch);
// shape: G [B, N] = dL/dS; must follow blockScore on the same inputs and scratch
void blockBackward(Comparator c, const ModelShape& sh, const float* Q, int B, const float* C, int N,
                   const float* G, float* dQ, float* dC, CompareScratch& scratch);

}  // namespace kgc
