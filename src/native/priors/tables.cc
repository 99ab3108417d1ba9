// The per-dataset tables behind the candidate features: each entity's relation profile in both
// directions, the relation counts c(r), the three R x R relation-walk matrices, and the
// candidate-list counts of a split. Built once per stage run, then read by every query.
#include <algorithm>
#include <atomic>
#include <utility>
#include "../common/threads.h"
#include "priors.h"

namespace kgc::priors {

namespace {

constexpr int64_t ENTITY_CHUNK = 4096;

// Distinct relations of one entity's edges with their counts, ascending by relation.
// cnt is [R] zeros on entry and on exit; touched collects the relations seen.
void relationCounts(const Adjacency& a, int64_t e, std::vector<int32_t>& cnt, std::vector<int32_t>& touched) {
  touched.clear();
  for (int64_t k = int64_t(a.indptr[e]); k < int64_t(a.indptr[e + 1]); k++) {
    const int32_t r = a.relation[k];
    if (cnt[r]++ == 0) touched.push_back(r);
  }
  std::sort(touched.begin(), touched.end());
}

// Runs fn(e, tid) over all entities in dynamically claimed chunks (hubs make costs uneven).
template <typename Fn>
void forEntities(int64_t E, int threads, const Fn& fn) {
  std::atomic<int64_t> next{0};
  runThreads(threads, [&](int tid) {
    for (;;) {
      const int64_t lo = next.fetch_add(ENTITY_CHUNK);
      if (lo >= E) break;
      const int64_t hi = std::min(E, lo + ENTITY_CHUNK);
      for (int64_t e = lo; e < hi; e++) fn(e, tid);
    }
  });
}

// Node records and profiles: pass 1 counts each entity's distinct relations per direction, a
// prefix sum places them, pass 2 writes (relation, count) entries and sums c(r) per thread.
void buildNodes(Tables& t, const Adjacency& out, const Adjacency& in, int threads) {
  const int64_t E = t.E;
  const size_t R = size_t(t.R);
  t.node.assign(size_t(E) + 1, Node{});
  std::vector<std::vector<int32_t>> cnt(static_cast<size_t>(threads), std::vector<int32_t>(R, 0));
  std::vector<std::vector<int32_t>> touched(static_cast<size_t>(threads));
  forEntities(E, threads, [&](int64_t e, int tid) {
    Node& n = t.node[size_t(e)];
    n.out = uint32_t(out.indptr[e]);
    n.in = uint32_t(in.indptr[e]);
    relationCounts(in, e, cnt[tid], touched[tid]);
    n.nInProf = uint32_t(touched[tid].size());
    for (int32_t r : touched[tid]) cnt[tid][r] = 0;
    relationCounts(out, e, cnt[tid], touched[tid]);
    n.prof = n.nInProf + uint32_t(touched[tid].size());  // a count until the prefix sum below
    for (int32_t r : touched[tid]) cnt[tid][r] = 0;
  });
  uint32_t at = 0;
  for (int64_t e = 0; e < E; e++) {
    const uint32_t n = t.node[size_t(e)].prof;
    t.node[size_t(e)].prof = at;
    at += n;
  }
  t.node[size_t(E)] = {uint32_t(out.indptr[E]), uint32_t(in.indptr[E]), at, 0};
  t.profile.resize(at);
  std::vector<std::vector<double>> relPart(static_cast<size_t>(threads), std::vector<double>(R, 0.0));
  forEntities(E, threads, [&](int64_t e, int tid) {
    ProfileEntry* dst = t.profile.data() + t.node[size_t(e)].prof;
    for (const Adjacency* a : {&in, &out}) {
      relationCounts(*a, e, cnt[tid], touched[tid]);
      for (int32_t r : touched[tid]) {
        *dst++ = {r, float(cnt[tid][r])};  // a count until buildTables divides by c(r)
        if (a == &in) relPart[size_t(tid)][size_t(r)] += cnt[tid][r];
        cnt[tid][r] = 0;
      }
    }
  });
  t.relCount.assign(R, 0.0);
  for (const std::vector<double>& p : relPart)
    for (size_t r = 0; r < R; r++) t.relCount[r] += p[r];
}

}  // namespace

void buildTables(Tables& t, const Adjacency& out, const Adjacency& in, int threads) {
  const int64_t E = t.E;
  const size_t R = size_t(t.R);
  buildNodes(t, out, in, threads);
  t.outNeighbor = out.neighbor;
  t.inNeighbor = in.neighbor;

  // M[r, r'] sums over every entity e of (left weight of r at e) x (right weight of r' at e);
  // one partial matrix per thread, added at the end (R = 1,315 on WikiKG90M: 14 MB each). The
  // profiles still hold counts here: c(r at e) / c(r) on the left, c(r' at e) / deg(e) on the right.
  std::vector<std::vector<double>> part(static_cast<size_t>(threads) * 3, std::vector<double>(R * R, 0.0));
  forEntities(E, threads, [&](int64_t e, int tid) {
    const Node& n = t.node[size_t(e)];
    const ProfileEntry* in = t.profile.data() + n.prof;
    const ProfileEntry* out = in + n.nInProf;
    const int64_t nIn = n.nInProf;
    const int64_t nOut = int64_t(t.node[size_t(e) + 1].prof) - int64_t(n.prof) - nIn;
    const double inDeg = double(t.inDeg(int32_t(e))), outDeg = double(t.outDeg(int32_t(e)));
    double* rtTr = part[size_t(tid) * 3].data();
    double* rtHr = part[size_t(tid) * 3 + 1].data();
    double* rhHr = part[size_t(tid) * 3 + 2].data();
    for (int64_t a = 0; a < nIn; a++) {
      const size_t r = size_t(in[a].rel);
      const double pRt = in[a].p / t.relCount[r];  // P_RT(r, e)
      for (int64_t b = 0; b < nIn; b++) rtTr[r * R + size_t(in[b].rel)] += pRt * (in[b].p / inDeg);
      for (int64_t b = 0; b < nOut; b++) rtHr[r * R + size_t(out[b].rel)] += pRt * (out[b].p / outDeg);
    }
    for (int64_t a = 0; a < nOut; a++) {
      const size_t r = size_t(out[a].rel);
      const double pRh = out[a].p / t.relCount[r];  // P_RH(r, e)
      for (int64_t b = 0; b < nOut; b++) rhHr[r * R + size_t(out[b].rel)] += pRh * (out[b].p / outDeg);
    }
  });
  std::vector<double>* dst[3] = {&t.mRtTr, &t.mRtHr, &t.mRhHr};
  for (int m = 0; m < 3; m++) {
    dst[m]->assign(R * R, 0.0);
    for (int tid = 0; tid < threads; tid++) {
      const std::vector<double>& p = part[size_t(tid) * 3 + size_t(m)];
      for (size_t x = 0; x < R * R; x++) (*dst[m])[x] += p[x];
    }
  }
  // counts -> probabilities given the relation: P_RT(r, e) in, P_RH(r, e) out
  forEntities(E, threads, [&](int64_t e, int) {
    for (uint32_t a = t.node[size_t(e)].prof; a < t.node[size_t(e) + 1].prof; a++) {
      ProfileEntry& x = t.profile[a];
      x.p = float(double(x.p) / t.relCount[size_t(x.rel)]);
    }
  });
}

namespace {

void buildOneListCount(ListCounts& lc, const int32_t* key, int64_t Q, const int32_t* cands, int K, int threads) {
  std::vector<std::pair<int32_t, int32_t>> order(static_cast<size_t>(Q));  // (key, query)
  for (int64_t q = 0; q < Q; q++) order[size_t(q)] = {key[q], int32_t(q)};
  std::sort(order.begin(), order.end());
  std::vector<int64_t> groupFirst;  // index into order where each group starts
  lc.groupOfQuery.assign(size_t(Q), 0);
  for (int64_t i = 0; i < Q; i++) {
    if (i == 0 || order[size_t(i)].first != order[size_t(i) - 1].first) groupFirst.push_back(i);
    lc.groupOfQuery[size_t(order[size_t(i)].second)] = int32_t(groupFirst.size() - 1);
  }
  const size_t G = groupFirst.size();
  groupFirst.push_back(Q);
  std::vector<std::vector<int32_t>> ent(G), cnt(G);
  std::atomic<size_t> next{0};
  runThreads(threads, [&](int) {
    std::vector<int32_t> pool;
    for (;;) {
      const size_t g = next.fetch_add(1);
      if (g >= G) break;
      const int64_t lo = groupFirst[g], hi = groupFirst[g + 1];
      if (hi - lo < 2) continue;  // one query: every count is its row multiplicity, found at query time
      pool.clear();
      for (int64_t i = lo; i < hi; i++) {
        const int32_t* row = cands + int64_t(order[size_t(i)].second) * K;
        pool.insert(pool.end(), row, row + K);
      }
      std::sort(pool.begin(), pool.end());
      for (size_t a = 0; a < pool.size();) {
        size_t b = a;
        while (b < pool.size() && pool[b] == pool[a]) b++;
        if (b - a >= 2) {
          ent[g].push_back(pool[a]);
          cnt[g].push_back(int32_t(b - a));
        }
        a = b;
      }
    }
  });
  lc.start.assign(G + 1, 0);
  for (size_t g = 0; g < G; g++) lc.start[g + 1] = lc.start[g] + int64_t(ent[g].size());
  lc.entity.resize(size_t(lc.start[G]));
  lc.count.resize(lc.entity.size());
  for (size_t g = 0; g < G; g++) {
    std::copy(ent[g].begin(), ent[g].end(), lc.entity.begin() + lc.start[g]);
    std::copy(cnt[g].begin(), cnt[g].end(), lc.count.begin() + lc.start[g]);
    std::vector<int32_t>().swap(ent[g]);
    std::vector<int32_t>().swap(cnt[g]);
  }
  lc.ready = true;
}

}  // namespace

void buildListCounts(Tables& t, const int32_t* rel, const int32_t* head, int64_t Q, const int32_t* cands, int K,
                     int threads) {
  buildOneListCount(t.byRelation, rel, Q, cands, K, threads);
  buildOneListCount(t.byHead, head, Q, cands, K, threads);
}

}  // namespace kgc::priors
