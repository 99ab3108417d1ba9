/**
 * What the interactions' tfjs forms share: the TensorFlow.js namespace type (imported as a type
 * only, so the model layer loads no tfjs at run time) and the ops more than one form uses.
 * Layout as the float64 reference: complex vectors are [re(k) ; im(k)].
 */
import type { Tensor2D } from "@tensorflow/tfjs";

export type Tf = typeof import("@tensorflow/tfjs");

/** columns [from, from + width) of every row. shape: [B, width] */
export const cols = (tf: Tf, x: Tensor2D, from: number, width: number): Tensor2D => tf.slice(x, [0, from], [-1, width]);

/** q = e * r (or e * conj(r)) per row, over [re ; im] halves of k; shared by ComplEx and RotatE. shape: [B, 2k] */
export function tfComplexProduct(tf: Tf, e: Tensor2D, r: Tensor2D, conj: boolean, k: number): Tensor2D {
  const [ere, eim, rre] = [cols(tf, e, 0, k), cols(tf, e, k, k), cols(tf, r, 0, k)];
  const rim = conj ? tf.neg(cols(tf, r, k, k)) : cols(tf, r, k, k);
  return tf.concat([tf.sub(tf.mul(ere, rre), tf.mul(eim, rim)), tf.add(tf.mul(ere, rim), tf.mul(eim, rre))], 1) as Tensor2D;
}
