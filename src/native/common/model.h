// Model interface: an interaction is split into a relation operator (prep + apply) and a
// comparator (PyTorch-BigGraph's operator x comparator). The operator turns the kept entity of a
// triple into a query vector q for one side; the comparator scores q against candidate entities.
// Score = gamma - distance for distance comparators, the plain dot product otherwise.
#pragma once
#include <cstdint>
#include <cstddef>

namespace kgc {

enum class Comparator : int { Dot = 0, L2 = 1, L1 = 2, Modulus = 3, BlockL2 = 4 };

struct ModelShape {
  int dim;        // entity width in floats (= query width)
  int relWidth;   // relation row width after the encoder (what the operator reads)
  int prepWidth;  // width of the prepared relation (e.g. cos/sin, orthonormal blocks)
  int block;      // comparator block (BlockL2) / model block (OTE size); 1 when unused
  float gamma;    // margin of distance models
  float phaseScale;  // RotatE: phase = raw * phaseScale
};

// All pointers are single rows. `tail` = true: q = op(head, r), compared with candidate tails;
// false: q = op^-1(tail, r), compared with candidate heads. Backward functions ACCUMULATE.
struct ModelKernel {
  const char* name;
  Comparator comparator;
  int (*relWidth)(int dim, int block);   // relation row width the operator reads
  int (*prepWidth)(int dim, int block);  // prepared relation width
  void (*prep)(const float* r, float* p, const ModelShape& s);
  void (*prepBackward)(const float* r, const float* p, const float* dp, float* dr, const ModelShape& s);
  void (*apply)(const float* e, const float* p, float* q, bool tail, const ModelShape& s);
  void (*applyBackward)(const float* e, const float* p, const float* dq, float* de, float* dp, bool tail,
                        const ModelShape& s);
  // N3 (1-N training): the planes of a raw row whose per-coordinate modulus is cubed (1 real,
  // 2 complex, 4 quaternion: coordinate i is x[p * width / parts + i]); relation 0: the operator
  // has unit modulus (rotations, unit quaternions, orthogonal blocks), its rows are not regularised.
  int entityParts, relationParts;
};

inline int sameWidth(int dim, int) { return dim; }

// Registry (kernels/registry.cc). A kernel file registers its kernels at load time with
// KGC_REGISTER_MODEL(kernel) at namespace scope; findModel gives nullptr when a name is unknown,
// modelNames the registered names, sorted.
struct ModelRegistration {
  explicit ModelRegistration(const ModelKernel& k);
};
#define KGC_REGISTER_MODEL(k) static const ::kgc::ModelRegistration kgcRegistered_##k{k}

const ModelKernel* findModel(const char* name);
const char* const* modelNames(int* count);

}  // namespace kgc
