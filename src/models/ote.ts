/**
 * OTE (Tang et al. 2020) and NOTE (KDD Cup 2021 winner). Entities: K = dim / k blocks of k floats.
 * A relation row: K blocks of k x (k [+1]) floats, row-major: matrix M and, for NOTE, a last
 * column s (one log scale per row of M).
 *   R = GramSchmidt(rows of M)      (recomputed every forward pass; gradient through it)
 *   OTE : sigma = sigma' = 1
 *   NOTE: sigma = sqrt(k) exp(s) / ||exp(s)||,  sigma' = sqrt(k) exp(-s) / ||exp(-s)||   (paper
 *         Eq. 3-4 scaled by sqrt(k) so s = 0 is OTE; the seed's code normalised over a size-1 axis,
 *         so its scale was always 1 -- here the scales get gradients and learn)
 *   tail side: q_j = sum_a e_a sigma_a R[a][j]         head side: q_j = sum_a e_a sigma'_a R[j][a]
 *   score = gamma - sum_blocks ||q_b - c_b||_2  (per-block L2: K GEMMs of inner size k)
 * Shapes: entity [E, dim], relation [R, dim * k] (OTE) or [R, dim * (k + 1)] (NOTE).
 * Defaults: gamma 12, block 20, dim 200 (seed). Init: U(-eps, eps) then orthonormal blocks, s = 0.
 */
import type { Tensor1D, Tensor2D } from "@tensorflow/tfjs";
import type { Interaction, ModelShape } from "./interaction.js";
import type { Tf } from "./tf-ops.js";

/** Gram-Schmidt on the k rows of a k x k block (read with row stride `cols`). shape: [k, k] */
export function gramSchmidt(m: ArrayLike<number>, offset: number, k: number, cols: number): Float64Array {
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let a = 0; a < k; a++) R[i * k + a] = m[offset + i * cols + a]!;
    for (let j = 0; j < i; j++) {
      let c = 0;
      for (let a = 0; a < k; a++) c += m[offset + i * cols + a]! * R[j * k + a]!;
      for (let a = 0; a < k; a++) R[i * k + a]! -= c * R[j * k + a]!;
    }
    let n2 = 0;
    for (let a = 0; a < k; a++) n2 += R[i * k + a]! ** 2;
    const inv = 1 / Math.sqrt(n2 + 1e-12);
    for (let a = 0; a < k; a++) R[i * k + a]! *= inv;
  }
  return R;
}

function normalisedScale(s: number[], sign: number, k: number): number[] {
  const x = s.map((v) => Math.exp(sign * v));
  const n = Math.sqrt(x.reduce((acc, v) => acc + v * v, 0));
  return x.map((v) => (Math.sqrt(k) * v) / n);
}

/** tfjs form of one row's query (tiny inputs: loops over blocks and rows). shape: [dim] */
function tfRowQuery(tf: Tf, e: Tensor1D, r: Tensor1D, tail: boolean, s: ModelShape, scaled: boolean): Tensor1D {
  const k = s.block, cw = scaled ? k + 1 : k, parts: Tensor1D[] = [];
  for (let b = 0; b < s.dim / k; b++) {
    const M = tf.reshape(tf.slice(r, [b * k * cw], [k * cw]), [k, cw]) as Tensor2D;
    const rows: Tensor1D[] = [];
    for (let i = 0; i < k; i++) {
      const mi = tf.squeeze(tf.slice(M, [i, 0], [1, k])) as Tensor1D;
      let u = mi;
      for (const rj of rows) u = tf.sub(u, tf.mul(tf.sum(tf.mul(mi, rj)), rj));
      rows.push(tf.div(u, tf.sqrt(tf.add(tf.sum(tf.square(u)), 1e-12))));
    }
    const R = tf.stack(rows) as Tensor2D;
    let sigma: Tensor1D = tf.ones([k]);
    if (scaled) {
      const x = tf.exp(tf.mul(tf.squeeze(tf.slice(M, [0, k], [k, 1])), tail ? 1 : -1)) as Tensor1D;
      sigma = tf.mul(tf.div(x, tf.norm(x)), Math.sqrt(k));
    }
    const w = tf.mul(tf.slice(e, [b * k], [k]), sigma) as Tensor1D;
    parts.push(tf.squeeze(tail ? tf.matMul(tf.expandDims(w, 0), R) : tf.matMul(R, tf.expandDims(w, 1))) as Tensor1D);
  }
  return tf.concat(parts) as Tensor1D;
}

function ote(scaled: boolean): Interaction {
  const cols = (k: number): number => (scaled ? k + 1 : k);
  return {
    name: scaled ? "note" : "ote",
    summary: scaled ? "NOTE, OTE with learned normalised per-row scales" : "OTE, block-diagonal orthogonal relations",
    comparator: "block-l2",
    defaults: { gamma: 12, block: 20 },
    n3Parts: { entity: 1, relation: 0 },
    dimMultiple: (block) => block,
    relationWidth: (dim, block) => (dim / block) * block * cols(block),
    initRange: (gamma, dim) => (gamma + 2) / dim,
    phaseScale: () => 1,
    initRelationRow(row: Float32Array, s: ModelShape): void {
      const k = s.block;
      const bw = k * cols(k);
      for (let b = 0; b < s.dim / k; b++) {
        const R = gramSchmidt(row, b * bw, k, cols(k));
        for (let i = 0; i < k; i++) {
          for (let a = 0; a < k; a++) row[b * bw + i * cols(k) + a] = R[i * k + a]!;
          if (scaled) row[b * bw + i * cols(k) + k] = 0;
        }
      }
    },
    // prepared layout per block: R (k*k), sigma (k), sigma' (k) -- as the native kernel
    prepare(raw: ArrayLike<number>, s: ModelShape): Float64Array {
      const k = s.block, nb = s.dim / k, bw = k * cols(k), pw = k * k + 2 * k;
      const p = new Float64Array(nb * pw);
      for (let b = 0; b < nb; b++) {
        p.set(gramSchmidt(raw, b * bw, k, cols(k)), b * pw);
        const sc = Array.from({ length: k }, (_, a) => (scaled ? raw[b * bw + a * cols(k) + k]! : 0));
        p.set(scaled ? normalisedScale(sc, 1, k) : sc.map(() => 1), b * pw + k * k);
        p.set(scaled ? normalisedScale(sc, -1, k) : sc.map(() => 1), b * pw + k * k + k);
      }
      return p;
    },
    query(e: ArrayLike<number>, p: Float64Array, tail: boolean, s: ModelShape): Float64Array {
      const k = s.block, nb = s.dim / k, pw = k * k + 2 * k;
      const q = new Float64Array(s.dim);
      for (let b = 0; b < nb; b++) {
        const R = b * pw, sg = R + k * k + (tail ? 0 : k);
        for (let j = 0; j < k; j++) {
          let acc = 0;
          for (let a = 0; a < k; a++) acc += e[b * k + a]! * p[sg + a]! * (tail ? p[R + a * k + j]! : p[R + j * k + a]!);
          q[b * k + j] = acc;
        }
      }
      return q;
    },
    tfQuery(tf, e, r, tail, s) {
      const rels = tf.unstack(r) as Tensor1D[];
      return tf.stack((tf.unstack(e) as Tensor1D[]).map((ei, i) => tfRowQuery(tf, ei, rels[i]!, tail, s, scaled))) as Tensor2D;
    },
  };
}

export const oteModel = ote(false);
export const noteModel = ote(true);
