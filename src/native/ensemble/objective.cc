#include "objective.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include "../common/threads.h"

// The addon builds with -ffast-math and FMA contraction; this file must round exactly as the
// plain-TS reference does (w·d rounded, then added; −base/slope a true division), or a blended
// difference near 0 could change sign and a rank with it.
#pragma GCC optimize("no-fast-math", "fp-contract=off")

namespace kgc::ensemble {

namespace {

// Cuts queries[0, n) into T consecutive runs of about equal contested-entry counts. shape: [T + 1]
std::vector<int64_t> splitByEntries(const Problem& p, const int32_t* queries, int64_t n, int T) {
  int64_t total = 0;
  for (int64_t i = 0; i < n; i++) total += p.offsets[queries[i] + 1] - p.offsets[queries[i]];
  std::vector<int64_t> bounds(size_t(T) + 1, n);
  bounds[0] = 0;
  int64_t seen = 0;
  int t = 1;
  for (int64_t i = 0; i < n && t < T; i++) {
    seen += p.offsets[queries[i] + 1] - p.offsets[queries[i]];
    while (t < T && seen * T >= total * t) bounds[size_t(t++)] = i + 1;
  }
  return bounds;
}

float floatOfBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint32_t bitsOfFloat(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

// Stable LSD radix sort (two 16-bit passes) of packed (key << 32 | event) values by key.
void sortByKey(std::vector<uint64_t>& v, std::vector<uint64_t>& scratch) {
  scratch.resize(v.size());
  std::vector<uint32_t> histogram(65536);
  for (int shift = 32; shift < 64; shift += 16) {
    std::fill(histogram.begin(), histogram.end(), 0u);
    for (uint64_t x : v) histogram[(x >> shift) & 65535]++;
    uint32_t sum = 0;
    for (auto& h : histogram) {
      const uint32_t c = h;
      h = sum;
      sum += c;
    }
    for (uint64_t x : v) scratch[histogram[(x >> shift) & 65535]++] = x;
    v.swap(scratch);
  }
}

// One thread's share of a line search: its MRR units just above w_c = 0 and, per distinct
// breakpoint key (ascending), how much the units change when w_c passes it.
struct LineShare {
  int64_t units = 0;
  std::vector<uint32_t> keys;
  std::vector<int64_t> deltas;
};

void lineShare(const Problem& p, const int32_t* queries, int64_t begin, int64_t end, const double* dot, int c, double current, LineShare& out) {
  const float* column = p.columns[size_t(c)];
  std::vector<int32_t> ahead(size_t(end - begin));
  std::vector<uint64_t> events;       // key << 32 | index into eventQuery
  std::vector<int32_t> eventQuery;    // local query index, negated - 1 when the candidate falls behind
  for (int64_t i = begin; i < end; i++) {
    const int32_t q = queries[i];
    int32_t a = p.alwaysAhead[q];
    if (a >= kTop) continue;
    for (int32_t e = p.offsets[q]; e < p.offsets[q + 1]; e++) {
      const double slope = column[e];
      const double base = dot[e] - current * slope;
      if (base > 0 || (base == 0 && (slope > 0 || (slope == 0 && p.tieAhead[e] == 1)))) a++;
      const double t = slope != 0 ? -base / slope : -1;
      if (t > 0 && t < std::numeric_limits<double>::infinity()) {
        events.push_back(uint64_t(bitsOfFloat(float(t))) << 32 | uint64_t(eventQuery.size()));
        const int32_t local = int32_t(i - begin);
        eventQuery.push_back(slope > 0 ? local : -local - 1);
      }
    }
    ahead[size_t(i - begin)] = a;
    out.units += unitsOfAhead(a);
  }
  std::vector<uint64_t> scratch;
  sortByKey(events, scratch);
  for (size_t k = 0; k < events.size();) {
    const uint32_t key = uint32_t(events[k] >> 32);
    int64_t delta = 0;
    for (; k < events.size() && uint32_t(events[k] >> 32) == key; k++) {
      const int32_t tagged = eventQuery[events[k] & 0xffffffffu];
      const bool passes = tagged >= 0;
      int32_t& a = ahead[size_t(passes ? tagged : -tagged - 1)];
      const int32_t before = a;
      a += passes ? 1 : -1;
      delta += unitsOfAhead(a) - unitsOfAhead(before);
    }
    out.keys.push_back(key);
    out.deltas.push_back(delta);
  }
}

}  // namespace

void blendUnits(const Problem& p, const int32_t* queries, int64_t numQueries, const double* weights, int B, int threads, int64_t* out) {
  const int M = p.M;
  const std::vector<int64_t> bounds = splitByEntries(p, queries, numQueries, threads);
  std::vector<int64_t> perThread(size_t(threads) * size_t(B), 0);
  runThreads(threads, [&](int tid) {
    int64_t* units = perThread.data() + size_t(tid) * size_t(B);
    std::vector<double> dot;  // shape: [B, n] of one query
    for (int64_t i = bounds[size_t(tid)]; i < bounds[size_t(tid) + 1]; i++) {
      const int32_t q = queries[i];
      const int32_t a0 = p.alwaysAhead[q];
      if (a0 >= kTop) continue;
      const int32_t s = p.offsets[q], n = p.offsets[q + 1] - s;
      dot.assign(size_t(B) * size_t(n), 0.0);
      // m ascending per entry, zero weights skipped: the reference's order of additions
      for (int m = 0; m < M; m++) {
        const float* col = p.columns[size_t(m)] + s;
        for (int b = 0; b < B; b++) {
          const double w = weights[size_t(b) * M + m];
          if (w == 0) continue;
          double* d = dot.data() + size_t(b) * n;
          for (int32_t e = 0; e < n; e++) d[e] += w * col[e];
        }
      }
      for (int b = 0; b < B; b++) {
        const double* d = dot.data() + size_t(b) * n;
        int32_t ahead = a0;
        for (int32_t e = 0; e < n && ahead < kTop; e++)
          if (d[e] > 0 || (d[e] == 0 && p.tieAhead[s + e] == 1)) ahead++;
        units[b] += unitsOfAhead(ahead);
      }
    }
  });
  for (int b = 0; b < B; b++) {
    out[b] = 0;
    for (int t = 0; t < threads; t++) out[b] += perThread[size_t(t) * size_t(B) + size_t(b)];
  }
}

LineResult lineSearch(const Problem& p, const int32_t* queries, int64_t numQueries, const double* dot, int c, double current, int threads) {
  const std::vector<int64_t> bounds = splitByEntries(p, queries, numQueries, threads);
  std::vector<LineShare> shares(static_cast<size_t>(threads));
  runThreads(threads, [&](int tid) { lineShare(p, queries, bounds[size_t(tid)], bounds[size_t(tid) + 1], dot, c, current, shares[size_t(tid)]); });
  int64_t total = 0;
  for (const LineShare& s : shares) total += s.units;
  // merge the shares' breakpoints by key; MRR is constant between consecutive keys
  std::vector<uint32_t> keys;
  std::vector<int64_t> deltas;
  std::vector<size_t> at(shares.size(), 0);
  for (;;) {
    uint64_t next = UINT64_MAX;
    for (size_t t = 0; t < shares.size(); t++)
      if (at[t] < shares[t].keys.size()) next = std::min<uint64_t>(next, shares[t].keys[at[t]]);
    if (next == UINT64_MAX) break;
    int64_t delta = 0;
    for (size_t t = 0; t < shares.size(); t++)
      if (at[t] < shares[t].keys.size() && shares[t].keys[at[t]] == next) delta += shares[t].deltas[at[t]++];
    keys.push_back(uint32_t(next));
    deltas.push_back(delta);
  }
  // sweep: intervals (0, t1), (t1, t2), ..., (tk, ∞), as the reference does
  const double inf = std::numeric_limits<double>::infinity();
  int64_t best = total;
  double bestLo = 0;
  double bestHi = keys.empty() ? inf : double(floatOfBits(keys[0]));
  int64_t currentUnits = current > 0 && current < bestHi ? total : -1;
  for (size_t k = 0; k < keys.size(); k++) {
    total += deltas[k];
    const double lo = floatOfBits(keys[k]);
    const double hi = k + 1 < keys.size() ? double(floatOfBits(keys[k + 1])) : inf;
    if (current > lo && current < hi) currentUnits = total;
    if (total > best) {
      best = total;
      bestLo = lo;
      bestHi = hi;
    }
  }
  if (currentUnits >= best) return {current, currentUnits};
  const double value = bestHi == inf ? (bestLo > 0 ? 2 * bestLo : 1) : (bestLo + bestHi) / 2;
  return {value, best};
}

}  // namespace kgc::ensemble
