#include "scoring.h"
#include <algorithm>
#include "threads.h"

namespace kgc {

void scoreParallel(const Context& c, const int32_t* keep, const int32_t* rel, bool tailSide, int B,
                   const int32_t* cands, int N, int K, float* S, int threads) {
  const int T = std::max(1, std::min(threads, B));
  auto slice = [&](int tid) {
    const int lo = int(int64_t(B) * tid / T), hi = int(int64_t(B) * (tid + 1) / T);
    if (hi <= lo) return;
    // per-row mode: sub-slices bound the gathered candidate rows; shared mode: one call per slice,
    // so the N shared candidate rows are gathered once per thread
    const int step = K > 0 ? 256 : hi - lo;
    Work w;
    for (int a = lo; a < hi; a += step) {
      const int b = std::min(hi, a + step);
      if (K > 0)
        scoreRows(c, w, keep + a, rel + a, tailSide, b - a, cands + int64_t(a) * K, K, S + int64_t(a) * K);
      else
        scoreShared(c, keep + a, rel + a, tailSide, b - a, cands, N, S + int64_t(a) * N);
    }
  };
  runThreads(T, slice);
}

}  // namespace kgc
