// Registers the candidate-feature kernels (priorsBuild, priorsListCounts, priorsFeatures) on the addon.
#pragma once
#include <napi.h>

namespace kgc::priors {
void registerPriors(Napi::Env env, Napi::Object exports);
}
