// 1-N training (Dettmers et al. 2018, Lacroix et al. 2018; LibKGE's 1vsAll / KvsAll): each query
// (keep_i, r_i) of a batch is scored against EVERY entity.
//   1vsAll: L_i = logsumexp_j s_ij - s_i,target_i   (softmax cross-entropy with the positive)
//   KvsAll: L_i = sum_j softplus(s_ij) - y_ij s_ij  (binary cross-entropy, y_ij = (1 - ls) [j is an
//           answer of (keep_i, r_i)] + ls / E: label smoothing ls, answers from the known adjacency)
//   L = sum_i w_i L_i / sum_i w_i + n3 / B sum_i (|h_i|^3 + |r_i|^3 + |t_i|^3)  (N3: the cubed
//       modulus of each coordinate of the raw rows of the batch's triples, complex for ComplEx and
//       RotatE, quaternion for QuatE, |x| for real models; relation rows of unit-modulus operators
//       are left out (ModelKernel::relationParts); KvsAll: of its queries, |keep_i|^3 + |r_i|^3).
// Query rows go in chunks of kRows; for each chunk the scores against all entities, [rows, E],
// are built chunk of kEntities entities at a time through the comparators (one GEMM for Dot,
// three for L2), the loss turns them into dL/dS in place, and a second pass over the entity
// chunks runs the comparators' backward. The entity gradient is dense: every entity row gets one.
// Entity rows are read straight from the table (shallow encoder only).
#include <algorithm>
#include <cmath>
#include <cstring>
#include "engine.h"

namespace kgc {

namespace {

constexpr int kRows = 128;        // query rows per score block
constexpr int kEntities = 4096;   // entities per comparator call

// The comparators whose backward reads scratch left by blockScore on the same block.
inline bool backwardNeedsScores(Comparator c) { return c == Comparator::L2 || c == Comparator::BlockL2; }

// Copies a [rows, n] block into columns [e0, e0 + n) of a [rows, E] block, or back.
void putColumns(const float* src, int rows, int n, float* dst, int E, int e0) {
  for (int i = 0; i < rows; i++) std::memcpy(dst + size_t(i) * E + e0, src + size_t(i) * n, sizeof(float) * n);
}
void takeColumns(const float* src, int rows, int E, int e0, int n, float* dst) {
  for (int i = 0; i < rows; i++) std::memcpy(dst + size_t(i) * n, src + size_t(i) * E + e0, sizeof(float) * n);
}

// Softmax cross-entropy of one row S [E] against `target`, weight wi: writes dL/dS into S.
double softmaxRow(float* S, int E, int target, float wi) {
  const float sTarget = S[target];
  float mx = S[0];
  for (int j = 1; j < E; j++) mx = std::fmax(mx, S[j]);
  const double z = expShiftedSum(S, E, mx, S);
  const float scale = float(wi / z);
  for (int j = 0; j < E; j++) S[j] *= scale;
  S[target] -= wi;
  return wi * (double(mx) + std::log(z) - sTarget);
}

// Binary cross-entropy of one row S [E] against the sorted answers (label smoothing ls): writes
// dL/dS into S.
double bceRow(float* S, int E, const std::vector<int32_t>& answers, float ls, float wi) {
  const float off = ls / float(E), on = 1.0f - ls + off;
  double total = 0;
  size_t k = 0;
  for (int j = 0; j < E; j++) {
    bool pos = false;
    while (k < answers.size() && answers[k] <= j) pos |= answers[k++] == j;
    const float y = pos ? on : off;
    total += softplus(S[j]) - y * S[j];
    S[j] = wi * (sigmoid(S[j]) - y);
  }
  return wi * total;
}

// The known answers of query (keep, r): tails of (keep, r) or, for a reciprocal relation
// r >= R (R = half the relation table), heads of (?, r - R, keep). Sorted ascending.
void knownAnswers(const Context& c, int32_t keep, int32_t r, bool tailSide, std::vector<int32_t>& out) {
  const int32_t R = c.cfg.reciprocal ? int32_t(c.rel.numRows / 2) : int32_t(c.rel.numRows);
  const bool flipped = r >= R;
  const Adjacency& a = (tailSide != flipped) ? c.knownOut : c.knownIn;
  const int32_t rel = flipped ? r - R : r;
  out.clear();
  for (int64_t e = int64_t(a.indptr[keep]), hi = int64_t(a.indptr[keep + 1]); e < hi; e++)
    if (a.relation[e] == rel) out.push_back(a.neighbor[e]);
}

// N3 on one raw row of `parts` planes (coordinate i: x[p * width / parts + i], p < parts):
// coef sum_i |x_i|^3 with |x_i| the modulus of coordinate i (|x| real, complex, quaternion);
// adds its gradient 3 coef |x_i| x_i into g. Returns the term.
double n3Row(const float* row, int width, int parts, float coef, float* g) {
  const int m = width / parts;
  double total = 0;
  for (int i = 0; i < m; i++) {
    float sq = 0;
    for (int p = 0; p < parts; p++) sq += row[p * m + i] * row[p * m + i];
    const float a = std::sqrt(sq);
    total += double(a) * a * a;
    for (int p = 0; p < parts; p++) g[p * m + i] += 3.0f * coef * a * row[p * m + i];
  }
  return coef * total;
}

}  // namespace

double forwardBackwardOneToN(const Context& c, Work& w, const int32_t* h, const int32_t* r, const int32_t* t,
                             const float* wPos, bool tailSide, const uint64_t* dropSeed) {
  const ModelShape& s = c.shape;
  const int B = c.cfg.batch, d = s.dim, E = int(c.numEntities);
  const bool kvs = c.cfg.training == TrainMode::KvsAll;
  const int32_t* keep = tailSide ? h : t;
  const int32_t* target = tailSide ? t : h;
  w.slot.resize(B);
  uniqueIds(keep, B, w.uEnt, w.slot.data(), w.sortBuf);
  encodeBatch(c, w, r, B, dropSeed);
  const int Ur = int(w.uRel.size()), Uk = int(w.uEnt.size());
  buildQueries(c, w, B, tailSide);

  zeroed(w.dQ, size_t(B) * d);
  zeroed(w.dRawE, size_t(E) * d);  // dense entity gradient
  const float invW = inverseWeightSum(wPos, B);
  const int rows = std::min(B, kRows), chunk = std::min(E, kEntities);
  w.S.resize(size_t(rows) * E);
  w.C.resize(size_t(rows) * chunk);
  w.G.resize(size_t(rows) * chunk);
  double loss = 0;
  for (int i0 = 0; i0 < B; i0 += rows) {
    const int rb = std::min(rows, B - i0);
    const float* Qi = w.Q.data() + size_t(i0) * d;
    for (int e0 = 0; e0 < E; e0 += chunk) {
      const int n = std::min(chunk, E - e0);
      blockScore(c.model->comparator, s, Qi, rb, c.ent.rows + size_t(e0) * d, n, w.C.data(), w.cmp);
      putColumns(w.C.data(), rb, n, w.S.data(), E, e0);
    }
    for (int i = 0; i < rb; i++) {
      const float wi = (wPos ? wPos[i0 + i] : 1.0f) * invW;
      float* Si = w.S.data() + size_t(i) * E;
      if (!kvs) {
        loss += softmaxRow(Si, E, target[i0 + i], wi);
        continue;
      }
      knownAnswers(c, keep[i0 + i], r[i0 + i], tailSide, w.answers);
      loss += bceRow(Si, E, w.answers, c.cfg.labelSmoothing, wi);
    }
    for (int e0 = 0; e0 < E; e0 += chunk) {
      const int n = std::min(chunk, E - e0);
      const float* C = c.ent.rows + size_t(e0) * d;
      if (backwardNeedsScores(c.model->comparator)) blockScore(c.model->comparator, s, Qi, rb, C, n, w.C.data(), w.cmp);
      takeColumns(w.S.data(), rb, E, e0, n, w.G.data());
      blockBackward(c.model->comparator, s, Qi, rb, C, n, w.G.data(), w.dQ.data() + size_t(i0) * d,
                    w.dRawE.data() + size_t(e0) * d, w.cmp);
    }
  }

  // the queries' backward: dQ -> kept entities (unique slots) and relations
  queryBackward(c, w, B, tailSide);
  dropBatchBackward(c, w, dropSeed);
  for (int u = 0; u < Uk; u++) {
    float* dst = w.dRawE.data() + size_t(w.uEnt[u]) * d;
    const float* src = w.dXe.data() + size_t(u) * d;
    for (int x = 0; x < d; x++) dst[x] += src[x];
  }
  w.dRawR.resize(size_t(Ur) * c.rel.raw);
  encoderBackward(c.rel, w.uRel.data(), Ur, w.dXr.data(), w.dRawR.data(), nullptr, nullptr, w.encR);

  if (c.cfg.n3 > 0) {
    const float coef = c.cfg.n3 / float(B);
    const int rw = c.rel.raw, pe = c.model->entityParts, pr = c.model->relationParts;
    for (int i = 0; i < B; i++) {
      loss += n3Row(c.ent.rows + size_t(keep[i]) * d, d, pe, coef, w.dRawE.data() + size_t(keep[i]) * d);
      if (pr > 0) loss += n3Row(c.rel.rows + size_t(r[i]) * rw, rw, pr, coef, w.dRawR.data() + size_t(w.rslot[i]) * rw);
      if (!kvs) loss += n3Row(c.ent.rows + size_t(target[i]) * d, d, pe, coef, w.dRawE.data() + size_t(target[i]) * d);
    }
  }
  // the update walks every entity row
  w.uEnt.resize(E);
  for (int e = 0; e < E; e++) w.uEnt[e] = e;
  return loss;
}

}  // namespace kgc
