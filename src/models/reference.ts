/**
 * Float64 reference of one training batch (encoder -> operator -> comparator -> loss), the oracle
 * for the native kernels' gradients (central finite differences) and scores. Slow; tiny inputs.
 */
import { negGroupRows } from "./config.js";
import type { Interaction, ModelShape } from "./interaction.js";
import { compare } from "./interaction.js";

export interface ReferenceEncoder {
  /** shape: [rows, raw] */
  rows: Float64Array;
  raw: number;
  /** concat only: shape [rows, featDim], W [out, featDim + raw], b [out] */
  feat?: Float64Array;
  featDim?: number;
  W?: Float64Array;
  b?: Float64Array;
}

export interface ReferenceLoss {
  kind: "logsigmoid" | "margin" | "softmax";
  advTemp: number;
  margin: number;
  reg: number;
}

export interface ReferenceBatch {
  head: ArrayLike<number>;
  relation: ArrayLike<number>;
  tail: ArrayLike<number>;
  /** groups * N ids: group g's N serve query rows [g * negChunk, (g + 1) * negChunk) */
  negatives: ArrayLike<number>;
  /** query rows per negative group (0 or absent = one group, the whole batch) */
  negChunk?: number;
  tailSide: boolean;
  posWeight?: ArrayLike<number>;
  /** filtered sampling: negatives forming a known triple (head, relation, tail) add nothing to the loss */
  isKnown?: (head: number, relation: number, tail: number) => boolean;
  drop?: ReferenceDropout;
}

/** One step's dropout: its draw and the two rates (src/native/common/dropout.h). */
export interface ReferenceDropout {
  seed: number;
  entity: number;
  relation: number;
}

const M64 = (1n << 64n) - 1n;
const RELATION_DROP_STREAM = 0x5851f42d4c957f2dn;

/** The scale of coordinate x of row `id` under dropout p with draw `seed`: 0 or 1 / (1 - p). */
export function dropScale(seed: bigint, id: number, x: number, p: number): number {
  let z = seed ^ ((BigInt(id) * 0x9e3779b97f4a7c15n) & M64) ^ ((BigInt(x) * 0xd1b54a32d192ed03n) & M64);
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  z ^= z >> 31n;
  return Number(z >> 40n) / 2 ** 24 < Math.fround(p) ? 0 : 1 / (1 - Math.fround(p));
}

/** encodeRow, then dropped out (entity rows, or relation rows when `relation`) if drop is given. */
function encodeDropped(e: ReferenceEncoder, id: number, out: number, drop: ReferenceDropout | undefined, relation: boolean): Float64Array {
  const x = encodeRow(e, id, out);
  const p = drop ? (relation ? drop.relation : drop.entity) : 0;
  if (p === 0) return x;
  const seed = BigInt(drop!.seed) ^ (relation ? RELATION_DROP_STREAM : 0n);
  return x.map((v, k) => v * dropScale(seed, id, k, p));
}

export function encodeRow(e: ReferenceEncoder, id: number, out: number): Float64Array {
  const u = e.rows.subarray(id * e.raw, (id + 1) * e.raw);
  if (!e.W) return Float64Array.from(u);
  const F = e.featDim!, inW = F + e.raw;
  const x = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let acc = e.b![o]!;
    for (let c = 0; c < F; c++) acc += e.W[o * inW + c]! * e.feat![id * F + c]!;
    for (let c = 0; c < e.raw; c++) acc += e.W[o * inW + F + c]! * u[c]!;
    x[o] = acc;
  }
  return x;
}

const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

/** log sum_j exp(v_j), shifted by the maximum. */
function logSumExp(v: readonly number[]): number {
  const mx = Math.max(...v);
  return mx + Math.log(v.reduce((a, x) => a + Math.exp(x - mx), 0));
}

/**
 * Loss of a batch. `frozenWeights` (shape [B, N]) fixes the self-adversarial weights, which
 * training treats as constants; the weights used are returned.
 */
export function referenceBatchLoss(m: Interaction, shape: ModelShape, ent: ReferenceEncoder, rel: ReferenceEncoder, loss: ReferenceLoss, batch: ReferenceBatch, frozenWeights?: Float64Array): { loss: number; weights: Float64Array } {
  const B = batch.head.length;
  const groupRows = negGroupRows(B, batch.negChunk ?? 0);
  const N = batch.negatives.length / Math.ceil(B / groupRows);
  const relOut = m.relationWidth(shape.dim, shape.block);
  const weights = new Float64Array(B * N);
  const negIds = Array.from(batch.negatives);
  const allCands = negIds.map((id) => encodeDropped(ent, id, shape.dim, batch.drop, false));
  let wsum = 0;
  for (let i = 0; i < B; i++) wsum += batch.posWeight ? batch.posWeight[i]! : 1;
  let total = 0;
  for (let i = 0; i < B; i++) {
    const keep = batch.tailSide ? batch.head[i]! : batch.tail[i]!;
    const target = batch.tailSide ? batch.tail[i]! : batch.head[i]!;
    const p = m.prepare(encodeDropped(rel, batch.relation[i]!, relOut, batch.drop, true), shape);
    const q = m.query(encodeDropped(ent, keep, shape.dim, batch.drop, false), p, batch.tailSide, shape);
    const sPos = compare(m.comparator, q, encodeDropped(ent, target, shape.dim, batch.drop, false), shape);
    const g = Math.floor(i / groupRows);
    const s = allCands.slice(g * N, (g + 1) * N).map((c) => compare(m.comparator, q, c, shape));
    const live = negIds.slice(g * N, (g + 1) * N).map((id) => !batch.isKnown?.(batch.tailSide ? keep : id, batch.relation[i]!, batch.tailSide ? id : keep));
    const wi = (batch.posWeight ? batch.posWeight[i]! : 1) / wsum;
    if (loss.kind === "margin") {
      s.forEach((sj, j) => (total += live[j] ? (wi / N) * Math.max(0, loss.margin - sPos + sj) : 0));
      continue;
    }
    if (loss.kind === "softmax") {
      total += wi * (logSumExp([sPos, ...s.filter((_, j) => live[j])]) - sPos);
      continue;
    }
    if (frozenWeights) {
      weights.set(frozenWeights.subarray(i * N, (i + 1) * N), i * N);
    } else if (loss.advTemp > 0) {
      const mx = Math.max(...s.filter((_, j) => live[j]).map((v) => loss.advTemp * v));
      const e = s.map((v, j) => (live[j] ? Math.exp(loss.advTemp * v - mx) : 0));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => (weights[i * N + j] = z > 0 ? v / z : 0));
    } else {
      weights.fill(1 / N, i * N, (i + 1) * N);
    }
    let neg = 0;
    s.forEach((v, j) => (neg += live[j] ? weights[i * N + j]! * softplus(v) : 0));
    total += 0.5 * wi * (softplus(-sPos) + neg);
  }
  if (loss.reg > 0) {
    const touchedE = new Set([...Array.from(batch.head), ...Array.from(batch.tail), ...Array.from(batch.negatives)]);
    const touchedR = new Set(Array.from(batch.relation));
    for (const [enc, ids] of [[ent, touchedE], [rel, touchedR]] as const)
      for (const id of ids) for (let x = 0; x < enc.raw; x++) total += loss.reg * Math.abs(enc.rows[id * enc.raw + x]!) ** 3;
  }
  return { loss: total, weights };
}

/** A 1-N batch: queries (keep, relation) of a side, each against every entity. */
export interface ReferenceOneToNBatch {
  head: ArrayLike<number>;
  relation: ArrayLike<number>;
  tail: ArrayLike<number>;
  tailSide: boolean;
  posWeight?: ArrayLike<number>;
  training: "1vsAll" | "KvsAll";
  n3: number;
  labelSmoothing: number;
  /** KvsAll: the known answers of query (keep, relation) */
  answers?: (keep: number, relation: number) => ReadonlySet<number>;
  /** dropout of the query side (kept entities, relations); the all-entity block is not dropped */
  drop?: ReferenceDropout;
}

/**
 * Loss of a 1-N batch (src/native/common/one-to-n.cc): 1vsAll logsumexp_j s_ij - s_i,target;
 * KvsAll sum_j softplus(s_ij) - y_ij s_ij with y = (1 - ls) [answer] + ls / E; weighted mean over
 * the rows, plus n3 / B sum_i |keep_i|^3 + |r_i|^3 (+ |target_i|^3 for 1vsAll): the cubed modulus of
 * each coordinate (Interaction.n3Parts; relation rows of unit-modulus operators left out).
 */
export function referenceOneToNLoss(m: Interaction, shape: ModelShape, ent: ReferenceEncoder, rel: ReferenceEncoder, batch: ReferenceOneToNBatch): number {
  const B = batch.head.length, E = ent.rows.length / ent.raw;
  const relOut = m.relationWidth(shape.dim, shape.block);
  const cands = Array.from({ length: E }, (_, e) => encodeRow(ent, e, shape.dim));
  let wsum = 0;
  for (let i = 0; i < B; i++) wsum += batch.posWeight ? batch.posWeight[i]! : 1;
  // N3: the cubed modulus of each coordinate across the row's planes
  const cube = (e: ReferenceEncoder, id: number, parts: number): number => {
    const m = e.raw / parts;
    let acc = 0;
    for (let i = 0; i < m; i++) {
      let sq = 0;
      for (let p = 0; p < parts; p++) sq += e.rows[id * e.raw + p * m + i]! ** 2;
      acc += Math.sqrt(sq) ** 3;
    }
    return acc;
  };
  const { entity: pe, relation: pr } = m.n3Parts;
  let total = 0;
  for (let i = 0; i < B; i++) {
    const keep = batch.tailSide ? batch.head[i]! : batch.tail[i]!;
    const target = batch.tailSide ? batch.tail[i]! : batch.head[i]!;
    const q = m.query(encodeDropped(ent, keep, shape.dim, batch.drop, false), m.prepare(encodeDropped(rel, batch.relation[i]!, relOut, batch.drop, true), shape), batch.tailSide, shape);
    const s = cands.map((c) => compare(m.comparator, q, c, shape));
    const wi = (batch.posWeight ? batch.posWeight[i]! : 1) / wsum;
    let li: number;
    if (batch.training === "1vsAll") {
      li = logSumExp(s) - s[target]!;
    } else {
      const answers = batch.answers!(keep, batch.relation[i]!);
      const off = batch.labelSmoothing / E, on = 1 - batch.labelSmoothing + off;
      li = s.reduce((a, v, j) => a + softplus(v) - (answers.has(j) ? on : off) * v, 0);
    }
    total += wi * li;
    if (batch.n3 > 0) total += (batch.n3 / B) * (cube(ent, keep, pe) + (pr > 0 ? cube(rel, batch.relation[i]!, pr) : 0) + (batch.training === "1vsAll" ? cube(ent, target, pe) : 0));
  }
  return total;
}
