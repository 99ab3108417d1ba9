/**
 * The score functions in TensorFlow.js ops, differentiated by autograd: an independent oracle
 * for the hand-written native backward passes (and the GPU path when tfjs-node-gpu exists).
 * Registered under the same names as the native kernels. Each builds the query q from the kept
 * entity and the (encoded) relation rows for one side, then the comparator scores [B, N].
 */
import type { Tensor1D, Tensor2D } from "@tensorflow/tfjs";
import { KgcError } from "../../core/errors.js";
import type { ModelShape } from "../../models/interaction.js";
import type { Tf } from "./load.js";

/** shape: keep [B, dim], rel [B, relWidth], cands [N, dim] -> scores [B, N] */
export type TfScore = (tf: Tf, keep: Tensor2D, rel: Tensor2D, cands: Tensor2D, tail: boolean, s: ModelShape) => Tensor2D;

const cols = (tf: Tf, x: Tensor2D, from: number, width: number): Tensor2D => tf.slice(x, [0, from], [-1, width]);

function l2(tf: Tf, q: Tensor2D, c: Tensor2D, s: ModelShape, block: number): Tensor2D {
  let dist: Tensor2D | null = null;
  for (let b = 0; b < s.dim; b += block) {
    const diff = tf.sub(tf.expandDims(cols(tf, q, b, block), 1), tf.expandDims(cols(tf, c, b, block), 0));
    const d = tf.sqrt(tf.sum(tf.square(diff), 2)) as Tensor2D;
    dist = dist ? (tf.add(dist, d) as Tensor2D) : d;
  }
  return tf.sub(s.gamma, dist!);
}

function l1(tf: Tf, q: Tensor2D, c: Tensor2D, s: ModelShape): Tensor2D {
  return tf.sub(s.gamma, tf.sum(tf.abs(tf.sub(tf.expandDims(q, 1), tf.expandDims(c, 0))), 2)) as Tensor2D;
}

function modulus(tf: Tf, q: Tensor2D, c: Tensor2D, s: ModelShape): Tensor2D {
  const k = s.dim / 2;
  const dre = tf.sub(tf.expandDims(cols(tf, q, 0, k), 1), tf.expandDims(cols(tf, c, 0, k), 0));
  const dim = tf.sub(tf.expandDims(cols(tf, q, k, k), 1), tf.expandDims(cols(tf, c, k, k), 0));
  return tf.sub(s.gamma, tf.sum(tf.sqrt(tf.add(tf.add(tf.square(dre), tf.square(dim)), 1e-30)), 2)) as Tensor2D;
}

const dot = (tf: Tf, q: Tensor2D, c: Tensor2D): Tensor2D => tf.matMul(q, c, false, true);

function complexProduct(tf: Tf, e: Tensor2D, r: Tensor2D, conj: boolean, k: number): Tensor2D {
  const [ere, eim, rre] = [cols(tf, e, 0, k), cols(tf, e, k, k), cols(tf, r, 0, k)];
  const rim = conj ? tf.neg(cols(tf, r, k, k)) : cols(tf, r, k, k);
  return tf.concat([tf.sub(tf.mul(ere, rre), tf.mul(eim, rim)), tf.add(tf.mul(ere, rim), tf.mul(eim, rre))], 1) as Tensor2D;
}

function hamilton(tf: Tf, p: Tensor2D, r: Tensor2D, conj: boolean, m: number): Tensor2D {
  const [a1, b1, c1, d1] = [0, 1, 2, 3].map((i) => cols(tf, p, i * m, m)) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
  const sg = conj ? -1 : 1;
  const [a2, b2, c2, d2] = [0, 1, 2, 3].map((i) => tf.mul(cols(tf, r, i * m, m), i === 0 ? 1 : sg)) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
  const A = tf.sub(tf.sub(tf.sub(tf.mul(a1, a2), tf.mul(b1, b2)), tf.mul(c1, c2)), tf.mul(d1, d2));
  const B = tf.sub(tf.add(tf.add(tf.mul(a1, b2), tf.mul(b1, a2)), tf.mul(c1, d2)), tf.mul(d1, c2));
  const C = tf.add(tf.add(tf.sub(tf.mul(a1, c2), tf.mul(b1, d2)), tf.mul(c1, a2)), tf.mul(d1, b2));
  const D = tf.add(tf.sub(tf.add(tf.mul(a1, d2), tf.mul(b1, c2)), tf.mul(c1, b2)), tf.mul(d1, a2));
  return tf.concat([A, B, C, D], 1) as Tensor2D;
}

/** OTE / NOTE query for one batch row (tiny inputs: loops over blocks and rows). shape: [dim] */
function oteQuery(tf: Tf, e: Tensor1D, r: Tensor1D, tail: boolean, s: ModelShape, scaled: boolean): Tensor1D {
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

function rotateRelation(tf: Tf, r: Tensor2D, s: ModelShape): Tensor2D {
  const th = tf.mul(r, s.phaseScale);
  return tf.concat([tf.cos(th), tf.sin(th)], 1) as Tensor2D;
}

function quateNormalise(tf: Tf, r: Tensor2D, s: ModelShape): Tensor2D {
  const m = s.dim / 4;
  const parts = [0, 1, 2, 3].map((i) => cols(tf, r, i * m, m));
  const n = tf.sqrt(tf.add(parts.map((p) => tf.square(p)).reduce((a, b) => tf.add(a, b)), 1e-10));
  return tf.concat(parts.map((p) => tf.div(p, n)), 1) as Tensor2D;
}

const rowWise = (tf: Tf, keep: Tensor2D, rel: Tensor2D, f: (e: Tensor1D, r: Tensor1D) => Tensor1D): Tensor2D =>
  tf.stack(tf.unstack(keep).map((e, i) => f(e as Tensor1D, tf.unstack(rel)[i] as Tensor1D))) as Tensor2D;

const tfInteractions = new Map<string, TfScore>([
  ["transe-l1", (tf, e, r, c, tail, s) => l1(tf, tail ? tf.add(e, r) : tf.sub(e, r), c, s)],
  ["transe-l2", (tf, e, r, c, tail, s) => l2(tf, tail ? tf.add(e, r) : tf.sub(e, r), c, s, s.dim)],
  ["distmult", (tf, e, r, c) => dot(tf, tf.mul(e, r), c)],
  ["complex", (tf, e, r, c, tail, s) => dot(tf, complexProduct(tf, e, r, !tail, s.dim / 2), c)],
  ["rotate", (tf, e, r, c, tail, s) => modulus(tf, complexProduct(tf, e, rotateRelation(tf, r, s), !tail, s.dim / 2), c, s)],
  ["quate", (tf, e, r, c, tail, s) => dot(tf, hamilton(tf, e, quateNormalise(tf, r, s), !tail, s.dim / 4), c)],
  ["ote", (tf, e, r, c, tail, s) => l2(tf, rowWise(tf, e, r, (ei, ri) => oteQuery(tf, ei, ri, tail, s, false)), c, s, s.block)],
  ["note", (tf, e, r, c, tail, s) => l2(tf, rowWise(tf, e, r, (ei, ri) => oteQuery(tf, ei, ri, tail, s, true)), c, s, s.block)],
]);

export function getTfInteraction(name: string): TfScore {
  const f = tfInteractions.get(name);
  if (!f) throw new KgcError("model", `no tfjs kernel '${name}' (known: ${tfInteractionNames().join(", ")})`);
  return f;
}

export function tfInteractionNames(): string[] {
  return [...tfInteractions.keys()];
}
