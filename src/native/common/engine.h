// Training engine: one step = sample B positives (thread's shard of a permutation) and, for each
// group of negChunk query rows, N negatives shared by the group (DGL-KE's chunks): dataNeg of them
// the corrupted side of random training triples (PBG's batch negatives), the rest uniform; encode
// the unique rows, apply the relation operator, compare (known training triples among the
// negatives masked, when given), loss, backward, then sparse row updates (row-wise Adagrad or
// lazy Adam) and Adam on dense encoder weights. T threads run steps Hogwild-style over the
// shared tables.
#pragma once
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>
#include "comparators.h"
#include "encoder.h"
#include "loss.h"
#include "model.h"
#include "optim.h"
#include "rng.h"

namespace kgc {

// The options of an enum type, named as in the schema, in the enum's order.
template <class E> struct OptionNames;
enum class RowOptimizer : int { Adagrad = 0, Adam = 1 };
template <> struct OptionNames<RowOptimizer> { static constexpr const char* names[] = {"adagrad", "adam"}; };
template <> struct OptionNames<LossKind> { static constexpr const char* names[] = {"logsigmoid", "margin", "softmax"}; };
// training: the shared-negative groups (engine.cc) or 1-N against every entity (one-to-n.cc)
enum class TrainMode : int { Negatives = 0, OneVsAll = 1, KvsAll = 2 };
template <> struct OptionNames<TrainMode> { static constexpr const char* names[] = {"negatives", "1vsAll", "KvsAll"}; };

// The training options the engine reads, X(type, name), each under the config schema's own name
// (src/models/config.ts). addon.cc parses every one generically and none has a default here, so
// the schema is the one place values are set, and a new option is its schema field, one line
// here and its use in the engine.
#define KGC_TRAIN_OPTIONS(X)                                                                        \
  X(int, batch)              /* positives per step (B) */                                          \
  X(int, negatives)          /* N: negatives shared by a group of query rows */                    \
  X(int, negChunk)           /* query rows sharing one draw of N negatives (0 = the whole batch) */\
  X(int, dataNegatives)      /* of a group's N, how many are the corrupted side of training data */\
  X(LossKind, loss)          /* logsigmoid | margin | softmax */                                   \
  X(float, advTemp)          /* self-adversarial temperature */                                    \
  X(float, margin)           /* margin of the margin loss */                                       \
  X(float, reg)              /* L3 coefficient on raw rows touched by the batch */                 \
  X(float, entityDropout)    /* dropout on the batch's encoded entity rows (dropout.h) */          \
  X(float, relationDropout)  /* and on its encoded relation rows */                                \
  X(RowOptimizer, optimizer) /* rows: row-wise Adagrad or lazy Adam (moments of the batch's rows) */\
  X(float, lr)               /* rows' learning rate (the TS loop applies the schedule) */          \
  X(float, denseLr)          /* Adam of the dense encoder weights */                               \
  X(float, beta1)            /* Adam's decays and epsilon (dense weights, and rows under adam) */   \
  X(float, beta2)                                                                                  \
  X(float, adamEps)                                                                                \
  X(TrainMode, training)     /* negatives | 1vsAll | KvsAll */                                     \
  X(bool, reciprocal)        /* tail queries only: the data holds (t, r + R, h) for each (h, r, t) */\
  X(float, n3)               /* N3 coefficient on the batch triples' rows (1-N) */                 \
  X(float, labelSmoothing)   /* KvsAll's BCE targets */

struct TrainConfig {
#define KGC_FIELD(type, name) type name{};
  KGC_TRAIN_OPTIONS(KGC_FIELD)
#undef KGC_FIELD
};

inline LossConfig lossConfig(const TrainConfig& t) { return {t.loss, t.advTemp, t.margin}; }
inline AdamConfig denseAdam(const TrainConfig& t) { return {t.denseLr, t.beta1, t.beta2, t.adamEps}; }
inline AdamConfig rowAdam(const TrainConfig& t) { return {t.lr, t.beta1, t.beta2, t.adamEps}; }

// Rows of one negative group, and the negative ids of a batch: N per group.
inline int negGroupRows(const TrainConfig& t) { return t.negChunk > 0 && t.negChunk < t.batch ? t.negChunk : t.batch; }
inline int negCount(const TrainConfig& t) { return (t.batch + negGroupRows(t) - 1) / negGroupRows(t) * t.negatives; }

struct TrainData {
  const int32_t *head = nullptr, *rel = nullptr, *tail = nullptr;
  int64_t n = 0;
  const float* posWeight = nullptr;  // shape: [n] or null
  int32_t* perm = nullptr;           // shape: [n] shards of a permutation, reshuffled per epoch
};

// One direction of the training triples' adjacency (src/data/csr.ts): entity e's (neighbor,
// relation) pairs, sorted by neighbor then relation, sit in [indptr[e], indptr[e + 1]).
struct Adjacency {
  const double* indptr = nullptr;  // [numEntities + 1] or null (no filtering)
  const int32_t* neighbor = nullptr;
  const int32_t* relation = nullptr;
  bool has(int32_t e, int32_t nbr, int32_t rel) const {
    int64_t lo = int64_t(indptr[e]), hi = int64_t(indptr[e + 1]);
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (neighbor[mid] < nbr || (neighbor[mid] == nbr && relation[mid] < rel)) lo = mid + 1;
      else hi = mid;
    }
    return lo < int64_t(indptr[e + 1]) && neighbor[lo] == nbr && relation[lo] == rel;
  }
};

struct Context {
  const ModelKernel* model = nullptr;
  ModelShape shape{};
  EncoderTables ent, rel;
  TrainConfig cfg;
  TrainData data;
  // Known training triples (RotatE's filtered sampler): when knownOut.indptr is set, a negative
  // that forms a training triple with its query row is masked out of the loss (its score is
  // kMaskedScore: zero loss, zero gradient). Out: tail-side rows (h, r, ?); in: head-side (?, r, t).
  Adjacency knownOut, knownIn;
  int64_t numEntities = 0;
};

// Scratch of one thread (never shared).
struct Work {
  std::vector<int32_t> ids, slot, uEnt, rslot, uRel, h, r, t, neg, answers;
  std::vector<std::pair<int32_t, int32_t>> sortBuf;
  std::vector<float> Xe, Xr, P, Q, T, C, sPos, S, gPos, G, dQ, dT, dC, dXe, dXr, dP, dRawE, dRawR;
  std::vector<float> dWe, dbe, dWr, dbr;
  std::vector<float> maskE, maskR;  // dropout masks of Xe / Xr (dropout.h)
  EncoderWork encE, encR;
  CompareScratch cmp;
};

// Forward + backward of one explicit batch. Leaves per-unique raw-row gradients in
// w.dRawE [U, raw] (ids w.uEnt) / w.dRawR (ids w.uRel) and dense grads in w.dW*, w.db*.
// keep/target = heads/tails on the tail side and tails/heads on the head side; neg holds
// negCount(cfg) ids, group g's N serve query rows [g * negGroupRows, (g + 1) * negGroupRows).
// dropSeed: the step's dropout draw (dropout.h), null = no dropout (or both rates 0).
double forwardBackward(const Context& c, Work& w, const int32_t* h, const int32_t* r, const int32_t* t,
                       const int32_t* neg, const float* wPos, bool tailSide, const uint64_t* dropSeed);

// Batch helpers shared by the two training modes (engine.cc). uniqueIds: sorted unique ids of
// `ids` into u, slot[i] = position of ids[i] in u. encodeBatch: encodes w.uEnt into w.Xe and the
// batch's relations (unique in w.uRel, w.rslot) into w.Xr and prepared rows w.P, the encoded rows
// dropped out when dropSeed is given (masks in w.maskE / w.maskR). buildQueries:
// w.Q [B, dim] from w.Xe rows w.slot[i] and w.P rows w.rslot[i].
int uniqueIds(const int32_t* ids, int n, std::vector<int32_t>& u, int32_t* slot,
              std::vector<std::pair<int32_t, int32_t>>& buf);
void encodeBatch(const Context& c, Work& w, const int32_t* r, int B, const uint64_t* dropSeed);
void buildQueries(const Context& c, Work& w, int B, bool tailSide);
// queryBackward: from w.dQ [B, dim], the kept entities' gradients w.dXe [uEnt, dim] (zeroed
// first; the caller adds the other entity roles) and the relations' w.dXr [uRel, relWidth].
void queryBackward(const Context& c, Work& w, int B, bool tailSide);
// dropBatchBackward: w.dXe / w.dXr through the masks encodeBatch drew (nothing without dropSeed).
void dropBatchBackward(const Context& c, Work& w, const uint64_t* dropSeed);
// The L3 term (reg) of one raw row: adds sum |x|^3 to total and its gradient 3 coef |x| x to g
// (1-N's N3 cubes each coordinate's modulus instead: one-to-n.cc).
inline void addCubes(const float* row, int width, float coef, float* g, double& total) {
  for (int x = 0; x < width; x++) {
    const float a = std::fabs(row[x]);
    total += double(a) * a * a;
    g[x] += 3.0f * coef * a * row[x];
  }
}
template <typename T>
void zeroed(std::vector<T>& v, size_t n) {
  v.assign(n, T(0));
}

// 1-N forward + backward (one-to-n.cc): each query (keep_i, r_i) scored against EVERY entity, in
// chunks of entities. 1vsAll: softmax cross-entropy of target_i; KvsAll: binary cross-entropy
// against the query's known answers (c.knownOut / c.knownIn) with label smoothing. Leaves the
// DENSE entity gradient in w.dRawE [numEntities, raw] with w.uEnt = 0..numEntities-1, and the
// relations' in w.dRawR (ids w.uRel), like forwardBackward.
// Dropout (dropSeed) drops the query side only (kept entities, relations), not the all-entity block.
double forwardBackwardOneToN(const Context& c, Work& w, const int32_t* h, const int32_t* r, const int32_t* t,
                             const float* wPos, bool tailSide, const uint64_t* dropSeed);

struct TrainCounters {
  double* global;        // [2]: steps done, Adam updates done
  uint64_t* rng;         // [T, 4]
  double* threadState;   // [T, 2]: permutation cursor, local step
};

struct TrainResult {
  double lossSum = 0;
  int64_t steps = 0;
  bool diverged = false;
  int64_t divergedStep = -1;
};

// Runs `steps` more steps on `threads` threads.
TrainResult trainSteps(const Context& c, const TrainCounters& k, int threads, int64_t steps);

// Scores B queries (kept entity + relation, side) against N shared candidates -> S [B, N].
void scoreShared(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
                 const int32_t* cands, int N, float* S);
// Scores each query against its own K candidates (cands [B, K]) -> S [B, K].
void scoreRows(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
               const int32_t* cands, int K, float* S);
// The same with the caller's scratch: a thread scoring many slices reuses its buffers (tens of MB
// per slice of 256 queries) instead of faulting fresh pages in for each.
void scoreRows(const Context& c, Work& w, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
               const int32_t* cands, int K, float* S);

}  // namespace kgc
