// Relation-aware post-smoothing (the KDD Cup winner's REP step): `hops` rounds of
//   e_u <- alpha e_u + (1 - alpha) mean over the training triples touching u of the neighbour's
//          embedding mapped through the relation towards u
// For a triple (h, r, t): t hears op(h, r) (the model's tail-side operator, e.g. h + r, h o r)
// and h hears op^-1(t, r) (its head-side operator, e.g. t - r, t o conj(r)), computed by the
// model's own kernel (kernels/*.cc `apply`) so the smoothed vectors live where the scorer looks.
// Each round reads the previous round's table and writes the other (Jacobi), so the result does
// not depend on thread count or entity order. Entities with no triples keep their vector.
#pragma once
#include <atomic>
#include <cstdint>
#include "../common/engine.h"
#include "../common/model.h"
#include "walks.h"

namespace kgc::walk {

struct SmoothJob {
  const ModelKernel* model = nullptr;
  ModelShape shape{};
  float* entity = nullptr;          // shape: [numEntities, dim], smoothed in place
  const float* relation = nullptr;  // shape: [numRelations, relWidth] (encoded rows)
  int64_t numEntities = 0, numRelations = 0;
  Adjacency out, in;
  float alpha = 0.97f;
  int hops = 10, threads = 1;
};

// progress (or null) gets the number of (hop, entity) updates done.
void smoothEmbeddings(const SmoothJob& job, double* progress);

}  // namespace kgc::walk
