// The native model registry: every kernel file registers its kernels at load time
// (KGC_REGISTER_MODEL), so adding a kernel touches no list here; looked up by name.
#include <algorithm>
#include <cstring>
#include <vector>
#include "../common/model.h"

namespace kgc {

namespace {
std::vector<const ModelKernel*>& kernels() {
  static std::vector<const ModelKernel*> all;  // filled before main by the registrations
  return all;
}
}  // namespace

ModelRegistration::ModelRegistration(const ModelKernel& k) { kernels().push_back(&k); }

const ModelKernel* findModel(const char* name) {
  for (const ModelKernel* m : kernels())
    if (std::strcmp(m->name, name) == 0) return m;
  return nullptr;
}

const char* const* modelNames(int* count) {
  static std::vector<const char*> names;
  names.clear();
  for (const ModelKernel* m : kernels()) names.push_back(m->name);
  std::sort(names.begin(), names.end(), [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
  *count = int(names.size());
  return names.data();
}

}  // namespace kgc
