// Reading N-API arguments into kernel pointers, shared by the registration files (addon.cc,
// walk/walk-napi.cc). These checks only keep memory access in bounds; user-facing validation
// lives in src/backends/native/*.ts.
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>
#include "engine.h"
#include "mmap.h"
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

// `bytes` bytes at m.byteOffset of the file behind m.file, a mapTable handle (any size: an
// ArrayBuffer stops at 4 GiB in Node 20), bounds-checked against the mapping.
inline uint8_t* mappedBytes(Napi::Env env, const Napi::Value& m, double bytes) {
  if (!m.IsObject() || !m.As<Napi::Object>().Get("file").IsExternal()) fail(env, "a mapping's file must be a mapTable handle");
  const Mapping& f = *m.As<Napi::Object>().Get("file").As<Napi::External<Mapping>>().Data();
  const double offset = num(m.As<Napi::Object>(), "byteOffset");
  if (offset < 0 || offset + bytes > double(f.size)) fail(env, "mapped data is out of the file");
  return static_cast<uint8_t*>(f.data) + size_t(offset);
}

// The concat encoder's frozen features o.feat, `count` values: a Uint16Array (float16 bits) or
// Float32Array, or {file, byteOffset, dtype: "float16" | "float32"} inside a mapped file. Sets
// e.feat and e.featDtype (1 float16, 2 float32).
inline void parseFeatures(Napi::Env env, const Napi::Object& o, size_t count, EncoderTables& e) {
  const Napi::Value f = o.Get("feat");
  if (f.IsTypedArray()) {
    const auto ft = f.As<Napi::TypedArray>().TypedArrayType();
    e.featDtype = ft == napi_uint16_array ? 1 : (ft == napi_float32_array ? 2 : 0);
    if (e.featDtype == 0) fail(env, "feat must be Uint16Array (float16 bits) or Float32Array");
    e.feat = e.featDtype == 1 ? static_cast<const void*>(typed<uint16_t>(env, o, "feat", ft, count))
                              : static_cast<const void*>(typed<float>(env, o, "feat", ft, count));
    return;
  }
  if (!f.IsObject()) fail(env, "feat must be a typed array or mapped features");
  const std::string dtype = f.As<Napi::Object>().Get("dtype").ToString().Utf8Value();
  e.featDtype = dtype == "float16" ? 1 : (dtype == "float32" ? 2 : 0);
  if (e.featDtype == 0) fail(env, "mapped feat.dtype must be float16 or float32");
  const size_t bytes = e.featDtype == 1 ? sizeof(uint16_t) : sizeof(float);
  const uint8_t* p = mappedBytes(env, f, double(count) * double(bytes));
  if (reinterpret_cast<uintptr_t>(p) % bytes != 0) fail(env, "mapped feat is misaligned");
  e.feat = p;
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
