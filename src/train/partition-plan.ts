/**
 * How many entity partitions (P) and buffer slots (C) an out-of-core run uses: given explicitly
 * (--partitions P --buffer C) or picked from a memory budget (--memory-gb G). In memory: C
 * partition slots, plus one slot the next partition is prefetched into and one an evicted
 * partition is written back from (none when C = P: nothing is swapped), the current bucket's
 * triples and a fixed allowance for Node, the addon's scratch and the relation table. The budget
 * picks the smallest P (largest partitions: negatives drawn from more entities, as PBG advises)
 * whose buffer holds at least two partitions.
 */
import { KgcError } from "../core/errors.js";

/** Node's heap, the addon's per-thread scratch and the relation table (measured RSS of a small run: ~0.3 GB) */
export const FIXED_OVERHEAD_BYTES = 0.5 * 2 ** 30;
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
  for (let P = 2; P <= Math.min(MAX_PARTITIONS, o.numEntities); P *= 2) {
    // the largest C whose footprint fits
    let best = 0;
    for (let C = 2; C <= P; C++) if (resident(o, P, C).bytes <= budget) best = C;
    if (best >= 2) {
      const r = resident(o, P, best);
      return { partitions: P, buffer: best, partSize: r.partSize, partBytes: r.partBytes, residentBytes: r.bytes };
    }
  }
  const P = Math.min(MAX_PARTITIONS, o.numEntities);
  const need = resident(o, P, Math.min(2, P)).bytes;
  throw new KgcError("--memory-gb", `${o.memoryGb} GB is too small for even two partitions in memory: the smallest that works is ${(Math.ceil((need / GB) * 100) / 100).toFixed(2)} GB (${P} partitions, buffer 2)`);
}
