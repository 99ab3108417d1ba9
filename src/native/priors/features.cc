// The per-query kernel: all candidate features of one (h, r) query and its K candidates.
//
// Entity-path features are sums over two-step walks h - e - c. Each can be summed from either
// end: from the candidates (walk each candidate's adjacency, look the far end up in the dense
// per-query map of h) or from h (walk the neighbours of h's neighbours, keep those that are
// candidates). The cost of both sides is known from the degrees before walking, so each query
// takes the cheaper one: a hub among the candidates (in-degree in the millions on WikiKG90M) or
// behind h then never dominates. Both sides add the same terms, so the result does not depend on
// the choice beyond float rounding.
#include <algorithm>
#include <atomic>
#include "../common/threads.h"
#include "priors.h"

namespace kgc::priors {

namespace {

struct Query {
  const Tables& t;
  Scratch& s;
  const int32_t* row;  // [K]
  int K;
  double* acc(int f) { return s.acc.data() + size_t(f) * size_t(K); }
};

// Adds w[e] * P(e, c) to feature f for each candidate c, over walks c -(cand side)- e:
// candSide: edges of c to walk (out: c -> e, in: e -> c); weight of an edge = w[e] / norm(e).
// From h's side: for e in list, edges of e in the opposite direction, keep the candidates.
// costCand / costH: the number of edges each side would visit.
void twoStep(Query& q, int f, const std::vector<float>& w, const std::vector<int32_t>& list, bool candWalksOut,
             bool normByIn, int64_t costCand, int64_t costH) {
  const Tables& t = q.t;
  Scratch& s = q.s;
  double* a = q.acc(f);
  auto norm = [&](int32_t e) { return double(normByIn ? t.inDeg(e) : t.outDeg(e)); };
  if (costCand <= costH) {
    const Adjacency& adj = candWalksOut ? t.out : t.in;
    for (int32_t j : s.uniq) {
      const int32_t c = q.row[j];
      double sum = 0;
      for (int64_t k = int64_t(adj.indptr[c]); k < int64_t(adj.indptr[c + 1]); k++) {
        const int32_t e = adj.neighbor[k];
        if (w[size_t(e)] != 0.0f) sum += w[size_t(e)] / norm(e);
      }
      a[j] += sum;
    }
  } else {
    const Adjacency& adj = candWalksOut ? t.in : t.out;
    for (int32_t e : list) {
      const double x = w[size_t(e)] / norm(e);
      for (int64_t k = int64_t(adj.indptr[e]); k < int64_t(adj.indptr[e + 1]); k++) {
        const int32_t sl = s.slot[size_t(adj.neighbor[k])];
        if (sl != 0) a[sl - 1] += x;
      }
    }
  }
}

// w[e] += 1/deg(h) for each edge of h in `adj` (a transition probability out of h); records e.
void spread(const Adjacency& adj, int32_t h, std::vector<float>& w, std::vector<int32_t>& list) {
  const int64_t lo = int64_t(adj.indptr[h]), hi = int64_t(adj.indptr[h + 1]);
  const float p = float(1.0 / double(hi - lo));
  for (int64_t k = lo; k < hi; k++) {
    const int32_t e = adj.neighbor[k];
    if (w[size_t(e)] == 0.0f) list.push_back(e);
    w[size_t(e)] += p;
  }
}

int64_t sumDeg(const Tables& t, const std::vector<int32_t>& list, bool in) {
  int64_t s = 0;
  for (int32_t e : list) s += in ? t.inDeg(e) : t.outDeg(e);
  return s;
}

// Count of candidate c of `query` in its group's pooled lists: the stored count, or (not stored:
// fewer than 2) its multiplicity in the query's own row.
int32_t listCount(const ListCounts& lc, int64_t query, int32_t c, int32_t rowMult) {
  const int32_t g = lc.groupOfQuery[size_t(query)];
  const auto lo = lc.entity.begin() + lc.start[size_t(g)], hi = lc.entity.begin() + lc.start[size_t(g) + 1];
  const auto it = std::lower_bound(lo, hi, c);
  return (it != hi && *it == c) ? lc.count[size_t(it - lc.entity.begin())] : rowMult;
}

void oneQuery(const Tables& t, Scratch& s, int32_t h, int32_t r, int64_t query, const int32_t* row, int K, float* const* out,
              int64_t outOffset, int hubLimit) {
  Query q{t, s, row, K};
  s.uniq.clear();
  s.mult.assign(size_t(K), 0);
  s.acc.assign(size_t(NUM_FEATURES) * size_t(K), 0.0);
  for (int j = 0; j < K; j++) {
    int32_t& sl = s.slot[size_t(row[j])];
    if (sl == 0) {
      sl = j + 1;
      s.uniq.push_back(j);
    }
    s.mult[size_t(sl - 1)]++;
  }
  spread(t.out, h, s.wOut, s.lOut);  // wOut[e] = P_HT(h, e)
  spread(t.in, h, s.wIn, s.lIn);     // wIn[e]  = P_TH(h, e)
  int64_t candOut = 0, candIn = 0;
  for (int32_t j : s.uniq) {
    candOut += t.outDeg(row[j]);
    candIn += t.inDeg(row[j]);
  }
  const int64_t lOutIn = sumDeg(t, s.lOut, true), lOutOut = sumDeg(t, s.lOut, false);
  const int64_t lInIn = sumDeg(t, s.lIn, true), lInOut = sumDeg(t, s.lIn, false);

  for (int32_t j : s.uniq) {
    q.acc(HT)[j] = s.wOut[size_t(row[j])];
    q.acc(TH)[j] = s.wIn[size_t(row[j])];
  }
  twoStep(q, HT_TH, s.wOut, s.lOut, true, true, candOut, lOutIn);   // h -> e <- c
  twoStep(q, TH_TH, s.wIn, s.lIn, true, true, candOut, lInIn);      // h <- e <- c
  twoStep(q, TH_HT, s.wIn, s.lIn, false, false, candIn, lInOut);    // h <- e -> c
  twoStep(q, HT_HT, s.wOut, s.lOut, false, false, candIn, lOutOut); // h -> e -> c

  // ht-th-ht: wQ[h'] = sum over non-hub tails e of h of P_HT(h, e) P_TH(e, h'), then one more step
  for (int32_t e : s.lOut) {
    const int64_t d = t.inDeg(e);
    if (d > hubLimit) continue;
    const float x = float(double(s.wOut[size_t(e)]) / double(d));
    for (int64_t k = int64_t(t.in.indptr[e]); k < int64_t(t.in.indptr[e + 1]); k++) {
      const int32_t x2 = t.in.neighbor[k];
      if (s.wQ[size_t(x2)] == 0.0f) s.lQ.push_back(x2);
      s.wQ[size_t(x2)] += x;
    }
  }
  twoStep(q, HT_TH_HT, s.wQ, s.lQ, false, false, candIn, sumDeg(t, s.lQ, false));  // h' -> c

  // relation features from each candidate's relation profiles and the R x R matrices
  const size_t R = size_t(t.R);
  const double* mRtTr = t.mRtTr.data() + size_t(r) * R;
  const double* mRhHr = t.mRhHr.data() + size_t(r) * R;
  const double* mRtHr = t.mRtHr.data() + size_t(r) * R;
  for (int32_t j : s.uniq) {
    const int32_t c = row[j];
    double rtTrRt = 0, rhHrRt = 0, rtHrRh = 0;
    for (int64_t a = t.inProf.start[size_t(c)]; a < t.inProf.start[size_t(c) + 1]; a++) {
      const ProfileEntry x = t.inProf.entry[size_t(a)];  // x.p = P_RT(x.rel, c)
      rtTrRt += mRtTr[x.rel] * x.p;
      rhHrRt += mRhHr[x.rel] * x.p;
      if (x.rel == r) q.acc(RT)[j] = x.p;
    }
    for (int64_t a = t.outProf.start[size_t(c)]; a < t.outProf.start[size_t(c) + 1]; a++) {
      const ProfileEntry x = t.outProf.entry[size_t(a)];  // x.p = P_RH(x.rel, c)
      rtHrRh += mRtHr[x.rel] * x.p;
      if (x.rel == r) q.acc(RH)[j] = x.p;
    }
    q.acc(RT_TR_RT)[j] = rtTrRt;
    q.acc(RH_HR_RT)[j] = rhHrRt;
    q.acc(RT_HR_RH)[j] = rtHrRh;
    q.acc(RELATION_LIST_COUNT)[j] = listCount(t.byRelation, query, c, s.mult[size_t(j)]);
    q.acc(HEAD_LIST_COUNT)[j] = listCount(t.byHead, query, c, s.mult[size_t(j)]);
  }

  for (int j = 0; j < K; j++) {
    const size_t first = size_t(s.slot[size_t(row[j])] - 1);
    for (int f = 0; f < NUM_FEATURES; f++) out[f][outOffset + j] = float(q.acc(f)[first]);
  }
  for (int32_t j : s.uniq) s.slot[size_t(row[j])] = 0;
  for (int32_t e : s.lOut) s.wOut[size_t(e)] = 0.0f;
  for (int32_t e : s.lIn) s.wIn[size_t(e)] = 0.0f;
  for (int32_t e : s.lQ) s.wQ[size_t(e)] = 0.0f;
  s.lOut.clear();
  s.lIn.clear();
  s.lQ.clear();
}

}  // namespace

void computeFeatures(Tables& t, const int32_t* head, const int32_t* rel, int64_t queryStart, int B,
                     const int32_t* cands, int K, float* const* out, int hubLimit, int threads) {
  if (t.scratch.size() < size_t(threads)) t.scratch.resize(size_t(threads));
  for (int tid = 0; tid < threads; tid++) {
    Scratch& s = t.scratch[size_t(tid)];
    if (s.slot.size() != size_t(t.E)) {  // sized once per handle: E floats x 3 + E ints per thread
      s.wOut.assign(size_t(t.E), 0.0f);
      s.wIn.assign(size_t(t.E), 0.0f);
      s.wQ.assign(size_t(t.E), 0.0f);
      s.slot.assign(size_t(t.E), 0);
    }
  }
  std::atomic<int> next{0};
  runThreads(threads, [&](int tid) {
    Scratch& s = t.scratch[size_t(tid)];
    for (;;) {
      const int i = next.fetch_add(1);
      if (i >= B) break;
      oneQuery(t, s, head[i], rel[i], queryStart + i, cands + int64_t(i) * K, K, out, int64_t(i) * K, hubLimit);
    }
  });
}

}  // namespace kgc::priors
