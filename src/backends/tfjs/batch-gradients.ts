/**
 * Loss and gradients of one batch on the tfjs device, by autograd. The maths is the native
 * engine's (src/native/common/loss.h): per row i with weight w_i / sum w,
 *   logsigmoid: 1/2 w_i [softplus(-s+_i) + sum_j p_ij softplus(s-_ij)], p_i = softmax(alpha s-_i)
 *               held constant (self-adversarial; alpha = 0: 1/N);
 *   margin:     w_i / N sum_j max(0, m - s+_i + s-_ij);
 * plus reg * sum |u|^3 over the batch's unique learned rows (L3). Negatives that are known
 * triples of their row score -1e30: no loss, no gradient.
 *
 * Memory stays bounded whatever B x N: the scores are built in chunks of query rows (a [rows,
 * N, dim] distance block at most ~2^23 floats), each chunk differentiated on its own with respect
 * to its gathered query, relation, target and negative rows; the encoder and the gathers are then
 * differentiated once with those row gradients (a vector-Jacobian product), which yields the
 * gradients of the learned rows and of the concat encoder's W and b.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from "@tensorflow/tfjs";
import type { TrainConfig } from "../../models/config.js";
import type { ModelShape } from "../../models/interaction.js";
import type { BatchLayout } from "./batch-layout.js";
import type { TfScore } from "./score.js";
import type { Tf } from "./load.js";

const MASKED_SCORE = -1e30;
const CHUNK_FLOATS = 2 ** 23;

/** One encoder's inputs for a batch: the unique rows' learned values and, for concat, features and W, b. */
export interface EncoderBatch {
  /** shape: [U, raw] */
  rows: Tensor2D;
  /** shape: [U, featDim] (concat only) */
  feat?: Tensor2D;
  /** shape: [out, featDim + raw], [out] (concat only) */
  W?: Tensor2D;
  b?: Tensor1D;
}

export interface DeviceGradients {
  loss: Scalar;
  /** shape: [U, raw] of each encoder */
  entityRows: Tensor2D;
  relationRows: Tensor2D;
  entityW?: Tensor2D;
  entityB?: Tensor1D;
  relationW?: Tensor2D;
  relationB?: Tensor1D;
}

function encode(tf: Tf, rows: Tensor2D, e: EncoderBatch, W?: Tensor2D, b?: Tensor1D): Tensor2D {
  return W ? (tf.add(tf.matMul(tf.concat([e.feat!, rows], 1), W, false, true), b!) as Tensor2D) : rows;
}

/** Identity whose gradient is zero: the self-adversarial weights are constants. */
function detacher(tf: Tf): (x: Tensor2D) => Tensor2D {
  return tf.customGrad((x, _save) => ({ value: (x as Tensor2D).clone(), gradFunc: (dy: Tensor) => tf.zerosLike(dy) })) as (x: Tensor2D) => Tensor2D;
}

/** Query rows per chunk so that a [rows, rows + N, dim] block stays near CHUNK_FLOATS. */
export function chunkRows(N: number, dim: number, groupRows: number): number {
  return Math.max(1, Math.min(groupRows, Math.floor(CHUNK_FLOATS / ((N + 64) * dim))));
}

/** Everything is created inside one tf.tidy by the caller; the returned tensors are the caller's. */
export function batchGradients(tf: Tf, score: TfScore, shape: ModelShape, config: TrainConfig, layout: BatchLayout, ent: EncoderBatch, rel: EncoderBatch): DeviceGradients {
  const { B, N, groupRows, tailSide } = layout;
  const int = (a: Int32Array): Tensor1D => tf.tensor1d(a, "int32");
  const keepSlot = int(layout.keepSlot), targetSlot = int(layout.targetSlot), negSlot = int(layout.negSlot), relSlot = int(layout.relSlot);
  const Xe = encode(tf, ent.rows, ent, ent.W, ent.b), Xr = encode(tf, rel.rows, rel, rel.W, rel.b);
  const keepAll = tf.gather(Xe, keepSlot), targetAll = tf.gather(Xe, targetSlot), relAll = tf.gather(Xr, relSlot), negAll = tf.gather(Xe, negSlot);
  const weights = tf.tensor1d(layout.rowWeight);
  const detach = detacher(tf);

  const chunkLoss = (i0: number, c: number) => (k: Tensor, r: Tensor, t: Tensor, ng: Tensor): Scalar => {
    const S = score(tf, k as Tensor2D, r as Tensor2D, tf.concat([t as Tensor2D, ng as Tensor2D], 0) as Tensor2D, tailSide, shape);
    const pos = tf.sum(tf.mul(tf.slice(S, [0, 0], [c, c]), tf.eye(c)), 1);
    let neg = tf.slice(S, [0, c], [c, N]);
    if (layout.mask) neg = tf.where(tf.tensor2d(layout.mask.subarray(i0 * N, (i0 + c) * N), [c, N], "bool"), tf.fill([c, N], MASKED_SCORE), neg);
    const w = tf.slice(weights, [i0], [c]);
    if (config.loss === "margin") return tf.sum(tf.mul(tf.div(w, N), tf.sum(tf.relu(tf.add(tf.sub(config.margin, tf.expandDims(pos, 1)), neg)), 1)));
    if (config.loss === "softmax") return tf.sum(tf.mul(w, tf.sub(tf.logSumExp(tf.concat([tf.expandDims(pos, 1), neg], 1), 1), pos)));
    const p = config.advTemp > 0 ? detach(tf.softmax(tf.mul(config.advTemp, neg)) as Tensor2D) : tf.fill([c, N], 1 / N);
    return tf.mul(0.5, tf.sum(tf.mul(w, tf.add(tf.softplus(tf.neg(pos)), tf.sum(tf.mul(p, tf.softplus(neg)), 1)))));
  };

  const rc = chunkRows(N, shape.dim, groupRows);
  const dKeep: Tensor[] = [], dRel: Tensor[] = [], dTarget: Tensor[] = [], dNeg: Tensor[] = [];
  let loss: Tensor = tf.scalar(0);
  for (let g0 = 0; g0 < B; g0 += groupRows) {
    const g1 = Math.min(B, g0 + groupRows);
    const negG = tf.slice(negAll, [(g0 / groupRows) * N, 0], [N, -1]);
    let dNegG: Tensor | null = null;
    for (let i0 = g0; i0 < g1; i0 += rc) {
      const c = Math.min(rc, g1 - i0);
      const rows = (x: Tensor2D): Tensor2D => tf.slice(x, [i0, 0], [c, -1]);
      const { value, grads } = tf.valueAndGrads(chunkLoss(i0, c))([rows(keepAll), rows(relAll), rows(targetAll), negG]);
      loss = tf.add(loss, value);
      dKeep.push(grads[0]!);
      dRel.push(grads[1]!);
      dTarget.push(grads[2]!);
      dNegG = dNegG ? tf.add(dNegG, grads[3]!) : grads[3]!;
    }
    dNeg.push(dNegG!);
  }
  const [dK, dR, dT, dN] = [dKeep, dRel, dTarget, dNeg].map((parts) => tf.concat(parts, 0));

  // the encoders and gathers, differentiated once with the row gradients above (plus L3 on the raw rows)
  const params: Tensor[] = [ent.rows, rel.rows, ...(ent.W ? [ent.W, ent.b!] : []), ...(rel.W ? [rel.W, rel.b!] : [])];
  const l3 = (x: Tensor): Tensor => tf.sum(tf.pow(tf.abs(x), 3));
  const vjp = (...p: Tensor[]): Scalar => {
    const eW = ent.W ? (p[2] as Tensor2D) : undefined, eB = ent.W ? (p[3] as Tensor1D) : undefined;
    const rW = rel.W ? (p[ent.W ? 4 : 2] as Tensor2D) : undefined, rB = rel.W ? (p[ent.W ? 5 : 3] as Tensor1D) : undefined;
    const xe = encode(tf, p[0] as Tensor2D, ent, eW, eB), xr = encode(tf, p[1] as Tensor2D, rel, rW, rB);
    const dot = (x: Tensor2D, slots: Tensor1D, g: Tensor): Tensor => tf.sum(tf.mul(tf.gather(x, slots), g));
    let total = tf.addN([dot(xe, keepSlot, dK!), dot(xe, targetSlot, dT!), dot(xe, negSlot, dN!), dot(xr, relSlot, dR!)]);
    if (config.reg > 0) total = tf.add(total, tf.mul(config.reg, tf.add(l3(p[0]!), l3(p[1]!))));
    return total as Scalar;
  };
  const g = tf.grads(vjp)(params);
  if (config.reg > 0) loss = tf.add(loss, tf.mul(config.reg, tf.add(l3(ent.rows), l3(rel.rows))));
  const out: DeviceGradients = { loss: loss as Scalar, entityRows: g[0] as Tensor2D, relationRows: g[1] as Tensor2D };
  if (ent.W) {
    out.entityW = g[2] as Tensor2D;
    out.entityB = g[3] as Tensor1D;
  }
  if (rel.W) {
    out.relationW = g[ent.W ? 4 : 2] as Tensor2D;
    out.relationB = g[ent.W ? 5 : 3] as Tensor1D;
  }
  return out;
}
