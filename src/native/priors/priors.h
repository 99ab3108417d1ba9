// Statistical candidate features of the KDD Cup 2021 winning solution (SEED-SOLUTION §3), computed
// over the training CSR adjacency. Formulas, paths and the readings taken are documented in
// src/features/priors.ts (the plain-TS reference); this header holds the kernels only.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>
#include "../common/engine.h"

namespace kgc::priors {

// Output order of the per-query kernel; src/features/priors.ts lists the same names in this order.
enum Feature : int {
  RT_TR_RT = 0,         // seed 1 (rrt)
  HT_TH,                // seed 2 (h2t_t2h)
  TH_HT,                // seed 3 (t2h_h2t)
  HT_HT,                // seed 4 (h2t_h2t)
  HT_TH_HT,             // seed 5 (hht)
  RT_HR_RH,             // seed 6 (r2t_h2r)
  RT,                   // seed 7 (r2t)
  RH_HR_RT,             // seed 8 (rrh)
  RELATION_LIST_COUNT,  // seed 9 (rt_feat), candidate-list leakage
  HEAD_LIST_COUNT,      // seed 10 (ht_feat), candidate-list leakage
  HT,                   // paper Eq. 7
  TH,                   // paper Eq. 8
  TH_TH,                // paper Eq. 12
  RH,                   // paper Eq. 15
  NUM_FEATURES
};

// Per entity and direction: the distinct relations of its edges (ascending), each with its
// probability given the relation: P_RT(r, e) for in-edges, P_RH(r, e) for out-edges. Relation and
// probability sit side by side so one candidate's profile is one cache line or two.
struct ProfileEntry {
  int32_t rel;
  float p;
};
struct Profile {
  std::vector<int64_t> start;        // [E + 1]
  std::vector<ProfileEntry> entry;   // [entries]
};

// How often each candidate recurs in the pooled candidate lists of the queries sharing a key
// (the relation, or the head). Only counts of 2 or more are stored: a candidate looked up for a
// query is in that query's own row, so a miss means its count is its multiplicity there (1).
// On the synthetic default this keeps 0.14 of the Q x K (group, candidate) pairs instead of 0.72.
struct ListCounts {
  std::vector<int32_t> groupOfQuery;  // [Q]
  std::vector<int64_t> start;         // [G + 1] into entity/count
  std::vector<int32_t> entity;        // sorted within a group
  std::vector<int32_t> count;
  bool ready = false;
};

// One thread's scratch, sized E once and reset sparsely after every query.
struct Scratch {
  std::vector<float> wOut, wIn, wQ;  // [E] P_HT(h, ·), P_TH(h, ·), Q[h, ·]
  std::vector<int32_t> slot;         // [E] 1 + first index of the entity in the row, 0 if absent
  std::vector<int32_t> lOut, lIn, lQ, uniq;
  std::vector<int32_t> mult;         // [K] multiplicity of each first index
  std::vector<double> acc;           // [NUM_FEATURES, K]
};

struct Tables {
  int64_t E = 0;
  int R = 0;
  // borrowed from JS (indptr and neighbor kept alive by the N-API handle); the relation arrays are
  // read by buildTables only and set to null after it, so JS may free them (4 GB on WikiKG90M)
  Adjacency out, in;
  std::vector<double> relCount;  // [R]
  Profile outProf, inProf;
  // [R, R] relation-to-relation walk matrices (see priors.ts)
  std::vector<double> mRtTr, mRtHr, mRhHr;
  ListCounts byRelation, byHead;
  std::vector<Scratch> scratch;  // one per thread
  std::atomic<bool> busy{false};

  int64_t outDeg(int32_t e) const { return int64_t(out.indptr[e + 1] - out.indptr[e]); }
  int64_t inDeg(int32_t e) const { return int64_t(in.indptr[e + 1] - in.indptr[e]); }
};

// Degree profiles and the three R x R matrices, on `threads` threads.
void buildTables(Tables& t, int threads);

// Candidate-list counts of one split: rel/head [Q], cands [Q, K].
void buildListCounts(Tables& t, const int32_t* rel, const int32_t* head, int64_t Q, const int32_t* cands, int K,
                     int threads);

// All features of B queries whose first query is `queryStart` in the split; out[f] is [B, K].
// Tails with more than hubLimit in-edges are skipped in the ht-th-ht walk (the seed's cap).
void computeFeatures(Tables& t, const int32_t* head, const int32_t* rel, int64_t queryStart, int B,
                     const int32_t* cands, int K, float* const* out, int hubLimit, int threads);

}  // namespace kgc::priors
