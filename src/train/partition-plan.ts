/**
 * How many entity partitions (P) and buffer slots (C) an out-of-core run uses: given explicitly
 * (--partitions P --buffer C) or picked from a memory budget (--memory-gb G). In memory: C
 * partition slots, plus one slot the next partition is prefetched into and one an evicted
 * partition is written back from (none when C = P: nothing is swapped), the current bucket's
 * triples and a fixed allowance for Node, the addon's scratch and the relation table. Of the P
 * (powers of two) whose buffer of at least two partitions fits the budget, the budget picks the
 * one with the least partition traffic per epoch (BETA loads × partition bytes); a P within 5%
 * of a smaller one loses to it (larger partitions: negatives drawn from more entities), and a P
 * whose mean bucket is under MIN_MEAN_BUCKET_TRIPLES is taken only when no smaller P fits.
 */
import { KgcError } from "../core/errors.js";
import { betaOrder, countLoads } from "./bucket-order.js";

/** Node's heap, the addon's per-thread scratch and the relation table (measured RSS of a small run: ~0.3 GB) */
export const FIXED_OVERHEAD_BYTES = 0.5 * 2 ** 30;
/** buckets smaller than this on average cost more in per-bucket overhead than their swaps save */
export const MIN_MEAN_BUCKET_TRIPLES = 100_000;
/** the largest P the budget may pick (P² buckets) */
export const MAX_PARTITIONS = 256;

export interface PlanInput {
  numEntities: number;
  numTriples: number;
  /** floats per entity row: the row, its Adagrad state or its two Adam moments */
  rowFloats: number;
  memoryGb?: number | undefined;
  partitions?: number | undefined;
  buffer?: number | undefined;
}

export interface PartitionPlan {
  partitions: number;
  buffer: number;
  /** entities per partition (the last one may hold fewer) */
  partSize: number;
  /** bytes of one partition file / slot */
  partBytes: number;
  /** the estimate the plan was checked against */
  residentBytes: number;
}

const GB = 1e9;

/** Memory of a plan: slots (+2 for prefetch and write-back when swapping), a bucket, the fixed part. */
function resident(o: PlanInput, P: number, C: number): { partSize: number; partBytes: number; bytes: number } {
  const partSize = Math.ceil(o.numEntities / P);
  const partBytes = partSize * o.rowFloats * 4;
  const slots = C === P ? C : C + 2;
  // a bucket's triples, local ids and permutation: 28 bytes a triple; skewed graphs make some
  // buckets larger than n / P², so allow four times the mean
  const bucketBytes = 28 * Math.min(o.numTriples, (4 * o.numTriples) / (P * P));
  return { partSize, partBytes, bytes: slots * partBytes + bucketBytes + FIXED_OVERHEAD_BYTES };
}

export function planPartitions(o: PlanInput): PartitionPlan {
  if (o.partitions !== undefined || o.buffer !== undefined) {
    const P = o.partitions, C = o.buffer;
    if (P === undefined || C === undefined) throw new KgcError(P === undefined ? "--partitions" : "--buffer", "give both --partitions P and --buffer C (or --memory-gb G)");
    if (C > P) throw new KgcError("--buffer", `${C} is more than --partitions ${P}`);
    if (C < 2 && P > 1) throw new KgcError("--buffer", "must hold at least 2 partitions (a bucket (i, j) needs both in memory)");
    if (P > o.numEntities) throw new KgcError("--partitions", `${P} is more than the ${o.numEntities} entities`);
    const r = resident(o, P, C);
    return { partitions: P, buffer: C, partSize: r.partSize, partBytes: r.partBytes, residentBytes: r.bytes };
  }
  const budget = (o.memoryGb ?? 0) * GB;
  const whole = resident(o, 1, 1);
  if (whole.bytes <= budget) return { partitions: 1, buffer: 1, partSize: whole.partSize, partBytes: whole.partBytes, residentBytes: whole.bytes };
  // among the P whose buffer of >= 2 fits, the least swap traffic per epoch (BETA loads x partition size)
  let best: PartitionPlan | null = null, bestTraffic = Infinity;
  for (let P = 2; P <= Math.min(MAX_PARTITIONS, o.numEntities); P *= 2) {
    let C = 0;
    for (let c = 2; c <= P; c++) if (resident(o, P, c).bytes <= budget) C = c;
    if (C < 2) continue;
    if (best && o.numTriples / (P * P) < MIN_MEAN_BUCKET_TRIPLES) break;
    const r = resident(o, P, C);
    const traffic = (C === P ? P : countLoads(betaOrder(P, C))) * r.partBytes;
    if (traffic < bestTraffic * 0.95) {
      best = { partitions: P, buffer: C, partSize: r.partSize, partBytes: r.partBytes, residentBytes: r.bytes };
      bestTraffic = traffic;
    }
  }
  if (best) return best;
  const P = Math.min(MAX_PARTITIONS, o.numEntities);
  const need = resident(o, P, Math.min(2, P)).bytes;
  throw new KgcError("--memory-gb", `${o.memoryGb} GB is too small for even two partitions in memory: the smallest that works is ${(Math.ceil((need / GB) * 100) / 100).toFixed(2)} GB (${P} partitions, buffer 2)`);
}
