#include "walk-napi.h"
#include <functional>
#include <string>
#include <vector>
#include "../common/encoder.h"
#include "../common/napi-args.h"
#include "../common/threads.h"
#include "skipgram.h"
#include "smoothing.h"
#include "walks.h"

namespace kgc::walk {

namespace {

using napi::fail;
using napi::num;
using napi::parseAdjacency;
using napi::parseFeatures;
using napi::parseModel;
using napi::typed;

// graph = {numNodes, out: Csr, in: Csr}
Graph graph(Napi::Env env, const Napi::Object& o) {
  Graph g;
  g.numNodes = int64_t(num(o, "numNodes"));
  if (g.numNodes <= 0) fail(env, "numNodes must be positive");
  g.out = parseAdjacency(env, o.Get("out").As<Napi::Object>(), g.numNodes);
  g.in = parseAdjacency(env, o.Get("in").As<Napi::Object>(), g.numNodes);
  return g;
}

SgnsConfig sgnsConfig(Napi::Env env, const Napi::Object& o) {
  SgnsConfig c;
  c.dim = int(num(o, "dim"));
  c.window = int(num(o, "window"));
  c.negatives = int(num(o, "negatives"));
  c.walkLength = int(num(o, "walkLength"));
  c.epochs = int(num(o, "epochs"));
  c.threads = int(num(o, "threads"));
  c.numWalks = int64_t(num(o, "numWalks"));
  c.lr = float(num(o, "lr"));
  c.minLr = float(num(o, "minLr"));
  c.seed = uint64_t(num(o, "seed"));
  if (c.dim <= 0 || c.window <= 0 || c.negatives < 0 || c.walkLength <= 0 || c.epochs <= 0 || c.threads < 1 || c.threads > 256 || c.numWalks < 0)
    fail(env, "bad skip-gram config");
  return c;
}

// Runs `work` on the libuv pool; resolves with what `done` builds. `keep` holds the JS buffers
// alive until then.
class Job : public Napi::AsyncWorker {
 public:
  Job(Napi::Env env, const Napi::CallbackInfo& info, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), done_(std::move(done)) {
    Napi::Array keep = Napi::Array::New(env, info.Length());
    for (size_t i = 0; i < info.Length(); i++) keep.Set(uint32_t(i), info[i]);
    keep_ = Napi::Persistent(keep);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { work_(); }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  Napi::Reference<Napi::Array> keep_;
};

Napi::Value queue(Job* job) {
  Napi::Promise p = job->promise();
  job->Queue();
  return p;
}

// walkCorpus(graph, seed, walkLength, first, count, out Int32Array [count, walkLength]): walks
// first..first+count-1, padded with -1 after a dead end.
Napi::Value WalkCorpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Graph g = graph(env, info[0].As<Napi::Object>());
  const uint64_t seed = uint64_t(info[1].ToNumber().DoubleValue());
  const int L = info[2].ToNumber().Int32Value();
  const int64_t first = info[3].ToNumber().Int64Value(), count = info[4].ToNumber().Int64Value();
  if (L <= 0 || first < 0 || count < 0) fail(env, "bad walk range");
  Napi::Object args = Napi::Object::New(env);
  args.Set("out", info[5]);
  int32_t* out = typed<int32_t>(env, args, "out", napi_int32_array, size_t(count) * L);
  for (int64_t w = 0; w < count; w++) {
    int32_t* row = out + w * L;
    const int len = walkAt(g, seed, first + w, L, row);
    for (int i = len; i < L; i++) row[i] = -1;
  }
  return env.Undefined();
}

// countOccurrences(graph, config, counts Float64Array [numNodes]) -> Promise<void>
Napi::Value CountOccurrences(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Graph g = graph(env, info[0].As<Napi::Object>());
  const SgnsConfig c = sgnsConfig(env, info[1].As<Napi::Object>());
  Napi::Object args = Napi::Object::New(env);
  args.Set("counts", info[2]);
  double* counts = typed<double>(env, args, "counts", napi_float64_array, size_t(g.numNodes));
  return queue(new Job(env, info, [=] { countOccurrences(g, c, counts); }, [](Napi::Env e) { return e.Undefined(); }));
}

// trainSgns(graph, config, input Float32Array [n, dim], output Float32Array [n, dim], counts
// Float64Array [n], progress Float64Array [1]) -> Promise<{pairs, tokens}>
Napi::Value TrainSgns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Graph g = graph(env, info[0].As<Napi::Object>());
  const SgnsConfig c = sgnsConfig(env, info[1].As<Napi::Object>());
  Napi::Object args = Napi::Object::New(env);
  args.Set("input", info[2]);
  args.Set("output", info[3]);
  args.Set("counts", info[4]);
  args.Set("progress", info[5]);
  const size_t cells = size_t(g.numNodes) * c.dim;
  float* in_ = typed<float>(env, args, "input", napi_float32_array, cells);
  float* out = typed<float>(env, args, "output", napi_float32_array, cells);
  const double* counts = typed<double>(env, args, "counts", napi_float64_array, size_t(g.numNodes));
  double* progress = typed<double>(env, args, "progress", napi_float64_array, 1);
  auto result = std::make_shared<SgnsResult>();
  return queue(new Job(env, info, [=] { *result = trainSgns(g, c, in_, out, counts, progress); }, [result](Napi::Env e) {
    Napi::Object o = Napi::Object::New(e);
    o.Set("pairs", result->pairs);
    o.Set("tokens", result->tokens);
    return o;
  }));
}

// sgnsStep(input, output, dim, context, centre, negatives Int32Array, lr): one word2vec update.
Napi::Value SgnsStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object args = Napi::Object::New(env);
  args.Set("input", info[0]);
  args.Set("output", info[1]);
  args.Set("negatives", info[5]);
  const int dim = info[2].ToNumber().Int32Value();
  const int32_t context = info[3].ToNumber().Int32Value(), centre = info[4].ToNumber().Int32Value();
  const size_t rows = info[0].As<Napi::TypedArray>().ElementLength() / size_t(std::max(dim, 1));
  const size_t nNeg = info[5].As<Napi::TypedArray>().ElementLength();
  float* in_ = typed<float>(env, args, "input", napi_float32_array, rows * dim);
  float* out = typed<float>(env, args, "output", napi_float32_array, rows * dim);
  const int32_t* negs = typed<int32_t>(env, args, "negatives", napi_int32_array, nNeg);
  auto inRange = [&](int64_t id) { return id >= 0 && size_t(id) < rows; };
  if (dim <= 0 || !inRange(context) || !inRange(centre)) fail(env, "bad step ids");
  for (size_t k = 0; k < nNeg; k++)
    if (!inRange(negs[k])) fail(env, "negative id out of range");
  std::vector<float> neu1e(static_cast<size_t>(dim));
  sgnsPair(in_, out, dim, context, centre, negs, int(nNeg), float(info[6].ToNumber().DoubleValue()), neu1e.data());
  return env.Undefined();
}

// smooth(job {model, dim, block, gamma, phaseScale, numEntities, numRelations, alpha, hops,
// threads}, entity Float32Array [E, dim] (in place), relation Float32Array [R, relWidth],
// graph, progress Float64Array [1]) -> Promise<void>
Napi::Value Smooth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  SmoothJob job;
  job.model = parseModel(env, o, job.shape);
  const ModelShape& s = job.shape;
  job.numEntities = int64_t(num(o, "numEntities"));
  job.numRelations = int64_t(num(o, "numRelations"));
  job.alpha = float(num(o, "alpha"));
  job.hops = int(num(o, "hops"));
  job.threads = int(num(o, "threads"));
  if (job.numEntities <= 0 || job.numRelations <= 0 || job.hops < 0 || job.threads < 1 || job.threads > 256) fail(env, "bad smoothing job");
  Napi::Object args = Napi::Object::New(env);
  args.Set("entity", info[1]);
  args.Set("relation", info[2]);
  args.Set("progress", info[4]);
  job.entity = typed<float>(env, args, "entity", napi_float32_array, size_t(job.numEntities) * s.dim);
  job.relation = typed<float>(env, args, "relation", napi_float32_array, size_t(job.numRelations) * s.relWidth);
  double* progress = typed<double>(env, args, "progress", napi_float64_array, 1);
  const Graph g = graph(env, info[3].As<Napi::Object>());
  if (g.numNodes != job.numEntities) fail(env, "graph and entity table disagree on the entity count");
  job.out = g.out;
  job.in = g.in;
  return queue(new Job(env, info, [=] { smoothEmbeddings(job, progress); }, [](Napi::Env e) { return e.Undefined(); }));
}

// encodeRows(encoder {numRows, raw, out, featDim, feat, W, b, rows}, X Float32Array [numRows,
// out], threads): every row through the concat encoder, x = W [f ; u] + b.
Napi::Value EncodeRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Object o = info[0].As<Napi::Object>();
  EncoderTables e;
  e.concat = true;
  e.numRows = int64_t(num(o, "numRows"));
  e.raw = int(num(o, "raw"));
  e.out = int(num(o, "out"));
  e.featDim = int(num(o, "featDim"));
  if (e.numRows <= 0 || e.raw <= 0 || e.out <= 0 || e.featDim <= 0) fail(env, "bad encoder shape");
  e.rows = typed<float>(env, o, "rows", napi_float32_array, size_t(e.numRows) * e.raw);
  parseFeatures(env, o, size_t(e.numRows) * e.featDim, e);
  e.W = typed<float>(env, o, "W", napi_float32_array, size_t(e.wSize()));
  e.b = typed<float>(env, o, "b", napi_float32_array, size_t(e.out));
  Napi::Object args = Napi::Object::New(env);
  args.Set("X", info[1]);
  float* X = typed<float>(env, args, "X", napi_float32_array, size_t(e.numRows) * e.out);
  const int T = info[2].ToNumber().Int32Value();
  if (T < 1 || T > 256) fail(env, "bad threads");
  constexpr int64_t kRows = 256;
  const int64_t chunks = (e.numRows + kRows - 1) / kRows;
  runThreads(T, [&](int tid) {
    EncoderWork work;
    std::vector<int32_t> ids(static_cast<size_t>(kRows));
    for (int64_t c = tid; c < chunks; c += T) {
      const int64_t lo = c * kRows, U = std::min(kRows, e.numRows - lo);
      for (int64_t i = 0; i < U; i++) ids[size_t(i)] = int32_t(lo + i);
      encoderForward(e, ids.data(), int(U), X + lo * e.out, work);
    }
  });
  return env.Undefined();
}

}  // namespace

void registerWalkFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("walkCorpus", Napi::Function::New(env, WalkCorpus));
  exports.Set("countOccurrences", Napi::Function::New(env, CountOccurrences));
  exports.Set("trainSgns", Napi::Function::New(env, TrainSgns));
  exports.Set("sgnsStep", Napi::Function::New(env, SgnsStep));
  exports.Set("smooth", Napi::Function::New(env, Smooth));
  exports.Set("encodeRows", Napi::Function::New(env, EncodeRows));
}

}  // namespace kgc::walk
