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
import type { Tensor2D } from "@tensorflow/tfjs";
import type { Interaction, ModelShape } from "./interaction.js";
import { cols, type Tf } from "./tf-ops.js";

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

/** tfjs form of the Hamilton product p (x) r (or p (x) conj(r)) per row. shape: [B, 4m] */
function tfHamilton(tf: Tf, p: Tensor2D, r: Tensor2D, conj: boolean, m: number): Tensor2D {
  const [a1, b1, c1, d1] = [0, 1, 2, 3].map((i) => cols(tf, p, i * m, m)) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
  const sg = conj ? -1 : 1;
  const [a2, b2, c2, d2] = [0, 1, 2, 3].map((i) => tf.mul(cols(tf, r, i * m, m), i === 0 ? 1 : sg)) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
  const A = tf.sub(tf.sub(tf.sub(tf.mul(a1, a2), tf.mul(b1, b2)), tf.mul(c1, c2)), tf.mul(d1, d2));
  const B = tf.sub(tf.add(tf.add(tf.mul(a1, b2), tf.mul(b1, a2)), tf.mul(c1, d2)), tf.mul(d1, c2));
  const C = tf.add(tf.add(tf.sub(tf.mul(a1, c2), tf.mul(b1, d2)), tf.mul(c1, a2)), tf.mul(d1, b2));
  const D = tf.add(tf.sub(tf.add(tf.mul(a1, d2), tf.mul(b1, c2)), tf.mul(c1, b2)), tf.mul(d1, a2));
  return tf.concat([A, B, C, D], 1) as Tensor2D;
}

/** tfjs: each quaternion of the relation row divided by its norm. shape: [B, dim] */
function tfNormalise(tf: Tf, r: Tensor2D, s: ModelShape): Tensor2D {
  const m = s.dim / 4;
  const parts = [0, 1, 2, 3].map((i) => cols(tf, r, i * m, m));
  const n = tf.sqrt(tf.add(parts.map((p) => tf.square(p)).reduce((a, b) => tf.add(a, b)), 1e-10));
  return tf.concat(parts.map((p) => tf.div(p, n)), 1) as Tensor2D;
}

export const quate: Interaction = {
  name: "quate",
  summary: "QuatE, <h (x) r/|r|, t>",
  comparator: "dot",
  defaults: { gamma: 8, block: 1 },
  n3Parts: { entity: 4, relation: 0 },
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
  tfQuery: (tf, e, r, tail, s) => tfHamilton(tf, e, tfNormalise(tf, r, s), !tail, s.dim / 4),
};
