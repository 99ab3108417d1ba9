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

// The largest edge count the 32-bit offsets of Node hold (profile entries <= 2 x edges).
constexpr int64_t MAX_EDGES = (int64_t(1) << 31) - 1;

// Everything a query reads about one entity, in one 16-byte record, so that a candidate costs one
// cache miss here instead of one per array (CSR indptr out and in, profile starts in and out: the
// per-candidate loads dominated the profile). Degrees and the out-profile's end come from node[e+1].
// 32-bit offsets: WikiKG90M has 504M edges; a graph over MAX_EDGES is refused at build.
struct Node {
  uint32_t out;      // first out-edge of e in outNeighbor
  uint32_t in;       // first in-edge of e in inNeighbor
  uint32_t prof;     // first profile entry of e: its in-profile, then its out-profile
  uint32_t nInProf;  // entries of the in-profile
};

// One profile entry: a distinct relation of the entity's edges (ascending within each profile) and
// its probability given the relation: P_RT(r, e) in the in-profile, P_RH(r, e) in the out-profile.
struct ProfileEntry {
  int32_t rel;
  float p;
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

// One thread's per-query marks on an entity, side by side so that a walk step reads one record.
struct Mark {
  float wOut;    // P_HT(h, e)
  float wIn;     // P_TH(h, e)
  float wQ;      // Q[h, e] of ht-th-ht
  int32_t slot;  // 1 + first index of e in the query's candidate row, 0 if absent
};

// Bit e of a Bits: is entity e set. 1 bit per entity (11 MB per thread on WikiKG90M) stays in the
// caches where the 16-byte Mark records (1.4 GB) cannot: walks test the bit first, and most walk
// steps land on an entity with no mark.
struct Bits {
  std::vector<uint64_t> w;  // [E / 64 + 1]
  bool has(int32_t e) const { return (w[size_t(e) >> 6] >> (e & 63)) & 1; }
  void set(int32_t e) { w[size_t(e) >> 6] |= uint64_t(1) << (e & 63); }
  void clear(int32_t e) { w[size_t(e) >> 6] = 0; }  // the whole word: callers clear every set entity
};

// One thread's scratch, sized E once and reset sparsely after every query. Aligned to a cache line
// so that one thread's push_backs never share a line with another thread's vector headers.
struct alignas(64) Scratch {
  std::vector<Mark> mark;  // [E]
  Bits weighted;           // e has a nonzero wOut, wIn or wQ
  Bits candidate;          // e is in the query's candidate row
  std::vector<int32_t> lOut, lIn, lQ, uniq;
  std::vector<int32_t> mult;  // [K] multiplicity of each first index
  std::vector<double> acc;    // [NUM_FEATURES, K]
};

struct Tables {
  int64_t E = 0;
  int R = 0;
  std::vector<Node> node;  // [E + 1]
  // borrowed from JS, kept alive by the N-API handle; the CSR indptr and relation arrays are read
  // by buildTables only, so JS may free them once it resolves (5.4 GB on WikiKG90M)
  const int32_t* outNeighbor = nullptr;  // [edges]
  const int32_t* inNeighbor = nullptr;   // [edges]
  std::vector<double> relCount;          // [R]
  std::vector<ProfileEntry> profile;     // [entries], located by Node::prof
  // [R, R] relation-to-relation walk matrices (see priors.ts)
  std::vector<double> mRtTr, mRtHr, mRhHr;
  ListCounts byRelation, byHead;
  std::vector<Scratch> scratch;  // one per thread
  std::atomic<bool> busy{false};

  int64_t outDeg(int32_t e) const { return int64_t(node[size_t(e) + 1].out) - int64_t(node[size_t(e)].out); }
  int64_t inDeg(int32_t e) const { return int64_t(node[size_t(e) + 1].in) - int64_t(node[size_t(e)].in); }
};

// Node records, profiles and the three R x R matrices from both CSR directions, on `threads` threads.
// Adjacency::indptr and ::relation are read here only.
void buildTables(Tables& t, const Adjacency& out, const Adjacency& in, int threads);

// Candidate-list counts of one split: rel/head [Q], cands [Q, K].
void buildListCounts(Tables& t, const int32_t* rel, const int32_t* head, int64_t Q, const int32_t* cands, int K,
                     int threads);

// All features of B queries whose first query is `queryStart` in the split; out[f] is [B, K].
// Tails with more than hubLimit in-edges are skipped in the ht-th-ht walk (the seed's cap).
void computeFeatures(Tables& t, const int32_t* head, const int32_t* rel, int64_t queryStart, int B,
                     const int32_t* cands, int K, float* const* out, int hubLimit, int threads);

}  // namespace kgc::priors
