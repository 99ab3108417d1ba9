/**
 * QuatE (Zhang et al. 2019). Vectors are four parts [a ; b ; c ; d] of m = dim / 4 quaternions.
 * The relation is normalised per quaternion, r^ = r / |r|, and
 *   score(h, r, t) = <h (x) r^, t>      ((x) = Hamilton product)
 *   tail side: q = h (x) r^;  head side: q = t (x) conj(r^)   (right-multiplying by a unit
 *   quaternion is orthogonal; its adjoint multiplies by the conjugate, so the scores agree)
 * Hamilton product p (x) r:
 *   A = a1a2 - b1b2 - c1c2 - d1d2     B = a1b2 + b1a2 + c1d2 - d1c2
 *   C = a1c2 - b1d2 + c1a2 + d1b2     D = a1d2 + b1c2 - c1b2 + d1a2
 * Shapes: entity [E, dim], relation [R, dim]. Defaults: gamma 8 (seed script; unused by the dot score).
 */
import type { Interaction, ModelShape } from "./interaction.js";

export function hamilton(p: ArrayLike<number>, r: ArrayLike<number>, conj: boolean, m: number): Float64Array {
  const q = new Float64Array(4 * m);
  const sg = conj ? -1 : 1;
  for (let i = 0; i < m; i++) {
    const a1 = p[i]!, b1 = p[m + i]!, c1 = p[2 * m + i]!, d1 = p[3 * m + i]!;
    const a2 = r[i]!, b2 = sg * r[m + i]!, c2 = sg * r[2 * m + i]!, d2 = sg * r[3 * m + i]!;
    q[i] = a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2;
    q[m + i] = a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2;
    q[2 * m + i] = a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2;
    q[3 * m + i] = a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2;
  }
  return q;
}

export const quate: Interaction = {
  name: "quate",
  summary: "QuatE, <h (x) r/|r|, t>",
  comparator: "dot",
  defaults: { gamma: 8, block: 1 },
  dimMultiple: () => 4,
  relationWidth: (dim) => dim,
  initRange: (gamma, dim) => (gamma + 2) / (dim / 4),
  phaseScale: () => 1,
  prepare(raw: ArrayLike<number>, s: ModelShape): Float64Array {
    const m = s.dim / 4;
    const p = new Float64Array(s.dim);
    for (let i = 0; i < m; i++) {
      const n = Math.sqrt(raw[i]! ** 2 + raw[m + i]! ** 2 + raw[2 * m + i]! ** 2 + raw[3 * m + i]! ** 2 + 1e-10);
      for (let part = 0; part < 4; part++) p[part * m + i] = raw[part * m + i]! / n;
    }
    return p;
  },
  query: (e: ArrayLike<number>, p: Float64Array, tail: boolean, s: ModelShape) => hamilton(e, p, !tail, s.dim / 4),
};
