/**
 * A batch's host-side layout, computed before its rows are gathered (so it can be prepared while
 * the device runs the previous step): the unique entity and relation ids (the rows to gather and
 * update, as the engine's uniqueIds), each batch position's slot among them, the per-row loss
 * weights w_i / sum w, and the mask of negatives that form a known training triple with their
 * query row (filtered sampling; the engine's maskKnown).
 */
import type { TrainConfig } from "../../models/config.js";
import type { ExplicitBatch, KnownTriples } from "../backend.js";
import { negGroupRows } from "../../models/config.js";

export interface BatchLayout {
  B: number;
  /** negatives per group and query rows per group */
  N: number;
  groupRows: number;
  tailSide: boolean;
  /** shape: [U] sorted unique entity ids; [Ur] relation ids */
  uEnt: Int32Array;
  uRel: Int32Array;
  /** shape: [B] slots in uEnt of the kept and target entities; [B] slots in uRel */
  keepSlot: Int32Array;
  targetSlot: Int32Array;
  relSlot: Int32Array;
  /** shape: [groups * N] slots in uEnt of the negatives */
  negSlot: Int32Array;
  /** shape: [B] w_i / sum_j w_j */
  rowWeight: Float32Array;
  /** shape: [B, N]; 1 where the negative is a known triple of its row (null: no filtering) */
  mask: Uint8Array | null;
}

/** Sorted unique values of `ids` and each position's index among them. shape: ids [n] */
function uniqueIds(ids: Int32Array): { unique: Int32Array; slot: Int32Array } {
  const unique = Int32Array.from(new Set(ids)).sort();
  const index = new Map<number, number>();
  unique.forEach((id, u) => index.set(id, u));
  return { unique, slot: ids.map((id) => index.get(id)!) };
}

export function layoutBatch(batch: ExplicitBatch, config: TrainConfig, known: KnownTriples | null): BatchLayout {
  const B = config.batch, N = config.negatives, groupRows = negGroupRows(B, config.negChunk);
  const keep = batch.tailSide ? batch.head : batch.tail, target = batch.tailSide ? batch.tail : batch.head;
  const all = new Int32Array(2 * B + batch.negatives.length);
  all.set(keep);
  all.set(target, B);
  all.set(batch.negatives, 2 * B);
  const ent = uniqueIds(all), rel = uniqueIds(batch.relation);
  const rowWeight = new Float32Array(B);
  let sum = 0;
  for (let i = 0; i < B; i++) sum += batch.posWeight ? batch.posWeight[i]! : 1;
  for (let i = 0; i < B; i++) rowWeight[i] = (batch.posWeight ? batch.posWeight[i]! : 1) / sum;
  return {
    B, N, groupRows, tailSide: batch.tailSide, uEnt: ent.unique, uRel: rel.unique,
    keepSlot: ent.slot.subarray(0, B), targetSlot: ent.slot.subarray(B, 2 * B), negSlot: ent.slot.subarray(2 * B), relSlot: rel.slot, rowWeight,
    mask: known ? knownMask(batch.tailSide ? known.out : known.in, keep, batch.relation, batch.negatives, groupRows, N) : null,
  };
}

/** 1 where (keep_i, r_i, negative j of row i's group) is an edge of `adjacency`. shape: [B, N] */
function knownMask(adjacency: KnownTriples["out"], keep: Int32Array, relation: Int32Array, negatives: Int32Array, groupRows: number, N: number): Uint8Array {
  const B = keep.length, mask = new Uint8Array(B * N);
  for (let i = 0; i < B; i++) {
    const lo = adjacency.indptr[keep[i]!]!, hi = adjacency.indptr[keep[i]! + 1]!;
    const answers = new Set<number>();
    for (let e = lo; e < hi; e++) if (adjacency.relation[e] === relation[i]) answers.add(adjacency.neighbor[e]!);
    if (answers.size === 0) continue;
    const g0 = Math.floor(i / groupRows) * N;
    for (let j = 0; j < N; j++) if (answers.has(negatives[g0 + j]!)) mask[i * N + j] = 1;
  }
  return mask;
}
