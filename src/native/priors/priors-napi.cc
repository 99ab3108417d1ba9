// N-API registration of the candidate-feature kernels (priors.h). The tables live in a C++
// object behind an External handle that also holds references to the JS CSR arrays it borrows.
// User-facing validation is in src/backends/native/priors-binding.ts; the checks here only stop
// a wrong call from touching memory out of bounds.
#include "priors-napi.h"
#include <memory>
#include <string>
#include "priors.h"

namespace kgc::priors {

namespace {

struct Handle {
  Tables t;
  Napi::ObjectReference keep[2];  // the out/in neighbor arrays (not indptr and relation: read at build only)
};

[[noreturn]] void fail(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, "kgc native priors: " + msg); }

template <typename T>
T* typedArg(Napi::Env env, const Napi::Value& v, napi_typedarray_type type, size_t need, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) fail(env, std::string(what) + " has the wrong type");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  if (a.ElementLength() < need) fail(env, std::string(what) + " is too short");
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

Adjacency adjacencyArg(Napi::Env env, const Napi::Object& o, int64_t E) {
  Adjacency a;
  a.indptr = typedArg<double>(env, o.Get("indptr"), napi_float64_array, size_t(E) + 1, "indptr");
  const size_t edges = size_t(a.indptr[E]);
  a.neighbor = typedArg<int32_t>(env, o.Get("neighbor"), napi_int32_array, edges, "neighbor");
  a.relation = typedArg<int32_t>(env, o.Get("relation"), napi_int32_array, edges, "relation");
  return a;
}

Handle* handleArg(Napi::Env env, const Napi::Value& v) {
  if (!v.IsExternal()) fail(env, "not a priors handle");
  return v.As<Napi::External<Handle>>().Data();
}

// Marks the handle busy for the lifetime of one async call (its scratch is not shareable).
class HandleWorker : public Napi::AsyncWorker {
 public:
  HandleWorker(Napi::Env env, Handle* h, Napi::Value handleValue)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), h_(h) {
    if (handleValue.IsExternal()) keepHandle_ = Napi::Persistent(handleValue.As<Napi::External<Handle>>());
  }
  // Queues the worker unless the handle is busy (then the worker is dropped and the call throws).
  static Napi::Value start(Napi::Env env, HandleWorker* w) {
    if (w->h_->t.busy.exchange(true)) {
      delete w;
      fail(env, "the handle is in use by another call");
    }
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
  }
  void OnOK() override {
    h_->t.busy = false;
    deferred_.Resolve(result());
  }
  void OnError(const Napi::Error& e) override {
    h_->t.busy = false;
    deferred_.Reject(e.Value());
  }

 protected:
  virtual Napi::Value result() { return Env().Undefined(); }
  Napi::Promise::Deferred deferred_;
  Handle* h_;
  Napi::Reference<Napi::External<Handle>> keepHandle_;
};

class BuildWorker : public HandleWorker {
 public:
  BuildWorker(Napi::Env env, std::unique_ptr<Handle> owned, const Adjacency& out, const Adjacency& in, int threads)
      : HandleWorker(env, owned.get(), env.Undefined()), owned_(std::move(owned)), out_(out), in_(in), threads_(threads) {}
  void Execute() override { buildTables(h_->t, out_, in_, threads_); }

 protected:
  Napi::Value result() override {
    return Napi::External<Handle>::New(Env(), owned_.release(), [](Napi::Env, Handle* h) { delete h; });
  }

 private:
  std::unique_ptr<Handle> owned_;
  Adjacency out_, in_;
  int threads_;

 public:
  Napi::ObjectReference keepCsr[4];  // indptr and relation of both directions, alive until the build is done
};

// build(out, in, numEntities, numRelations, threads) -> Promise<handle>
Napi::Value Build(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto h = std::make_unique<Handle>();
  h->t.E = info[2].ToNumber().Int64Value();
  h->t.R = info[3].ToNumber().Int32Value();
  const int threads = info[4].ToNumber().Int32Value();
  if (h->t.E <= 0 || h->t.R <= 0 || threads < 1 || threads > 256) fail(env, "bad sizes/threads");
  const Adjacency out = adjacencyArg(env, info[0].As<Napi::Object>(), h->t.E);
  const Adjacency in = adjacencyArg(env, info[1].As<Napi::Object>(), h->t.E);
  if (out.indptr[h->t.E] > double(MAX_EDGES)) fail(env, "more edges than the 32-bit offsets of the tables hold");
  for (int d = 0; d < 2; d++) h->keep[d] = Napi::Persistent(info[d].As<Napi::Object>().Get("neighbor").As<Napi::Object>());
  auto* w = new BuildWorker(env, std::move(h), out, in, threads);
  for (int d = 0; d < 2; d++) {
    const Napi::Object csr = info[d].As<Napi::Object>();
    w->keepCsr[2 * d] = Napi::Persistent(csr.Get("indptr").As<Napi::Object>());
    w->keepCsr[2 * d + 1] = Napi::Persistent(csr.Get("relation").As<Napi::Object>());
  }
  return HandleWorker::start(env, w);
}

class CountsWorker : public HandleWorker {
 public:
  CountsWorker(Napi::Env env, const Napi::CallbackInfo& info) : HandleWorker(env, handleArg(env, info[0]), info[0]) {
    Q_ = int64_t(info[1].As<Napi::TypedArray>().ElementLength());
    K_ = info[4].ToNumber().Int32Value();
    threads_ = info[5].ToNumber().Int32Value();
    rel_ = typedArg<int32_t>(env, info[1], napi_int32_array, size_t(Q_), "relation");
    head_ = typedArg<int32_t>(env, info[2], napi_int32_array, size_t(Q_), "head");
    cands_ = typedArg<int32_t>(env, info[3], napi_int32_array, size_t(Q_) * size_t(K_), "candidates");
    for (int i = 1; i <= 3; i++) keep_[i - 1] = Napi::Persistent(info[i].As<Napi::Object>());
  }
  void Execute() override { buildListCounts(h_->t, rel_, head_, Q_, cands_, K_, threads_); }

 private:
  int64_t Q_ = 0;
  int K_ = 0, threads_ = 1;
  const int32_t *rel_ = nullptr, *head_ = nullptr, *cands_ = nullptr;
  Napi::ObjectReference keep_[3];
};

// listCounts(handle, relation [Q], head [Q], candidates [Q, K], K, threads) -> Promise<void>
Napi::Value ListCountsFn(const Napi::CallbackInfo& info) {
  return HandleWorker::start(info.Env(), new CountsWorker(info.Env(), info));
}

class FeaturesWorker : public HandleWorker {
 public:
  FeaturesWorker(Napi::Env env, const Napi::CallbackInfo& info) : HandleWorker(env, handleArg(env, info[0]), info[0]) {
    if (!h_->t.byRelation.ready) fail(env, "list counts not built");
    B_ = int(info[1].As<Napi::TypedArray>().ElementLength());
    queryStart_ = info[3].ToNumber().Int64Value();
    K_ = info[5].ToNumber().Int32Value();
    hubLimit_ = info[7].ToNumber().Int32Value();
    threads_ = info[8].ToNumber().Int32Value();
    const size_t n = size_t(B_) * size_t(K_);
    head_ = typedArg<int32_t>(env, info[1], napi_int32_array, size_t(B_), "head");
    rel_ = typedArg<int32_t>(env, info[2], napi_int32_array, size_t(B_), "relation");
    cands_ = typedArg<int32_t>(env, info[4], napi_int32_array, n, "candidates");
    const Napi::Array outs = info[6].As<Napi::Array>();
    if (outs.Length() != NUM_FEATURES) fail(env, "outs must hold one array per feature");
    for (uint32_t f = 0; f < NUM_FEATURES; f++) out_[f] = typedArg<float>(env, outs.Get(f), napi_float32_array, n, "out");
    if (queryStart_ < 0 || size_t(queryStart_) + size_t(B_) > h_->t.byRelation.groupOfQuery.size()) fail(env, "queries outside the counted split");
    const int kept[4] = {1, 2, 4, 6};  // the arrays, alive until the worker is done
    for (int i = 0; i < 4; i++) keep_[i] = Napi::Persistent(info[kept[i]].As<Napi::Object>());
  }
  void Execute() override { computeFeatures(h_->t, head_, rel_, queryStart_, B_, cands_, K_, out_, hubLimit_, threads_); }

 private:
  int B_ = 0, K_ = 0, hubLimit_ = 0, threads_ = 1;
  int64_t queryStart_ = 0;
  const int32_t *head_ = nullptr, *rel_ = nullptr, *cands_ = nullptr;
  float* out_[NUM_FEATURES] = {};
  Napi::ObjectReference keep_[4];
};

// features(handle, head [B], relation [B], queryStart, candidates [B, K], K, outs[NUM_FEATURES] ([B, K] each),
//          hubLimit, threads) -> Promise<void>
Napi::Value FeaturesFn(const Napi::CallbackInfo& info) {
  return HandleWorker::start(info.Env(), new FeaturesWorker(info.Env(), info));
}

}  // namespace

void registerPriors(Napi::Env env, Napi::Object exports) {
  exports.Set("priorsBuild", Napi::Function::New(env, Build));
  exports.Set("priorsListCounts", Napi::Function::New(env, ListCountsFn));
  exports.Set("priorsFeatures", Napi::Function::New(env, FeaturesFn));
}

}  // namespace kgc::priors
