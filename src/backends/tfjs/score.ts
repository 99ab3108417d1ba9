/**
 * Scores in TensorFlow.js ops, differentiated by autograd: an interaction's tfjs operator
 * (Interaction.tfQuery, next to its float64 reference in src/models/) followed by its
 * comparator here. The independent oracle for the hand-written native backward passes, and the
 * GPU path when tfjs-node-gpu exists.
 */
import type { Tensor2D } from "@tensorflow/tfjs";
import type { ComparatorName, Interaction, ModelShape } from "../../models/interaction.js";
import { cols, type Tf } from "../../models/tf-ops.js";

/** shape: keep [B, dim], rel [B, relWidth], cands [N, dim] -> scores [B, N] */
export type TfScore = (tf: Tf, keep: Tensor2D, rel: Tensor2D, cands: Tensor2D, tail: boolean, s: ModelShape) => Tensor2D;

/** sum over blocks of `block` columns of ||q_b - c_b||_2: gamma minus it. */
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

/** The comparator's scores of queries q [B, dim] against candidates c [N, dim]. */
function compare(tf: Tf, name: ComparatorName, q: Tensor2D, c: Tensor2D, s: ModelShape): Tensor2D {
  switch (name) {
    case "dot":
      return tf.matMul(q, c, false, true);
    case "l1":
      return l1(tf, q, c, s);
    case "l2":
      return l2(tf, q, c, s, s.dim);
    case "block-l2":
      return l2(tf, q, c, s, s.block);
    case "modulus":
      return modulus(tf, q, c, s);
  }
}

/** The interaction's score function in tfjs ops. */
export function tfScore(m: Interaction): TfScore {
  return (tf, keep, rel, cands, tail, s) => compare(tf, m.comparator, m.tfQuery(tf, keep, rel, tail, s), cands, s);
}
