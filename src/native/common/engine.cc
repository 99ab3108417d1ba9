#include "engine.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include "dropout.h"
#include "threads.h"

namespace kgc {

namespace {

constexpr int kRowChunk = 128;  // query rows per score/loss/backward chunk

}  // namespace

// Sorted unique ids of `ids` into `u`; slot[i] = position of ids[i] in u.
int uniqueIds(const int32_t* ids, int n, std::vector<int32_t>& u, int32_t* slot,
              std::vector<std::pair<int32_t, int32_t>>& buf) {
  buf.resize(n);
  for (int i = 0; i < n; i++) buf[i] = {ids[i], i};
  std::sort(buf.begin(), buf.end());
  u.clear();
  for (int i = 0; i < n; i++) {
    if (i == 0 || buf[i].first != buf[i - 1].first) u.push_back(buf[i].first);
    slot[buf[i].second] = int32_t(u.size() - 1);
  }
  return int(u.size());
}

namespace {

double l3(const EncoderTables& e, const std::vector<int32_t>& ids, float coef, float* dRaw) {
  if (coef <= 0) return 0;
  double total = 0;
  for (size_t u = 0; u < ids.size(); u++) addCubes(e.rows + int64_t(ids[u]) * e.raw, e.raw, coef, dRaw + u * e.raw, total);
  return coef * total;
}

}  // namespace

// Encodes the unique entity ids of the batch and the relation operator's prepared rows.
void encodeBatch(const Context& c, Work& w, const int32_t* r, int B, const uint64_t* dropSeed) {
  const ModelShape& s = c.shape;
  const int U = int(w.uEnt.size());
  w.Xe.resize(size_t(U) * s.dim);
  encoderForward(c.ent, w.uEnt.data(), U, w.Xe.data(), w.encE);
  w.rslot.resize(B);
  const int Ur = uniqueIds(r, B, w.uRel, w.rslot.data(), w.sortBuf);
  w.Xr.resize(size_t(Ur) * s.relWidth);
  encoderForward(c.rel, w.uRel.data(), Ur, w.Xr.data(), w.encR);
  if (dropSeed && c.cfg.entityDropout > 0) dropRows(w.uEnt.data(), U, s.dim, *dropSeed, c.cfg.entityDropout, w.Xe.data(), w.maskE);
  if (dropSeed && c.cfg.relationDropout > 0)
    dropRows(w.uRel.data(), Ur, s.relWidth, *dropSeed ^ kRelationDropStream, c.cfg.relationDropout, w.Xr.data(), w.maskR);
  w.P.resize(size_t(Ur) * s.prepWidth);
  for (int u = 0; u < Ur; u++) c.model->prep(w.Xr.data() + size_t(u) * s.relWidth, w.P.data() + size_t(u) * s.prepWidth, s);
}

void dropBatchBackward(const Context& c, Work& w, const uint64_t* dropSeed) {
  if (dropSeed && c.cfg.entityDropout > 0) dropBackward(w.maskE, w.dXe);
  if (dropSeed && c.cfg.relationDropout > 0) dropBackward(w.maskR, w.dXr);
}

void queryBackward(const Context& c, Work& w, int B, bool tailSide) {
  const ModelShape& s = c.shape;
  const int d = s.dim, U = int(w.uEnt.size()), Ur = int(w.uRel.size());
  zeroed(w.dXe, size_t(U) * d);
  zeroed(w.dP, size_t(Ur) * s.prepWidth);
  for (int i = 0; i < B; i++)
    c.model->applyBackward(w.Xe.data() + size_t(w.slot[i]) * d, w.P.data() + size_t(w.rslot[i]) * s.prepWidth,
                           w.dQ.data() + size_t(i) * d, w.dXe.data() + size_t(w.slot[i]) * d,
                           w.dP.data() + size_t(w.rslot[i]) * s.prepWidth, tailSide, s);
  zeroed(w.dXr, size_t(Ur) * s.relWidth);
  for (int u = 0; u < Ur; u++)
    c.model->prepBackward(w.Xr.data() + size_t(u) * s.relWidth, w.P.data() + size_t(u) * s.prepWidth,
                          w.dP.data() + size_t(u) * s.prepWidth, w.dXr.data() + size_t(u) * s.relWidth, s);
}

void buildQueries(const Context& c, Work& w, int B, bool tailSide) {
  const ModelShape& s = c.shape;
  w.Q.resize(size_t(B) * s.dim);
  for (int i = 0; i < B; i++)
    c.model->apply(w.Xe.data() + size_t(w.slot[i]) * s.dim, w.P.data() + size_t(w.rslot[i]) * s.prepWidth,
                   w.Q.data() + size_t(i) * s.dim, tailSide, s);
}

namespace {

void gatherRows(const Work& w, const int32_t* slots, int n, int dim, std::vector<float>& out) {
  out.resize(size_t(n) * dim);
  for (int i = 0; i < n; i++) std::memcpy(out.data() + size_t(i) * dim, w.Xe.data() + size_t(slots[i]) * dim, sizeof(float) * dim);
}

// S [rows, N] of query rows (keep_i, r_i) against one group's negatives: pairs that are known
// training triples get kMaskedScore. A row's answers (its edges with relation r_i, ascending by
// neighbor) are gathered by one scan of keep_i's edges, then each negative is searched among them;
// entities with more than kScanEdges * N edges (hubs) search their whole edge list per negative.
constexpr int64_t kScanEdges = 8;
void maskKnown(const Adjacency& known, const int32_t* keep, const int32_t* r, int rows, const int32_t* neg, int N,
               float* S, std::vector<int32_t>& answers) {
  for (int i = 0; i < rows; i++) {
    const int64_t lo = int64_t(known.indptr[keep[i]]), hi = int64_t(known.indptr[keep[i] + 1]);
    float* Si = S + size_t(i) * N;
    if (hi - lo > kScanEdges * N) {
      for (int j = 0; j < N; j++)
        if (known.has(keep[i], neg[j], r[i])) Si[j] = kMaskedScore;
      continue;
    }
    answers.clear();
    for (int64_t e = lo; e < hi; e++)
      if (known.relation[e] == r[i]) answers.push_back(known.neighbor[e]);
    if (answers.empty()) continue;
    for (int j = 0; j < N; j++)
      if (std::binary_search(answers.begin(), answers.end(), neg[j])) Si[j] = kMaskedScore;
  }
}

}  // namespace

double forwardBackward(const Context& c, Work& w, const int32_t* h, const int32_t* r, const int32_t* t,
                       const int32_t* neg, const float* wPos, bool tailSide, const uint64_t* dropSeed) {
  const ModelShape& s = c.shape;
  const int B = c.cfg.batch, N = c.cfg.negatives, d = s.dim;
  const int groupRows = negGroupRows(c.cfg), NN = negCount(c.cfg);
  const int32_t* keep = tailSide ? h : t;
  const int32_t* target = tailSide ? t : h;
  const Adjacency& known = tailSide ? c.knownOut : c.knownIn;
  w.ids.resize(size_t(2 * B + NN));
  std::memcpy(w.ids.data(), keep, sizeof(int32_t) * B);
  std::memcpy(w.ids.data() + B, target, sizeof(int32_t) * B);
  std::memcpy(w.ids.data() + 2 * B, neg, sizeof(int32_t) * NN);
  w.slot.resize(w.ids.size());
  const int U = uniqueIds(w.ids.data(), int(w.ids.size()), w.uEnt, w.slot.data(), w.sortBuf);
  encodeBatch(c, w, r, B, dropSeed);
  const int Ur = int(w.uRel.size());
  buildQueries(c, w, B, tailSide);
  gatherRows(w, w.slot.data() + B, B, d, w.T);
  gatherRows(w, w.slot.data() + 2 * B, NN, d, w.C);

  zeroed(w.dQ, size_t(B) * d);
  zeroed(w.dT, size_t(B) * d);
  zeroed(w.dC, size_t(NN) * d);
  w.sPos.resize(B);
  w.gPos.resize(B);
  pairScore(c.model->comparator, s, w.Q.data(), w.T.data(), B, w.sPos.data());
  // score -> loss -> backward, one chunk of query rows at a time: the [rows, N] score, gradient
  // and comparator scratch blocks stay in cache instead of streaming [B, N] blocks through memory
  const float invW = inverseWeightSum(wPos, B);
  const int rows = std::min(groupRows, kRowChunk);
  w.S.resize(size_t(rows) * N);
  w.G.resize(size_t(rows) * N);
  double loss = 0;
  for (int g0 = 0; g0 < B; g0 += groupRows) {
    const int g1 = std::min(B, g0 + groupRows);
    const size_t cOff = size_t(g0 / groupRows) * N * d;
    const float* C = w.C.data() + cOff;
    float* dC = w.dC.data() + cOff;
    for (int i0 = g0; i0 < g1; i0 += rows) {
      const int rb = std::min(rows, g1 - i0);
      const float* Qi = w.Q.data() + size_t(i0) * d;
      blockScore(c.model->comparator, s, Qi, rb, C, N, w.S.data(), w.cmp);
      if (known.indptr) maskKnown(known, keep + i0, r + i0, rb, neg + size_t(g0 / groupRows) * N, N, w.S.data(), w.answers);
      loss += lossRows(lossConfig(c.cfg), w.sPos.data() + i0, w.S.data(), wPos ? wPos + i0 : nullptr, invW, rb, N,
                       w.gPos.data() + i0, w.G.data());
      blockBackward(c.model->comparator, s, Qi, rb, C, N, w.G.data(), w.dQ.data() + size_t(i0) * d, dC, w.cmp);
    }
  }
  pairBackward(c.model->comparator, s, w.Q.data(), w.T.data(), B, w.gPos.data(), w.dQ.data(), w.dT.data());

  queryBackward(c, w, B, tailSide);
  for (int i = 0; i < B; i++) {
    float* dst = w.dXe.data() + size_t(w.slot[B + i]) * d;
    const float* src = w.dT.data() + size_t(i) * d;
    for (int x = 0; x < d; x++) dst[x] += src[x];
  }
  for (int j = 0; j < NN; j++) {
    float* dst = w.dXe.data() + size_t(w.slot[2 * B + j]) * d;
    const float* src = w.dC.data() + size_t(j) * d;
    for (int x = 0; x < d; x++) dst[x] += src[x];
  }

  dropBatchBackward(c, w, dropSeed);
  w.dRawE.resize(size_t(U) * c.ent.raw);
  w.dRawR.resize(size_t(Ur) * c.rel.raw);
  if (c.ent.concat) {
    zeroed(w.dWe, size_t(c.ent.wSize()));
    zeroed(w.dbe, size_t(c.ent.out));
  }
  if (c.rel.concat) {
    zeroed(w.dWr, size_t(c.rel.wSize()));
    zeroed(w.dbr, size_t(c.rel.out));
  }
  encoderBackward(c.ent, w.uEnt.data(), U, w.dXe.data(), w.dRawE.data(), w.dWe.data(), w.dbe.data(), w.encE);
  encoderBackward(c.rel, w.uRel.data(), Ur, w.dXr.data(), w.dRawR.data(), w.dWr.data(), w.dbr.data(), w.encR);
  loss += l3(c.ent, w.uEnt, c.cfg.reg, w.dRawE.data());
  loss += l3(c.rel, w.uRel, c.cfg.reg, w.dRawR.data());
  return loss;
}

namespace {

// Scratch buffers survive between calls (no page faults from re-allocating ~100 MB per call).
std::mutex poolMutex;
std::vector<std::unique_ptr<Work>> pool;

std::unique_ptr<Work> acquireWork() {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (pool.empty()) return std::make_unique<Work>();
  std::unique_ptr<Work> w = std::move(pool.back());
  pool.pop_back();
  return w;
}

void releaseWork(std::unique_ptr<Work> w) {
  std::lock_guard<std::mutex> lock(poolMutex);
  if (pool.size() < 64) pool.push_back(std::move(w));
}

void applyUpdates(const Context& c, Work& w, int64_t step) {
  const TrainConfig& cfg = c.cfg;
  const AdamConfig rows = rowAdam(cfg);
  const AdamStep rowStep = adamStep(rows, step + 1);
  auto updateRows = [&](const EncoderTables& e, const std::vector<int32_t>& ids, const std::vector<float>& grad) {
    for (size_t u = 0; u < ids.size(); u++) {
      const int64_t off = int64_t(ids[u]) * e.raw;
      const float* g = grad.data() + u * e.raw;
      if (cfg.optimizer == RowOptimizer::Adam)
        adamUpdate(e.rows + off, e.rowM + off, e.rowV + off, g, size_t(e.raw), rows, rowStep);
      else
        adagradRow(e.rows + off, e.rowState + ids[u], g, e.raw, cfg.lr);
    }
  };
  updateRows(c.ent, w.uEnt, w.dRawE);
  updateRows(c.rel, w.uRel, w.dRawR);
  const AdamConfig adam = denseAdam(cfg);  // the dense layers
  const AdamStep denseStep = adamStep(adam, step + 1);
  if (c.ent.concat) {
    adamUpdate(c.ent.W, c.ent.mW, c.ent.vW, w.dWe.data(), size_t(c.ent.wSize()), adam, denseStep);
    adamUpdate(c.ent.b, c.ent.mb, c.ent.vb, w.dbe.data(), size_t(c.ent.out), adam, denseStep);
  }
  if (c.rel.concat) {
    adamUpdate(c.rel.W, c.rel.mW, c.rel.vW, w.dWr.data(), size_t(c.rel.wSize()), adam, denseStep);
    adamUpdate(c.rel.b, c.rel.mb, c.rel.vb, w.dbr.data(), size_t(c.rel.out), adam, denseStep);
  }
}

void shuffleShard(int32_t* perm, int64_t lo, int64_t hi, Rng& rng) {
  for (int64_t i = hi - 1; i > lo; i--) {
    const int64_t j = lo + int64_t(rng.below(uint64_t(i - lo + 1)));
    std::swap(perm[i], perm[j]);
  }
}

}  // namespace

TrainResult trainSteps(const Context& c, const TrainCounters& k, int threads, int64_t steps) {
  const int64_t start = int64_t(k.global[0]);
  const int64_t end = start + steps;
  std::atomic<int64_t> next{start};
  std::atomic<bool> stop{false};
  std::vector<TrainResult> results(threads);
  auto worker = [&](int tid) {
    std::unique_ptr<Work> owned = acquireWork();
    Work& w = *owned;
    Rng rng{k.rng + 4 * tid};
    const TrainData& data = c.data;
    int64_t lo = int64_t((__int128)data.n * tid / threads), hi = int64_t((__int128)data.n * (tid + 1) / threads);
    if (hi == lo) {  // fewer triples than threads: share the whole permutation (Hogwild)
      lo = 0;
      hi = data.n;
    }
    int64_t cursor = int64_t(k.threadState[2 * tid]);
    int64_t local = int64_t(k.threadState[2 * tid + 1]);
    const int B = c.cfg.batch, NN = negCount(c.cfg);
    w.h.resize(B);
    w.r.resize(B);
    w.t.resize(B);
    w.neg.resize(NN);
    const bool dropout = c.cfg.entityDropout > 0 || c.cfg.relationDropout > 0;
    uint64_t dropSeed = 0;
    std::vector<float> wPos(data.posWeight ? B : 0);
    TrainResult& res = results[tid];
    while (!stop.load(std::memory_order_relaxed)) {
      const int64_t s = next.fetch_add(1);
      if (s >= end) break;
      for (int i = 0; i < B; i++) {
        if (cursor < lo || cursor >= hi) {
          shuffleShard(data.perm, lo, hi, rng);
          cursor = lo;
        }
        const int64_t e = data.perm[cursor++];
        w.h[i] = data.head[e];
        w.r[i] = data.rel[e];
        w.t[i] = data.tail[e];
        if (data.posWeight) wPos[i] = data.posWeight[e];
      }
      // reciprocal relations: the data holds (t, r + R, h) for every (h, r, t), so tail queries only
      const bool tailSide = c.cfg.reciprocal || local % 2 == 0;
      local++;
      const float* wp = data.posWeight ? wPos.data() : nullptr;
      if (dropout) dropSeed = rng.next();  // drawn only with dropout on: other runs keep their streams
      const uint64_t* ds = dropout ? &dropSeed : nullptr;
      double loss;
      if (c.cfg.training == TrainMode::Negatives) {
        const int32_t* side = tailSide ? data.tail : data.head;
        for (int j = 0; j < NN; j++)
          w.neg[j] = j % c.cfg.negatives < c.cfg.dataNegatives ? side[rng.below(uint64_t(data.n))] : int32_t(rng.below(uint64_t(c.numEntities)));
        loss = forwardBackward(c, w, w.h.data(), w.r.data(), w.t.data(), w.neg.data(), wp, tailSide, ds);
      } else {
        loss = forwardBackwardOneToN(c, w, w.h.data(), w.r.data(), w.t.data(), wp, tailSide, ds);
      }
      if (!std::isfinite(loss)) {
        res.diverged = true;
        res.divergedStep = s;
        stop.store(true);
        break;
      }
      applyUpdates(c, w, s);
      res.lossSum += loss;
      res.steps++;
    }
    k.threadState[2 * tid] = double(cursor);
    k.threadState[2 * tid + 1] = double(local);
    releaseWork(std::move(owned));
  };
  runThreads(threads, worker);
  TrainResult total;
  for (const TrainResult& r : results) {
    total.lossSum += r.lossSum;
    total.steps += r.steps;
    if (r.diverged && (!total.diverged || r.divergedStep < total.divergedStep)) {
      total.diverged = true;
      total.divergedStep = r.divergedStep;
    }
  }
  k.global[0] = double(start + total.steps);
  k.global[1] += double(total.steps);
  return total;
}

void scoreShared(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
                 const int32_t* cands, int N, float* S) {
  Work w;
  w.ids.resize(size_t(B) + N);
  std::memcpy(w.ids.data(), keep, sizeof(int32_t) * B);
  std::memcpy(w.ids.data() + B, cands, sizeof(int32_t) * N);
  w.slot.resize(w.ids.size());
  uniqueIds(w.ids.data(), int(w.ids.size()), w.uEnt, w.slot.data(), w.sortBuf);
  encodeBatch(c, w, rel, B, nullptr);
  buildQueries(c, w, B, tailSide);
  gatherRows(w, w.slot.data() + B, N, c.shape.dim, w.C);
  blockScore(c.model->comparator, c.shape, w.Q.data(), B, w.C.data(), N, S, w.cmp);
}

namespace {

// scoreRows on shallow tables: encoding is the identity, so de-duplicating the B x (K + 1) ids
// and encoding them would only copy rows twice; each query's K candidate rows are copied straight
// from the table instead (the relations, few per slice, are still prepared once each).
void scoreRowsShallow(const Context& c, Work& w, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
                      const int32_t* cands, int K, float* S) {
  const ModelShape& s = c.shape;
  const int d = s.dim;
  w.rslot.resize(B);
  const int Ur = uniqueIds(rel, B, w.uRel, w.rslot.data(), w.sortBuf);
  w.P.resize(size_t(Ur) * s.prepWidth);
  for (int u = 0; u < Ur; u++)
    c.model->prep(c.rel.rows + int64_t(w.uRel[u]) * c.rel.raw, w.P.data() + size_t(u) * s.prepWidth, s);
  w.Q.resize(d);
  w.C.resize(size_t(K) * d);
  for (int i = 0; i < B; i++) {
    c.model->apply(c.ent.rows + int64_t(keep[i]) * d, w.P.data() + size_t(w.rslot[i]) * s.prepWidth, w.Q.data(), tailSide, s);
    const int32_t* ci = cands + size_t(i) * K;
    for (int j = 0; j < K; j++) std::memcpy(w.C.data() + size_t(j) * d, c.ent.rows + int64_t(ci[j]) * d, sizeof(float) * d);
    blockScore(c.model->comparator, s, w.Q.data(), 1, w.C.data(), K, S + size_t(i) * K, w.cmp);
  }
}

}  // namespace

void scoreRows(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
               const int32_t* cands, int K, float* S) {
  Work w;
  scoreRows(c, w, keep, rel, tailSide, B, cands, K, S);
}

void scoreRows(const Context& c, Work& w, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
               const int32_t* cands, int K, float* S) {
  if (!c.ent.concat && !c.rel.concat) return scoreRowsShallow(c, w, keep, rel, tailSide, B, cands, K, S);
  w.ids.resize(size_t(B) * (K + 1));
  std::memcpy(w.ids.data(), keep, sizeof(int32_t) * B);
  std::memcpy(w.ids.data() + B, cands, sizeof(int32_t) * B * K);
  w.slot.resize(w.ids.size());
  uniqueIds(w.ids.data(), int(w.ids.size()), w.uEnt, w.slot.data(), w.sortBuf);
  encodeBatch(c, w, rel, B, nullptr);
  buildQueries(c, w, B, tailSide);
  const int d = c.shape.dim;
  for (int i = 0; i < B; i++) {
    gatherRows(w, w.slot.data() + B + size_t(i) * K, K, d, w.C);
    blockScore(c.model->comparator, c.shape, w.Q.data() + size_t(i) * d, 1, w.C.data(), K, S + size_t(i) * K, w.cmp);
  }
}

}  // namespace kgc
