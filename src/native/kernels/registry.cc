// The native model registry: one entry per kernel header, looked up by name.
#include <cstring>
#include "../common/model.h"
#include "complex.h"
#include "distmult.h"
#include "ote.h"
#include "quate.h"
#include "rotate.h"
#include "transe.h"

namespace kgc {

static const ModelKernel* const kModels[] = {
    &transe::l1, &transe::l2, &distmult::kernel, &complex::kernel, &rotate::kernel,
    &quate::kernel, &ote::oteKernel, &ote::noteKernel,
};
static const char* kNames[sizeof(kModels) / sizeof(kModels[0])];

const ModelKernel* findModel(const char* name) {
  for (const ModelKernel* m : kModels)
    if (std::strcmp(m->name, name) == 0) return m;
  return nullptr;
}

const char* const* modelNames(int* count) {
  *count = int(sizeof(kModels) / sizeof(kModels[0]));
  for (int i = 0; i < *count; i++) kNames[i] = kModels[i]->name;
  return kNames;
}

}  // namespace kgc
