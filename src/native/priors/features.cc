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

// One two-step walk feature h - e - c: feature f gets, for each candidate c, the sum over its
// edges to e of mark[e].*w / norm(e); `list` holds the e with a nonzero weight.
struct Walk {
  int f;
  float Mark::*w;
  const std::vector<int32_t>* list;
};

// The walks whose last step reaches the candidate through the candidate's out-edges (c -> e,
// norm = in-degree of e) or in-edges (e -> c, norm = out-degree of e). From the candidates' side
// one pass over each candidate's edges serves all of them (one Mark record per edge); from h's
// side each walk visits the opposite-direction edges of its own list. The cheaper in edges
// visited is taken: mixing sides never beats the candidate side, which costs the same for one walk
// or all.
void walksTo(Query& q, bool candWalksOut, const Walk* walks, int n, int64_t costCand) {
  const Tables& t = q.t;
  Scratch& s = q.s;
  const Mark* mark = s.mark.data();
  auto norm = [&](int32_t e) { return double(candWalksOut ? t.inDeg(e) : t.outDeg(e)); };
  int64_t costH = 0;
  for (int i = 0; i < n; i++)
    for (int32_t e : *walks[i].list) costH += candWalksOut ? t.outDeg(e) : t.inDeg(e);
  if (costCand <= costH) {
    const int32_t* nbr = candWalksOut ? t.outNeighbor : t.inNeighbor;
    double* a[3];
    for (int i = 0; i < n; i++) a[i] = q.acc(walks[i].f);
    for (int32_t j : s.uniq) {
      const Node* c = &t.node[size_t(q.row[j])];
      const uint32_t lo = candWalksOut ? c[0].out : c[0].in, hi = candWalksOut ? c[1].out : c[1].in;
      double sum[3] = {0, 0, 0};
      for (uint32_t k = lo; k < hi; k++) {
        const int32_t e = nbr[k];
        if (!s.weighted.has(e)) continue;
        const Mark& m = mark[size_t(e)];
        bool any = false;
        for (int i = 0; i < n; i++) any |= m.*(walks[i].w) != 0.0f;
        if (!any) continue;
        const double d = norm(e);
        for (int i = 0; i < n; i++) sum[i] += m.*(walks[i].w) / d;
      }
      for (int i = 0; i < n; i++) a[i][j] += sum[i];
    }
  } else {
    const int32_t* nbr = candWalksOut ? t.inNeighbor : t.outNeighbor;
    for (int i = 0; i < n; i++) {
      double* a = q.acc(walks[i].f);
      for (int32_t e : *walks[i].list) {
        const double x = mark[size_t(e)].*(walks[i].w) / norm(e);
        const Node* ne = &t.node[size_t(e)];
        const uint32_t lo = candWalksOut ? ne[0].in : ne[0].out, hi = candWalksOut ? ne[1].in : ne[1].out;
        for (uint32_t k = lo; k < hi; k++)
          if (s.candidate.has(nbr[k])) a[mark[size_t(nbr[k])].slot - 1] += x;
      }
    }
  }
}

// mark[e].*w += 1/deg(h) for each edge of h (out: h -> e, else e -> h): a transition probability
// out of h; records each e once in list.
void spread(const Tables& t, bool outEdges, int32_t h, Scratch& s, float Mark::*w, std::vector<int32_t>& list) {
  const Node* nh = &t.node[size_t(h)];
  const uint32_t lo = outEdges ? nh[0].out : nh[0].in, hi = outEdges ? nh[1].out : nh[1].in;
  const int32_t* nbr = outEdges ? t.outNeighbor : t.inNeighbor;
  const float p = float(1.0 / double(hi - lo));
  for (uint32_t k = lo; k < hi; k++) {
    Mark& m = s.mark[size_t(nbr[k])];
    if (m.*w == 0.0f) list.push_back(nbr[k]);
    m.*w += p;
    s.weighted.set(nbr[k]);
  }
}

// Count of candidate c of `query` in its group's pooled lists: the stored count, or (not stored:
// fewer than 2) its multiplicity in the query's own row.
int32_t listCount(const ListCounts& lc, int64_t query, int32_t c, int32_t rowMult) {
  const int32_t g = lc.groupOfQuery[size_t(query)];
  const auto lo = lc.entity.begin() + lc.start[size_t(g)], hi = lc.entity.begin() + lc.start[size_t(g) + 1];
  const auto it = std::lower_bound(lo, hi, c);
  return (it != hi && *it == c) ? lc.count[size_t(it - lc.entity.begin())] : rowMult;
}

// Candidates this far ahead are prefetched in the per-candidate loops: their records are random
// reads, and each candidate's work is too short for the hardware to overlap the misses alone.
constexpr int PREFETCH = 8;

void oneQuery(const Tables& t, Scratch& s, int32_t h, int32_t r, int64_t query, const int32_t* row, int K, float* const* out,
              int64_t outOffset, int hubLimit) {
  Query q{t, s, row, K};
  s.uniq.clear();
  s.mult.assign(size_t(K), 0);
  s.acc.assign(size_t(NUM_FEATURES) * size_t(K), 0.0);
  for (int j = 0; j < K; j++) {
    if (j + PREFETCH < K) {
      __builtin_prefetch(&s.mark[size_t(row[j + PREFETCH])]);
      __builtin_prefetch(&t.node[size_t(row[j + PREFETCH])]);
    }
    int32_t& sl = s.mark[size_t(row[j])].slot;
    if (sl == 0) {
      sl = j + 1;
      s.uniq.push_back(j);
      s.candidate.set(row[j]);
    }
    s.mult[size_t(sl - 1)]++;
  }
  spread(t, true, h, s, &Mark::wOut, s.lOut);  // wOut[e] = P_HT(h, e)
  spread(t, false, h, s, &Mark::wIn, s.lIn);   // wIn[e]  = P_TH(h, e)
  int64_t candOut = 0, candIn = 0;
  for (int32_t j : s.uniq) {
    candOut += t.outDeg(row[j]);
    candIn += t.inDeg(row[j]);
    q.acc(HT)[j] = s.mark[size_t(row[j])].wOut;
    q.acc(TH)[j] = s.mark[size_t(row[j])].wIn;
  }

  // ht-th-ht: wQ[h'] = sum over non-hub tails e of h of P_HT(h, e) P_TH(e, h'), then one more step
  for (int32_t e : s.lOut) {
    const int64_t d = t.inDeg(e);
    if (d > hubLimit) continue;
    const float x = float(double(s.mark[size_t(e)].wOut) / double(d));
    for (uint32_t k = t.node[size_t(e)].in; k < t.node[size_t(e) + 1].in; k++) {
      Mark& m = s.mark[size_t(t.inNeighbor[k])];
      if (m.wQ == 0.0f) s.lQ.push_back(t.inNeighbor[k]);
      m.wQ += x;
      s.weighted.set(t.inNeighbor[k]);
    }
  }
  const Walk viaOut[2] = {{HT_TH, &Mark::wOut, &s.lOut},   // h -> e <- c
                          {TH_TH, &Mark::wIn, &s.lIn}};    // h <- e <- c
  const Walk viaIn[3] = {{TH_HT, &Mark::wIn, &s.lIn},      // h <- e -> c
                         {HT_HT, &Mark::wOut, &s.lOut},    // h -> e -> c
                         {HT_TH_HT, &Mark::wQ, &s.lQ}};    // h' -> c
  walksTo(q, true, viaOut, 2, candOut);
  walksTo(q, false, viaIn, 3, candIn);

  // relation features from each candidate's relation profiles and the R x R matrices
  const size_t R = size_t(t.R);
  const double* mRtTr = t.mRtTr.data() + size_t(r) * R;
  const double* mRhHr = t.mRhHr.data() + size_t(r) * R;
  const double* mRtHr = t.mRtHr.data() + size_t(r) * R;
  const size_t U = s.uniq.size();
  for (size_t u = 0; u < U; u++) {
    if (u + PREFETCH < U) __builtin_prefetch(t.profile.data() + t.node[size_t(row[s.uniq[u + PREFETCH]])].prof);
    const int32_t j = s.uniq[u];
    const int32_t c = row[j];
    const Node& n = t.node[size_t(c)];
    const ProfileEntry* in = t.profile.data() + n.prof;
    const ProfileEntry* outEnd = t.profile.data() + t.node[size_t(c) + 1].prof;
    double rtTrRt = 0, rhHrRt = 0, rtHrRh = 0;
    for (const ProfileEntry* x = in; x < in + n.nInProf; x++) {  // x->p = P_RT(x->rel, c)
      rtTrRt += mRtTr[x->rel] * x->p;
      rhHrRt += mRhHr[x->rel] * x->p;
      if (x->rel == r) q.acc(RT)[j] = x->p;
    }
    for (const ProfileEntry* x = in + n.nInProf; x < outEnd; x++) {  // x->p = P_RH(x->rel, c)
      rtHrRh += mRtHr[x->rel] * x->p;
      if (x->rel == r) q.acc(RH)[j] = x->p;
    }
    q.acc(RT_TR_RT)[j] = rtTrRt;
    q.acc(RH_HR_RT)[j] = rhHrRt;
    q.acc(RT_HR_RH)[j] = rtHrRh;
    q.acc(RELATION_LIST_COUNT)[j] = listCount(t.byRelation, query, c, s.mult[size_t(j)]);
    q.acc(HEAD_LIST_COUNT)[j] = listCount(t.byHead, query, c, s.mult[size_t(j)]);
  }

  for (int j = 0; j < K; j++) {
    const size_t first = size_t(s.mark[size_t(row[j])].slot - 1);
    for (int f = 0; f < NUM_FEATURES; f++) out[f][outOffset + j] = float(q.acc(f)[first]);
  }
  for (int32_t j : s.uniq) {
    s.mark[size_t(row[j])].slot = 0;
    s.candidate.clear(row[j]);
  }
  for (const std::vector<int32_t>* l : {&s.lOut, &s.lIn, &s.lQ}) {
    for (int32_t e : *l) {
      s.mark[size_t(e)] = Mark{};  // its slot is already 0
      s.weighted.clear(e);
    }
  }
  s.lOut.clear();
  s.lIn.clear();
  s.lQ.clear();
}

}  // namespace

void computeFeatures(Tables& t, const int32_t* head, const int32_t* rel, int64_t queryStart, int B,
                     const int32_t* cands, int K, float* const* out, int hubLimit, int threads) {
  if (t.scratch.size() < size_t(threads)) t.scratch.resize(size_t(threads));
  std::atomic<int> next{0};
  runThreads(threads, [&](int tid) {
    Scratch& s = t.scratch[size_t(tid)];
    // once per handle and thread (16 bytes x E), zeroed on the thread that uses it, in parallel
    if (s.mark.size() != size_t(t.E)) {
      s.mark.assign(size_t(t.E), Mark{});
      s.weighted.w.assign(size_t(t.E) / 64 + 1, 0);
      s.candidate.w.assign(size_t(t.E) / 64 + 1, 0);
    }
    for (;;) {
      const int i = next.fetch_add(1);
      if (i >= B) break;
      oneQuery(t, s, head[i], rel[i], queryStart + i, cands + int64_t(i) * K, K, out, int64_t(i) * K, hubLimit);
    }
  });
}

}  // namespace kgc::priors
