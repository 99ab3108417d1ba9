// N-API registration only: converts JS objects of typed arrays into kernel structs and back.
// Validation with user-facing messages lives in src/backends/native/binding.ts; the checks here
// only stop a wrong call from touching memory out of bounds.
#include <napi.h>
#include <cmath>
#include <string>
#include "common/engine.h"
#include "common/gemm.h"
#include "common/mmap.h"
#include "common/napi-args.h"
#include "common/peak.h"
#include "common/scoring.h"
#include "walk/walk-napi.h"
#include "priors/priors-napi.h"
#include "ensemble/objective-napi.h"

using namespace kgc;

namespace {

using napi::fail;
using napi::mappedBytes;
using napi::num;
using napi::parseAdjacency;
using napi::parseFeatures;
using napi::parseModel;
using napi::typed;

// The learned rows: o.rows, or o.mapped = {file, byteOffset}: float32 rows inside a file mapped by
// mapTable (any size: an ArrayBuffer stops at 4 GiB in Node 20, WikiKG90M's table is 70 GB;
// scoring only).
float* parseRows(Napi::Env env, const Napi::Object& o, size_t count) {
  const Napi::Value m = o.Get("mapped");
  if (m.IsUndefined() || m.IsNull()) return typed<float>(env, o, "rows", napi_float32_array, count);
  return reinterpret_cast<float*>(mappedBytes(env, m, double(count) * sizeof(float)));
}

// `training`: the row optimiser state is read (scoring leaves it null; mapped tables have none).
EncoderTables parseEncoder(Napi::Env env, const Napi::Object& o, int out, bool training, bool rowAdam) {
  EncoderTables e;
  e.numRows = int64_t(num(o, "numRows"));
  e.raw = int(num(o, "raw"));
  e.out = out;
  e.concat = o.Get("concat").ToBoolean().Value();
  e.rows = parseRows(env, o, size_t(e.numRows) * e.raw);
  if (training) e.rowState = typed<float>(env, o, "state", napi_float32_array, size_t(e.numRows));
  if (training && rowAdam) {
    e.rowM = typed<float>(env, o, "rowM", napi_float32_array, size_t(e.numRows) * e.raw);
    e.rowV = typed<float>(env, o, "rowV", napi_float32_array, size_t(e.numRows) * e.raw);
  }
  if (!e.concat) {
    if (e.raw != out) fail(env, "shallow encoder needs raw == out");
    return e;
  }
  e.featDim = int(num(o, "featDim"));
  parseFeatures(env, o, size_t(e.numRows) * e.featDim, e);
  const size_t w = size_t(e.wSize());
  e.W = typed<float>(env, o, "W", napi_float32_array, w);
  e.b = typed<float>(env, o, "b", napi_float32_array, size_t(out));
  e.mW = typed<float>(env, o, "mW", napi_float32_array, w);
  e.vW = typed<float>(env, o, "vW", napi_float32_array, w);
  e.mb = typed<float>(env, o, "mb", napi_float32_array, size_t(out));
  e.vb = typed<float>(env, o, "vb", napi_float32_array, size_t(out));
  return e;
}

// One training option o[key], read by its C++ type: a number, a boolean, or one of an enum's names.
void readOption(const Napi::Object& o, const char* key, int& v) { v = int(num(o, key)); }
void readOption(const Napi::Object& o, const char* key, float& v) { v = float(num(o, key)); }
void readOption(const Napi::Object& o, const char* key, bool& v) {
  const Napi::Value x = o.Get(key);
  if (!x.IsBoolean()) fail(o.Env(), std::string(key) + " must be a boolean");
  v = x.As<Napi::Boolean>().Value();
}
template <class E>
void readOption(const Napi::Object& o, const char* key, E& v) {
  const Napi::Value x = o.Get(key);
  const std::string got = x.IsString() ? x.As<Napi::String>().Utf8Value() : std::string();
  int i = 0;
  for (const char* name : OptionNames<E>::names) {
    if (got == name) {
      v = E(i);
      return;
    }
    i++;
  }
  fail(o.Env(), std::string(key) + " has an unknown value '" + got + "'");
}

// The training config, read under the schema's own field names (src/models/config.ts: the zod
// output the binding passes through): every option KGC_TRAIN_OPTIONS lists.
TrainConfig parseTrainConfig(Napi::Env env, const Napi::Object& cfg) {
  TrainConfig t;
#define KGC_READ(type, name) readOption(cfg, #name, t.name);
  KGC_TRAIN_OPTIONS(KGC_READ)
#undef KGC_READ
  if (t.batch <= 0 || t.negatives <= 0 || t.negChunk < 0 || t.dataNegatives < 0 || t.dataNegatives > t.negatives)
    fail(env, "batch and negatives must be positive, negChunk >= 0, 0 <= dataNegatives <= negatives");
  return t;
}

// spec = {model, dim, block, gamma, phaseScale, entity, relation} plus, to train or take
// gradients, config (the schema's TrainConfig), known (optional adjacency) and data (training).
Context parseContext(Napi::Env env, const Napi::Object& spec, bool withConfig, bool withData) {
  Context c;
  c.model = parseModel(env, spec, c.shape);
  const ModelShape& s = c.shape;
  if (withConfig) c.cfg = parseTrainConfig(env, spec.Get("config").As<Napi::Object>());
  const bool rowAdam = c.cfg.optimizer == RowOptimizer::Adam;
  c.ent = parseEncoder(env, spec.Get("entity").As<Napi::Object>(), s.dim, withConfig, rowAdam);
  c.rel = parseEncoder(env, spec.Get("relation").As<Napi::Object>(), s.relWidth, withConfig, rowAdam);
  c.numEntities = c.ent.numRows;
  const Napi::Value known = spec.Get("known");
  if (!known.IsUndefined() && !known.IsNull()) {
    c.knownOut = parseAdjacency(env, known.As<Napi::Object>().Get("out").As<Napi::Object>(), c.numEntities);
    c.knownIn = parseAdjacency(env, known.As<Napi::Object>().Get("in").As<Napi::Object>(), c.numEntities);
  }
  if (c.cfg.training != TrainMode::Negatives && (c.ent.concat || c.rel.concat)) fail(env, "1-N training needs the shallow encoder");
  if (c.cfg.training == TrainMode::KvsAll && !c.knownOut.indptr) fail(env, "KvsAll needs the known adjacency");
  if (withData) {
    const Napi::Object d = spec.Get("data").As<Napi::Object>();
    c.data.n = int64_t(num(d, "length"));
    if (c.data.n <= 0) fail(env, "no training triples");
    const size_t n = size_t(c.data.n);
    c.data.head = typed<int32_t>(env, d, "head", napi_int32_array, n);
    c.data.rel = typed<int32_t>(env, d, "relation", napi_int32_array, n);
    c.data.tail = typed<int32_t>(env, d, "tail", napi_int32_array, n);
    c.data.perm = typed<int32_t>(env, d, "perm", napi_int32_array, n);
    c.data.posWeight = typed<float>(env, d, "posWeight", napi_float32_array, n, true);
  }
  return c;
}

Napi::Value ModelNames(const Napi::CallbackInfo& info) {
  int count = 0;
  const char* const* names = modelNames(&count);
  Napi::Array out = Napi::Array::New(info.Env(), count);
  for (int i = 0; i < count; i++) out.Set(uint32_t(i), names[i]);
  return out;
}

Napi::Value ModelWidths(const Napi::CallbackInfo& info) {
  const std::string name = info[0].ToString().Utf8Value();
  const ModelKernel* m = findModel(name.c_str());
  if (!m) fail(info.Env(), "unknown model " + name);
  const int dim = info[1].ToNumber().Int32Value(), block = info[2].ToNumber().Int32Value();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("relation", m->relWidth(dim, block));
  o.Set("prepared", m->prepWidth(dim, block));
  return o;
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("gemm", gemmBackend());
#if defined(__AVX512F__)
  o.Set("simd", "avx512");
#elif defined(__AVX2__)
  o.Set("simd", "avx2");
#else
  o.Set("simd", "scalar");
#endif
  return o;
}

// peakFlops(seconds) -> single-thread fp32 FLOP/s of independent FMA chains (the FLOP ceiling the
// benchmarks report fractions of).
Napi::Value PeakFlops(const Napi::CallbackInfo& info) {
  const double seconds = info[0].ToNumber().DoubleValue();
  return Napi::Number::New(info.Env(), measurePeakFlops(seconds));
}

// gradients(spec, batch, out) -> loss; out gets dense gradients of every raw table / dense weight;
// batch.dropSeed (an integer below 2^53), when given, is the step's dropout draw.
Napi::Value Gradients(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Context c = parseContext(env, info[0].As<Napi::Object>(), true, false);
  const Napi::Object batch = info[1].As<Napi::Object>();
  const Napi::Object out = info[2].As<Napi::Object>();
  const size_t B = size_t(c.cfg.batch), N = size_t(negCount(c.cfg));
  const int32_t* h = typed<int32_t>(env, batch, "head", napi_int32_array, B);
  const int32_t* r = typed<int32_t>(env, batch, "relation", napi_int32_array, B);
  const int32_t* t = typed<int32_t>(env, batch, "tail", napi_int32_array, B);
  const int32_t* neg = typed<int32_t>(env, batch, "negatives", napi_int32_array, N);
  const float* wPos = typed<float>(env, batch, "posWeight", napi_float32_array, B, true);
  const bool tailSide = batch.Get("tailSide").ToBoolean().Value();
  const bool dropout = batch.Has("dropSeed") && !batch.Get("dropSeed").IsUndefined();
  const uint64_t dropSeed = dropout ? uint64_t(batch.Get("dropSeed").ToNumber().Int64Value()) : 0;
  for (size_t i = 0; i < B; i++)
    if (h[i] < 0 || h[i] >= c.ent.numRows || t[i] < 0 || t[i] >= c.ent.numRows || r[i] < 0 || r[i] >= c.rel.numRows)
      fail(env, "batch id out of range");
  for (size_t j = 0; j < N; j++)
    if (neg[j] < 0 || neg[j] >= c.ent.numRows) fail(env, "negative id out of range");
  float* dE = typed<float>(env, out, "entity", napi_float32_array, size_t(c.ent.numRows) * c.ent.raw);
  float* dR = typed<float>(env, out, "relation", napi_float32_array, size_t(c.rel.numRows) * c.rel.raw);
  Work w;
  const uint64_t* ds = dropout ? &dropSeed : nullptr;
  const double loss = c.cfg.training == TrainMode::Negatives ? forwardBackward(c, w, h, r, t, neg, wPos, tailSide, ds)
                                                             : forwardBackwardOneToN(c, w, h, r, t, wPos, tailSide, ds);
  for (size_t u = 0; u < w.uEnt.size(); u++)
    for (int x = 0; x < c.ent.raw; x++) dE[int64_t(w.uEnt[u]) * c.ent.raw + x] += w.dRawE[u * c.ent.raw + x];
  for (size_t u = 0; u < w.uRel.size(); u++)
    for (int x = 0; x < c.rel.raw; x++) dR[int64_t(w.uRel[u]) * c.rel.raw + x] += w.dRawR[u * c.rel.raw + x];
  auto copyDense = [&](const char* key, const std::vector<float>& src) {
    float* dst = typed<float>(env, out, key, napi_float32_array, src.size());
    for (size_t x = 0; x < src.size(); x++) dst[x] += src[x];
  };
  if (c.ent.concat) {
    copyDense("entityW", w.dWe);
    copyDense("entityB", w.dbe);
  }
  if (c.rel.concat) {
    copyDense("relationW", w.dWr);
    copyDense("relationB", w.dbr);
  }
  return Napi::Number::New(env, loss);
}

// score(spec, keep, relation, tailSide, candidates, K, out): K = 0 -> shared candidates [N]
// (out [B, N]); K > 0 -> per-row candidates [B, K] (out [B, K]).
Napi::Value Score(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Context c = parseContext(env, info[0].As<Napi::Object>(), false, false);
  Napi::Object args = Napi::Object::New(env);
  args.Set("keep", info[1]);
  args.Set("relation", info[2]);
  args.Set("candidates", info[4]);
  args.Set("out", info[6]);
  const bool tailSide = info[3].ToBoolean().Value();
  const int K = info[5].ToNumber().Int32Value();
  const size_t B = info[1].As<Napi::TypedArray>().ElementLength();
  const size_t nc = info[4].As<Napi::TypedArray>().ElementLength();
  const int32_t* keep = typed<int32_t>(env, args, "keep", napi_int32_array, B);
  const int32_t* rel = typed<int32_t>(env, args, "relation", napi_int32_array, B);
  const int32_t* cands = typed<int32_t>(env, args, "candidates", napi_int32_array, nc);
  if (K > 0 && nc != B * size_t(K)) fail(env, "candidates must be [B, K]");
  float* out = typed<float>(env, args, "out", napi_float32_array, K > 0 ? nc : B * nc);
  for (size_t i = 0; i < B; i++)
    if (keep[i] < 0 || keep[i] >= c.ent.numRows || rel[i] < 0 || rel[i] >= c.rel.numRows) fail(env, "id out of range");
  for (size_t j = 0; j < nc; j++)
    if (cands[j] < 0 || cands[j] >= c.ent.numRows) fail(env, "candidate id out of range");
  if (K > 0)
    scoreRows(c, keep, rel, tailSide, int(B), cands, K, out);
  else
    scoreShared(c, keep, rel, tailSide, int(B), cands, int(nc), out);
  return env.Undefined();
}

// scoreAsync(spec, keep, relation, tailSide, candidates, K, out, threads) -> Promise<void>:
// like score, on `threads` C++ threads off the main thread. The caller keeps the buffers alive.
class ScoreWorker : public Napi::AsyncWorker {
 public:
  ScoreWorker(Napi::Env env, const Napi::CallbackInfo& info)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)) {
    ctx_ = parseContext(env, info[0].As<Napi::Object>(), false, false);
    Napi::Object args = Napi::Object::New(env);
    args.Set("keep", info[1]);
    args.Set("relation", info[2]);
    args.Set("candidates", info[4]);
    args.Set("out", info[6]);
    tailSide_ = info[3].ToBoolean().Value();
    K_ = info[5].ToNumber().Int32Value();
    threads_ = info[7].ToNumber().Int32Value();
    if (threads_ < 1 || threads_ > 256 || K_ < 0) fail(env, "bad threads/K");
    B_ = info[1].As<Napi::TypedArray>().ElementLength();
    nc_ = info[4].As<Napi::TypedArray>().ElementLength();
    keep_ = typed<int32_t>(env, args, "keep", napi_int32_array, B_);
    rel_ = typed<int32_t>(env, args, "relation", napi_int32_array, B_);
    cands_ = typed<int32_t>(env, args, "candidates", napi_int32_array, nc_);
    if (K_ > 0 && nc_ != B_ * size_t(K_)) fail(env, "candidates must be [B, K]");
    out_ = typed<float>(env, args, "out", napi_float32_array, K_ > 0 ? nc_ : B_ * nc_);
    for (size_t i = 0; i < B_; i++)
      if (keep_[i] < 0 || keep_[i] >= ctx_.ent.numRows || rel_[i] < 0 || rel_[i] >= ctx_.rel.numRows) fail(env, "id out of range");
    for (size_t j = 0; j < nc_; j++)
      if (cands_[j] < 0 || cands_[j] >= ctx_.ent.numRows) fail(env, "candidate id out of range");
    keepSpec_ = Napi::Persistent(info[0].As<Napi::Object>());
    keepArgs_ = Napi::Persistent(args);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    scoreParallel(ctx_, keep_, rel_, tailSide_, int(B_), cands_, int(nc_), K_, out_, threads_);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Context ctx_;
  bool tailSide_ = true;
  int K_ = 0, threads_ = 1;
  size_t B_ = 0, nc_ = 0;
  const int32_t *keep_ = nullptr, *rel_ = nullptr, *cands_ = nullptr;
  float* out_ = nullptr;
  Napi::ObjectReference keepSpec_, keepArgs_;
};

Napi::Value ScoreAsync(const Napi::CallbackInfo& info) {
  auto* w = new ScoreWorker(info.Env(), info);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

class TrainWorker : public Napi::AsyncWorker {
 public:
  TrainWorker(Napi::Env env, Napi::Object spec, Napi::Object counters, int threads, int64_t steps)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), threads_(threads), steps_(steps) {
    ctx_ = parseContext(env, spec, true, true);
    const size_t T = size_t(threads);
    k_.global = typed<double>(env, counters, "global", napi_float64_array, 2);
    k_.rng = typed<uint64_t>(env, counters, "rng", napi_biguint64_array, 4 * T);
    k_.threadState = typed<double>(env, counters, "threads", napi_float64_array, 2 * T);
    keepSpec_ = Napi::Persistent(spec);
    keepCounters_ = Napi::Persistent(counters);
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override { result_ = trainSteps(ctx_, k_, threads_, steps_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("lossSum", result_.lossSum);
    o.Set("steps", double(result_.steps));
    o.Set("diverged", result_.diverged);
    o.Set("divergedStep", double(result_.divergedStep));
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Context ctx_;
  TrainCounters k_{};
  TrainResult result_;
  int threads_;
  int64_t steps_;
  Napi::ObjectReference keepSpec_, keepCounters_;
};

// train(spec, counters, threads, steps) -> Promise<{lossSum, steps, diverged, divergedStep}>
Napi::Value Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int threads = info[2].ToNumber().Int32Value();
  const int64_t steps = info[3].ToNumber().Int64Value();
  if (threads < 1 || threads > 256 || steps < 0) fail(env, "bad threads/steps");
  auto* w = new TrainWorker(env, info[0].As<Napi::Object>(), info[1].As<Napi::Object>(), threads, steps);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// mapTable(path) -> {file, byteLength}: the file mapped whatever its size, behind an opaque handle
// (unmapped when the handle is collected) that score specs pass as mapped.file (entity tables)
// or feat.file (feature matrices).
Napi::Value MapTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = info[0].ToString().Utf8Value();
  std::string error;
  const Mapping m = mapFile(path, error);
  if (!m.data) throw Napi::Error::New(env, path + ": cannot map (" + error + ")");
  Napi::Object out = Napi::Object::New(env);
  out.Set("file", Napi::External<Mapping>::New(env, new Mapping(m), [](Napi::Env, Mapping* p) {
    unmapFile(p->data, p->size);
    delete p;
  }));
  out.Set("byteLength", Napi::Number::New(env, double(m.size)));
  return out;
}

// firstNonFinite({file, byteOffset}, count) -> index of the first NaN/Inf of `count` float32 at
// byteOffset of a mapped table, or -1.
Napi::Value FirstNonFinite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const size_t count = size_t(info[1].ToNumber().Int64Value());
  const float* x = reinterpret_cast<const float*>(mappedBytes(env, info[0], double(count) * sizeof(float)));
  for (size_t i = 0; i < count; i++)
    if (!std::isfinite(x[i])) return Napi::Number::New(env, double(i));
  return Napi::Number::New(env, -1);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("modelNames", Napi::Function::New(env, ModelNames));
  exports.Set("modelWidths", Napi::Function::New(env, ModelWidths));
  exports.Set("buildInfo", Napi::Function::New(env, BuildInfo));
  exports.Set("gradients", Napi::Function::New(env, Gradients));
  exports.Set("score", Napi::Function::New(env, Score));
  exports.Set("scoreAsync", Napi::Function::New(env, ScoreAsync));
  exports.Set("train", Napi::Function::New(env, Train));
  exports.Set("mapTable", Napi::Function::New(env, MapTable));
  exports.Set("firstNonFinite", Napi::Function::New(env, FirstNonFinite));
  exports.Set("peakFlops", Napi::Function::New(env, PeakFlops));
  walk::registerWalkFunctions(env, exports);
  priors::registerPriors(env, exports);
  ensemble::registerEnsemble(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(kgc_native, Init)
