/**
 * RotatE (Sun et al. 2019). Entities are [re(k) ; im(k)], k = dim / 2; a relation row holds k
 * phases: theta = raw * phaseScale with phaseScale = pi / epsilon, epsilon = (gamma + 2) / k.
 * score(h, r, t) = gamma - sum_k |h_k r_k - t_k|,  r_k = e^{i theta_k}
 *   tail side: q = h * r vs tails;  head side: q = t * conj(r) vs heads (|r_k| = 1)
 * Backward: d|z|/dz = z / |z| per complex coordinate, with 1e-30 inside the root so z = 0 has
 * gradient 0. Hot loop = B x N x k square roots: vectorised reciprocal square roots (AVX-512).
 * Shapes: entity [E, dim], relation [R, dim / 2]. Defaults: gamma 8 (seed), dim 200.
 */
import type { Tensor2D } from "@tensorflow/tfjs";
import { complexProduct, type Interaction, type ModelShape } from "./interaction.js";
import { type Tf, tfComplexProduct } from "./tf-ops.js";

/** tfjs: phases -> [cos ; sin]. shape: [B, dim / 2] -> [B, dim] */
function tfRotation(tf: Tf, r: Tensor2D, s: ModelShape): Tensor2D {
  const th = tf.mul(r, s.phaseScale);
  return tf.concat([tf.cos(th), tf.sin(th)], 1) as Tensor2D;
}

export const rotate: Interaction = {
  name: "rotate",
  summary: "RotatE, gamma - sum |h * e^{i theta} - t|",
  comparator: "modulus",
  defaults: { gamma: 8, block: 1 },
  n3Parts: { entity: 2, relation: 0 },
  dimMultiple: () => 2,
  relationWidth: (dim) => dim / 2,
  initRange: (gamma, dim) => (gamma + 2) / (dim / 2),
  phaseScale: (gamma, dim) => Math.PI / ((gamma + 2) / (dim / 2)),
  prepare(raw: ArrayLike<number>, s: ModelShape): Float64Array {
    const k = s.dim / 2;
    const p = new Float64Array(s.dim);
    for (let i = 0; i < k; i++) {
      const th = raw[i]! * s.phaseScale;
      p[i] = Math.cos(th);
      p[k + i] = Math.sin(th);
    }
    return p;
  },
  query: (e: ArrayLike<number>, p: Float64Array, tail: boolean, s: ModelShape) => complexProduct(e, p, !tail, s.dim / 2),
  tfQuery: (tf, e, r, tail, s) => tfComplexProduct(tf, e, tfRotation(tf, r, s), !tail, s.dim / 2),
};
