// Input encoders for entity / relation rows.
//   shallow: x = u                                   (u = learned row)
//   concat : x = W [f ; u] + b, W shape [out, F + raw], f the frozen feature row (fp16 or fp32)
// Forward over a list of unique ids; backward returns dL/du per id and accumulates dW, db.
#pragma once
#include <cstdint>
#include <vector>

namespace kgc {

struct EncoderTables {
  bool concat = false;
  float* rows = nullptr;      // shape: [numRows, raw]
  float* rowState = nullptr;  // shape: [numRows] Adagrad state
  float *rowM = nullptr, *rowV = nullptr;  // shape: [numRows, raw] row Adam moments (rowAdam only)
  int64_t numRows = 0;
  int raw = 0;                // learned row width
  int out = 0;                // encoded width (what the model reads)
  const void* feat = nullptr;  // shape: [numRows, featDim]
  int featDtype = 0;           // 1 = float16, 2 = float32
  int featDim = 0;
  float *W = nullptr, *b = nullptr;             // shape: [out, featDim + raw], [out]
  float *mW = nullptr, *vW = nullptr, *mb = nullptr, *vb = nullptr;
  int64_t wSize() const { return int64_t(out) * (featDim + raw); }
};

struct EncoderWork {
  std::vector<float> Z;  // shape: [U, featDim + raw] concat input, kept for backward
};

// shape: ids [U], X [U, out]
void encoderForward(const EncoderTables& e, const int32_t* ids, int U, float* X, EncoderWork& w);
// shape: dX [U, out] -> dRaw [U, raw] (overwritten); dW [out, featDim + raw], db [out] accumulated
void encoderBackward(const EncoderTables& e, const int32_t* ids, int U, const float* dX, float* dRaw, float* dW,
                     float* db, EncoderWork& w);

}  // namespace kgc
