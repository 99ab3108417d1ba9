// Reading N-API arguments into kernel pointers, shared by the registration files (addon.cc,
// walk/walk-napi.cc). These checks only keep memory access in bounds; user-facing validation
// lives in src/backends/native/*.ts.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>
#include "engine.h"
#include "model.h"

namespace kgc::napi {

[[noreturn]] inline void fail(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, "kgc native: " + msg); }

// The data of typed array o[key] of the given type with at least `need` elements (or null when
// optional and absent).
template <typename T>
T* typed(Napi::Env env, const Napi::Object& o, const char* key, napi_typedarray_type type, size_t need,
         bool optional = false) {
  Napi::Value v = o.Get(key);
  if (optional && (v.IsUndefined() || v.IsNull())) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) fail(env, std::string(key) + " has the wrong type");
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  if (a.ElementLength() < need) fail(env, std::string(key) + " is too short");
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

inline double num(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) fail(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// indptr [numEntities + 1] (float64), neighbor/relation [indptr[numEntities]]; the binding has
// checked that indptr rises from 0 and that the ids are in range.
inline Adjacency parseAdjacency(Napi::Env env, const Napi::Object& o, int64_t numEntities) {
  Adjacency a;
  a.indptr = typed<double>(env, o, "indptr", napi_float64_array, size_t(numEntities) + 1);
  const size_t edges = size_t(a.indptr[numEntities]);
  a.neighbor = typed<int32_t>(env, o, "neighbor", napi_int32_array, edges);
  a.relation = typed<int32_t>(env, o, "relation", napi_int32_array, edges);
  return a;
}

// The kernel named o.model and its shape from o {model, dim, block, gamma, phaseScale}.
inline const ModelKernel* parseModel(Napi::Env env, const Napi::Object& o, ModelShape& s) {
  const std::string name = o.Get("model").ToString().Utf8Value();
  const ModelKernel* model = findModel(name.c_str());
  if (!model) fail(env, "unknown model " + name);
  s.dim = int(num(o, "dim"));
  s.block = int(num(o, "block"));
  s.gamma = float(num(o, "gamma"));
  s.phaseScale = float(num(o, "phaseScale"));
  if (s.dim <= 0 || s.block <= 0 || s.dim % s.block != 0 || s.block > 512) fail(env, "bad dim/block");
  s.relWidth = model->relWidth(s.dim, s.block);
  s.prepWidth = model->prepWidth(s.dim, s.block);
  return model;
}

}  // namespace kgc::napi
