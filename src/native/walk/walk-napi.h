// N-API registration of the graph-walk kernels (walks, skip-gram, smoothing, row encoding);
// addon.cc calls registerWalkFunctions once. Validation with user-facing messages lives in
// src/backends/native/walk-binding.ts; the checks here only keep memory access in bounds.
#pragma once
#include <napi.h>

namespace kgc::walk {
void registerWalkFunctions(Napi::Env env, Napi::Object exports);
}
