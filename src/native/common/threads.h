// Runs fn(tid) for tid in [0, T) on T threads (the caller's own thread when T == 1) and joins them.
#pragma once
#include <thread>
#include <vector>

namespace kgc {

template <typename Fn>
void runThreads(int T, const Fn& fn) {
  if (T == 1) {
    fn(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int tid = 0; tid < T; tid++) pool.emplace_back(fn, tid);
  for (auto& th : pool) th.join();
}

}  // namespace kgc
