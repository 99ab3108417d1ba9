#include "smoothing.h"
#include <algorithm>
#include <cstring>
#include <vector>
#include "../common/threads.h"

namespace kgc::walk {

namespace {
constexpr int64_t kChunk = 256;  // entities a thread claims at a time (degrees vary by orders of magnitude)
}

void smoothEmbeddings(const SmoothJob& job, double* progress) {
  std::atomic<int64_t> entitiesDone{0};
  const ModelShape& s = job.shape;
  const int d = s.dim;
  std::vector<float> prepared(size_t(job.numRelations) * s.prepWidth);
  for (int64_t r = 0; r < job.numRelations; r++)
    job.model->prep(job.relation + r * s.relWidth, prepared.data() + r * s.prepWidth, s);
  std::vector<float> other(size_t(job.numEntities) * d);
  float* cur = job.entity;
  float* next = other.data();
  const int64_t chunks = (job.numEntities + kChunk - 1) / kChunk;
  for (int hop = 0; hop < job.hops; hop++) {
    std::atomic<int64_t> nextChunk{0};
    runThreads(job.threads, [&](int) {
      std::vector<float> acc(static_cast<size_t>(d)), q(static_cast<size_t>(d));
      for (int64_t c = nextChunk++; c < chunks; c = nextChunk++) {
        const int64_t end = std::min(job.numEntities, (c + 1) * kChunk);
        for (int64_t u = c * kChunk; u < end; u++) {
          std::fill(acc.begin(), acc.end(), 0.0f);
          int64_t n = 0;
          for (const bool asTail : {false, true}) {
            // out-edges (u, r, t): u is the head and hears op^-1(t, r); in-edges (h, r, u): op(h, r)
            const Adjacency& a = asTail ? job.in : job.out;
            for (int64_t k = int64_t(a.indptr[u]); k < int64_t(a.indptr[u + 1]); k++, n++) {
              job.model->apply(cur + int64_t(a.neighbor[k]) * d, prepared.data() + int64_t(a.relation[k]) * s.prepWidth, q.data(), asTail, s);
              for (int x = 0; x < d; x++) acc[size_t(x)] += q[size_t(x)];
            }
          }
          const float* e = cur + u * d;
          float* o = next + u * d;
          if (n == 0) {
            std::memcpy(o, e, sizeof(float) * size_t(d));
            continue;
          }
          const float w = (1.0f - job.alpha) / float(n);
          for (int x = 0; x < d; x++) o[x] = job.alpha * e[x] + w * acc[size_t(x)];
        }
        publishProgress(progress, entitiesDone.fetch_add(end - c * kChunk, std::memory_order_relaxed) + end - c * kChunk);
      }
    });
    std::swap(cur, next);
  }
  if (cur != job.entity) std::memcpy(job.entity, cur, sizeof(float) * size_t(job.numEntities) * d);
}

}  // namespace kgc::walk
