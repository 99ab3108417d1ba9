/**
 * ComplEx (Trouillon et al. 2016). Vectors are [re(k) ; im(k)], k = dim / 2.
 * score(h, r, t) = Re(sum_k h_k r_k conj(t_k)).
 *   tail side: q = h * r, score = <q, [t_re ; t_im]>
 *   head side: q = t * conj(r), score = <q, [h_re ; h_im]>   (Re(h w) with w = r conj(t))
 * Shapes: entity [E, dim], relation [R, dim].
 */
import { complexProduct, type Interaction, type ModelShape } from "./interaction.js";
import { tfComplexProduct } from "./tf-ops.js";

export const complex: Interaction = {
  name: "complex",
  summary: "ComplEx, Re(<h, r, conj t>)",
  comparator: "dot",
  defaults: { gamma: 8, block: 1 },
  n3Parts: { entity: 2, relation: 2 },
  dimMultiple: () => 2,
  relationWidth: (dim) => dim,
  initRange: (gamma, dim) => (gamma + 2) / (dim / 2),
  phaseScale: () => 1,
  prepare: (raw) => Float64Array.from(raw),
  query: (e: ArrayLike<number>, r: Float64Array, tail: boolean, s: ModelShape) => complexProduct(e, r, !tail, s.dim / 2),
  tfQuery: (tf, e, r, tail, s) => tfComplexProduct(tf, e, r, !tail, s.dim / 2),
};
