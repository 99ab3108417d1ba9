#include "objective-napi.h"
#include <string>
#include "../common/napi-args.h"
#include "objective.h"

namespace kgc::ensemble {

namespace {

using napi::fail;
using napi::num;
using napi::typed;

// problem = {inputs, queries, alwaysAhead, offsets, columns: Float32Array[], tieAhead}; the binding
// has checked that offsets rise from 0 to E = tieAhead.length.
Problem problemArg(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) fail(env, "problem must be an object");
  const Napi::Object o = v.As<Napi::Object>();
  Problem p;
  p.M = int(num(o, "inputs"));
  p.Q = int(num(o, "queries"));
  if (p.M <= 0 || p.Q < 0) fail(env, "bad problem sizes");
  const Napi::Value tie = o.Get("tieAhead");
  if (!tie.IsTypedArray()) fail(env, "tieAhead has the wrong type");
  const size_t E = tie.As<Napi::TypedArray>().ElementLength();
  p.tieAhead = typed<uint8_t>(env, o, "tieAhead", napi_uint8_array, E);
  p.alwaysAhead = typed<int32_t>(env, o, "alwaysAhead", napi_int32_array, size_t(p.Q));
  p.offsets = typed<int32_t>(env, o, "offsets", napi_int32_array, size_t(p.Q) + 1);
  if (p.offsets[p.Q] != int64_t(E)) fail(env, "offsets do not end at the entry count");
  const Napi::Value cols = o.Get("columns");
  if (!cols.IsArray() || cols.As<Napi::Array>().Length() != uint32_t(p.M)) fail(env, "columns must be an array of M arrays");
  Napi::Object holder = Napi::Object::New(env);
  for (int m = 0; m < p.M; m++) {
    holder.Set("column", cols.As<Napi::Array>().Get(uint32_t(m)));
    p.columns.push_back(typed<float>(env, holder, "column", napi_float32_array, E));
  }
  return p;
}

const int32_t* queriesArg(Napi::Env env, const Napi::Value& v, const Problem& p, int64_t& n) {
  Napi::Object holder = Napi::Object::New(env);
  holder.Set("queries", v);
  if (!v.IsTypedArray()) fail(env, "queries has the wrong type");
  n = int64_t(v.As<Napi::TypedArray>().ElementLength());
  const int32_t* q = typed<int32_t>(env, holder, "queries", napi_int32_array, size_t(n));
  for (int64_t i = 0; i < n; i++)
    if (q[i] < 0 || q[i] >= p.Q) fail(env, "query id out of range");
  return q;
}

int threadsArg(Napi::Env env, const Napi::Value& v) {
  const int T = v.ToNumber().Int32Value();
  if (T < 1 || T > 256) fail(env, "threads must be in [1, 256]");
  return T;
}

// ensembleBlendUnits(problem, queries, weights [B, M], B, threads, out [B] float64): MRR units
Napi::Value BlendUnits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Problem p = problemArg(env, info[0]);
  int64_t n = 0;
  const int32_t* queries = queriesArg(env, info[1], p, n);
  const int B = info[3].ToNumber().Int32Value();
  if (B < 1) fail(env, "B must be positive");
  Napi::Object args = Napi::Object::New(env);
  args.Set("weights", info[2]);
  args.Set("out", info[5]);
  const double* weights = typed<double>(env, args, "weights", napi_float64_array, size_t(B) * size_t(p.M));
  double* out = typed<double>(env, args, "out", napi_float64_array, size_t(B));
  std::vector<int64_t> units(static_cast<size_t>(B));
  blendUnits(p, queries, n, weights, B, threadsArg(env, info[4]), units.data());
  for (int b = 0; b < B; b++) out[b] = double(units[size_t(b)]);
  return env.Undefined();
}

// ensembleLineSearch(problem, queries, dot [E], c, current, threads) -> {value, units}
Napi::Value LineSearch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Problem p = problemArg(env, info[0]);
  int64_t n = 0;
  const int32_t* queries = queriesArg(env, info[1], p, n);
  Napi::Object args = Napi::Object::New(env);
  args.Set("dot", info[2]);
  const double* dot = typed<double>(env, args, "dot", napi_float64_array, size_t(p.offsets[p.Q]));
  const int c = info[3].ToNumber().Int32Value();
  if (c < 0 || c >= p.M) fail(env, "input index out of range");
  const double current = info[4].ToNumber().DoubleValue();
  const LineResult r = lineSearch(p, queries, n, dot, c, current, threadsArg(env, info[5]));
  Napi::Object o = Napi::Object::New(env);
  o.Set("value", r.value);
  o.Set("units", double(r.units));
  return o;
}

}  // namespace

void registerEnsemble(Napi::Env env, Napi::Object exports) {
  exports.Set("ensembleBlendUnits", Napi::Function::New(env, BlendUnits));
  exports.Set("ensembleLineSearch", Napi::Function::New(env, LineSearch));
}

}  // namespace kgc::ensemble
