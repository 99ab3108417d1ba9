/**
 * DistMult (Yang et al. 2015). score(h, r, t) = sum_k h_k r_k t_k (symmetric): both sides use
 * q = e * r, compared by dot product (one GEMM per step forward, two backward).
 * Shapes: entity [E, dim], relation [R, dim].
 */
import type { Interaction, ModelShape } from "./interaction.js";

export const distmult: Interaction = {
  name: "distmult",
  summary: "DistMult, <h, r, t>",
  comparator: "dot",
  defaults: { gamma: 8, block: 1 },
  n3Parts: { entity: 1, relation: 1 },
  dimMultiple: () => 1,
  relationWidth: (dim) => dim,
  initRange: (gamma, dim) => (gamma + 2) / dim,
  phaseScale: () => 1,
  prepare: (raw) => Float64Array.from(raw),
  query(e: ArrayLike<number>, r: Float64Array, _tail: boolean, s: ModelShape): Float64Array {
    const q = new Float64Array(s.dim);
    for (let k = 0; k < s.dim; k++) q[k] = e[k]! * r[k]!;
    return q;
  },
  tfQuery: (tf, e, r) => tf.mul(e, r),
};
