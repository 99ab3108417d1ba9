/**
 * Exact top-k tails over every entity for a few (h, r, ?) queries, with the native scorer in its
 * shared-candidate form (B queries x a block of consecutive entity ids). The entity table is walked
 * in blocks, so memory is B x block scores whatever the entity count (87M on WikiKG90M), and each
 * query keeps only its k best so far. Optionally counts, per query, the entities that beat a given
 * target score: the realistic rank of a given tail among all entities (metrics.ts's definition).
 */
import { nativeScore, nativeScoreAsync } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import type { ModelTables } from "../models/model-tables.js";

export interface TopEntities {
  /** shape: [B, k], best first; ties go to the lower id */
  ids: Int32Array;
  /** shape: [B, k] */
  scores: Float32Array;
  k: number;
}

/** Entity ids per native call; B x this many floats are in memory at once. */
export const ENTITY_BLOCK = 1 << 14;

/** Keeps the k best (score, id) of one query in descending order; a later equal score ranks below. */
class TopList {
  readonly ids: Int32Array;
  readonly scores: Float32Array;
  filled = 0;

  constructor(readonly k: number) {
    this.ids = new Int32Array(k);
    this.scores = new Float32Array(k);
  }

  /** scores of consecutive ids first, first + 1, ...; shape: [n] */
  offer(block: Float32Array, first: number): void {
    const k = this.k;
    for (let i = 0; i < block.length; i++) {
      const s = block[i]!;
      if (Number.isNaN(s)) throw new KgcError("scores", `entity ${first + i} has a NaN score`);
      if (this.filled === k && !(s > this.scores[k - 1]!)) continue;
      let j = this.filled < k ? this.filled++ : k - 1;
      while (j > 0 && s > this.scores[j - 1]!) {
        this.scores[j] = this.scores[j - 1]!;
        this.ids[j] = this.ids[j - 1]!;
        j--;
      }
      this.scores[j] = s;
      this.ids[j] = first + i;
    }
  }
}

/**
 * @param head shape: [B] kept entities of the (h, r, ?) queries
 * @param relation shape: [B]
 * @param targets shape: [B] a tail per query whose rank among all entities to return, or null
 * @returns the top k per query and, with targets, the target's score and realistic rank
 */
export async function topEntities(
  tables: ModelTables, head: Int32Array, relation: Int32Array, k: number, threads: number,
  targets: Int32Array | null = null, block = ENTITY_BLOCK,
): Promise<TopEntities & { targetScores: Float32Array | null; targetRanks: Float64Array | null }> {
  const B = head.length;
  const E = tables.entity.numRows;
  const kk = Math.min(k, E);
  const lists = Array.from({ length: B }, () => new TopList(kk));
  let targetScores: Float32Array | null = null;
  let better: Float64Array | null = null;
  let tied: Float64Array | null = null;
  if (targets) {
    targetScores = new Float32Array(B); // shape: [B], the per-row form scores each query's own target
    nativeScore(tables, head, relation, true, targets, 1, targetScores);
    better = new Float64Array(B);
    tied = new Float64Array(B);
  }
  const size = Math.min(block, E);
  const ids = new Int32Array(size); // shape: [size]
  const out = new Float32Array(B * size); // shape: [B, size]
  for (let first = 0; first < E; first += size) {
    const n = Math.min(size, E - first);
    for (let i = 0; i < n; i++) ids[i] = first + i;
    const scores = out.subarray(0, B * n);
    await nativeScoreAsync(tables, head, relation, true, ids.subarray(0, n), 0, scores, threads);
    for (let q = 0; q < B; q++) {
      const row = scores.subarray(q * n, (q + 1) * n);
      lists[q]!.offer(row, first);
      if (!targetScores) continue;
      const t = targetScores[q]!;
      let b = 0, e = 0;
      for (let i = 0; i < n; i++) {
        if (row[i]! > t) b++;
        else if (row[i] === t) e++;
      }
      better![q]! += b;
      tied![q]! += e;
    }
  }
  const result = { ids: new Int32Array(B * kk), scores: new Float32Array(B * kk), k: kk, targetScores, targetRanks: null as Float64Array | null };
  lists.forEach((l, q) => {
    result.ids.set(l.ids, q * kk);
    result.scores.set(l.scores, q * kk);
  });
  if (better && tied) result.targetRanks = better.map((b, q) => (b + 1 + b + Math.max(tied[q]!, 1)) / 2);
  return result;
}
