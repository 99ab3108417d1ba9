/**
 * TransE (Bordes et al. 2013). score(h, r, t) = gamma - ||h + r - t||_p, p = 1 ("transe-l1") or
 * p = 2 ("transe-l2", not squared, as DGL-KE's TransE_l2).
 *   tail side: q = h + r  vs candidate tails      head side: q = t - r  vs candidate heads
 * Shapes: entity [E, dim], relation [R, dim]. Defaults: gamma 8 (seed), dim 200.
 * Gradients: d/dq ||q - c||_2 = (q - c) / ||q - c|| (0 when q == c: FB15k-237 has h == t triples).
 * The L2 block form uses ||q - c||^2 = ||q||^2 + ||c||^2 - 2 q.c: three GEMMs per step.
 */
import type { Interaction, ModelShape } from "./interaction.js";

function transe(p: 1 | 2): Interaction {
  return {
    name: `transe-l${p}`,
    summary: `TransE, gamma - ||h + r - t||_${p}`,
    comparator: p === 1 ? "l1" : "l2",
    defaults: { gamma: 8, block: 1 },
    n3Parts: { entity: 1, relation: 1 },
    dimMultiple: () => 1,
    relationWidth: (dim) => dim,
    initRange: (gamma, dim) => (gamma + 2) / dim,
    phaseScale: () => 1,
    prepare: (raw) => Float64Array.from(raw),
    query(e: ArrayLike<number>, r: Float64Array, tail: boolean, s: ModelShape): Float64Array {
      const q = new Float64Array(s.dim);
      const sg = tail ? 1 : -1;
      for (let k = 0; k < s.dim; k++) q[k] = e[k]! + sg * r[k]!;
      return q;
    },
    tfQuery: (tf, e, r, tail) => (tail ? tf.add(e, r) : tf.sub(e, r)),
  };
}

export const transeL1 = transe(1);
export const transeL2 = transe(2);
