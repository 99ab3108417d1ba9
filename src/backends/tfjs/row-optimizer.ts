/**
 * Sparse row updates scattered back into the host tables, the native engine's rules
 * (src/native/common/optim.h): row-wise Adagrad (state += mean g^2; row -= lr g / (sqrt(state) +
 * 1e-10)) or lazy Adam (only the batch's rows move their moments; bias correction by the global
 * step). Every unique row of the batch is updated, as the engine does, even where its gradient is 0.
 */
import type { EncoderTables } from "../../models/model-tables.js";

const BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

/** shape: ids [U], grad [U, e.raw]; `step` is the 0-based global step of this update */
export function updateRows(e: EncoderTables, ids: Int32Array, grad: Float32Array, adam: boolean, lr: number, step: number): void {
  const w = e.raw;
  if (!adam) {
    for (let u = 0; u < ids.length; u++) {
      const off = ids[u]! * w, g = u * w;
      let s = 0;
      for (let x = 0; x < w; x++) s += grad[g + x]! * grad[g + x]!;
      const state = (e.state[ids[u]!] = e.state[ids[u]!]! + s / w);
      const k = lr / (Math.sqrt(state) + 1e-10);
      for (let x = 0; x < w; x++) e.rows[off + x] = e.rows[off + x]! - k * grad[g + x]!;
    }
    return;
  }
  const stepSize = lr / (1 - BETA1 ** (step + 1)), invSqrtCorr2 = 1 / Math.sqrt(1 - BETA2 ** (step + 1));
  const m = e.rowM!, v = e.rowV!;
  for (let u = 0; u < ids.length; u++) {
    const off = ids[u]! * w, g = u * w;
    for (let x = 0; x < w; x++) {
      const gx = grad[g + x]!;
      const mx = (m[off + x] = BETA1 * m[off + x]! + (1 - BETA1) * gx);
      const vx = (v[off + x] = BETA2 * v[off + x]! + (1 - BETA2) * gx * gx);
      e.rows[off + x] = e.rows[off + x]! - (stepSize * mx) / (Math.sqrt(vx) * invSqrtCorr2 + EPS);
    }
  }
}
