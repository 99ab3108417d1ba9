// N-API registration of the ensemble objective kernels (objective.h); addon.cc calls
// registerEnsemble once. User-facing validation lives in src/backends/native/ensemble-binding.ts;
// the checks here only keep memory access in bounds.
#pragma once
#include <napi.h>

namespace kgc::ensemble {
void registerEnsemble(Napi::Env env, Napi::Object exports);
}
