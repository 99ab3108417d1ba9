import { check, KgcError } from "../core/errors.js";
import { Side } from "../core/types.js";

/**
 * Filtered link-prediction rank metrics (Bordes et al. 2013 "filtered" setting, PyKEEN's rank
 * definitions).
 *
 * For a test triple (h, r, t) predicted on the tail side, every entity e gets a score s(h, r, e);
 * the other known true tails of (h, r) — from train, valid and test — are removed ("filtered") so a
 * model is not punished for ranking another correct answer first. With s* the true entity's score
 * and the remaining entities C (the true one included):
 *   optimistic  = 1 + #{e ∈ C : s(e) > s*}
 *   pessimistic =     #{e ∈ C : s(e) ≥ s*}        (counts the true entity itself)
 *   realistic   = (optimistic + pessimistic) / 2   (the expected rank under random tie-breaking)
 * The realistic rank is what we report: a model that scores every entity the same gets the rank of
 * a coin toss, not rank 1 (optimistic) — the bug behind several inflated results in the literature.
 * Then MR = mean rank, MRR = mean 1/rank, Hits@k = fraction with rank ≤ k.
 *
 * `filteredRank` is the plain-TS reference over one query's scores; the native addon computes the
 * same ranks in bulk and feeds `RankAccumulator.addRank(s)`.
 */

export interface FilteredRank {
  optimistic: number;
  pessimistic: number;
  /** (optimistic + pessimistic) / 2, possibly x.5 */
  realistic: number;
}

export interface RankSummary {
  /** number of ranked queries */
  count: number;
  /** mean rank (MR) */
  meanRank: number;
  /** mean reciprocal rank (MRR) */
  mrr: number;
  hits1: number;
  hits3: number;
  hits10: number;
}

export interface RelationRankSummary {
  relation: number;
  /** head and tail queries together */
  both: RankSummary;
  /** null when the relation has no queries on that side */
  head: RankSummary | null;
  tail: RankSummary | null;
}

export interface RankMetrics {
  overall: RankSummary;
  /** queries (?, r, t); null when there were none */
  head: RankSummary | null;
  /** queries (h, r, ?); null when there were none */
  tail: RankSummary | null;
  /** one entry per relation that had queries, by ascending relation id */
  byRelation: RelationRankSummary[];
}

/**
 * Filtered ranks of the true entity among all N entities.
 *
 * @param scores shape: [N] — the score of every entity as the answer; higher is better; NaN is refused
 * @param trueId the true entity, in [0, N)
 * @param filteredIds shape: [F] — other known answers to leave out (duplicates and `trueId` itself
 *   are ignored: the true entity always takes part)
 */
export function filteredRank(scores: Float32Array, trueId: number, filteredIds: ArrayLike<number>): FilteredRank {
  const n = scores.length;
  check(Number.isInteger(trueId) && trueId >= 0 && trueId < n, "trueId", `${trueId} is outside [0, ${n})`);
  const trueScore = scores[trueId];
  if (Number.isNaN(trueScore)) throw new KgcError("scores", `the true entity ${trueId} has a NaN score`);
  let better = 0;
  let tied = 0; // includes the true entity
  for (let e = 0; e < n; e++) {
    const s = scores[e];
    if (s > trueScore) better++;
    else if (s === trueScore) tied++;
    else if (Number.isNaN(s)) throw new KgcError("scores", `entity ${e} has a NaN score`);
  }
  const removed = new Set<number>();
  for (let i = 0; i < filteredIds.length; i++) {
    const id = filteredIds[i];
    check(Number.isInteger(id) && id >= 0 && id < n, "filteredIds", `entry ${i} is ${id}, outside [0, ${n})`);
    if (id === trueId || removed.has(id)) continue;
    removed.add(id);
    const s = scores[id];
    if (s > trueScore) better--;
    else if (s === trueScore) tied--;
  }
  const optimistic = better + 1;
  const pessimistic = better + tied;
  return { optimistic, pessimistic, realistic: (optimistic + pessimistic) / 2 };
}

/** Per-cell running sums, in this order. */
const COUNT = 0;
const RANK_SUM = 1;
const RECIPROCAL_SUM = 2;
const HITS1 = 3;
const HITS3 = 4;
const HITS10 = 5;
const STATS = 6;
const SIDES = [Side.Head, Side.Tail] as const;

/**
 * Streaming rank accumulator (PyKEEN's RankBasedEvaluator shape): add ranks batch by batch, then
 * `finalize()`. Memory is O(relations), not O(queries), so it scales to millions of queries.
 */
export class RankAccumulator {
  /** relation id → sums for head queries then tail queries. shape of each value: [2, STATS] */
  readonly #cells = new Map<number, Float64Array>();
  #count = 0;

  /** Number of ranks added so far. */
  get count(): number {
    return this.#count;
  }

  /** Adds one (realistic) rank, ≥ 1, of a query on `relation` predicting the `side` entity. */
  addRank(rank: number, relation: number, side: Side): void {
    check(Number.isFinite(rank) && rank >= 1, "rank", `must be a finite number ≥ 1, got ${rank}`);
    const base = sideIndex(side) * STATS;
    const cell = this.#cell(relation);
    cell[base + COUNT] += 1;
    cell[base + RANK_SUM] += rank;
    cell[base + RECIPROCAL_SUM] += 1 / rank;
    if (rank <= 1) cell[base + HITS1] += 1;
    if (rank <= 3) cell[base + HITS3] += 1;
    if (rank <= 10) cell[base + HITS10] += 1;
    this.#count++;
  }

  /**
   * Adds a batch of ranks, all on the same side.
   * @param ranks shape: [B]
   * @param relations shape: [B]
   */
  addRanks(ranks: Float64Array | Float32Array, relations: Int32Array, side: Side): void {
    check(ranks.length === relations.length, "ranks", `${ranks.length} ranks but ${relations.length} relations`);
    for (let i = 0; i < ranks.length; i++) this.addRank(ranks[i], relations[i], side);
  }

  /** Ranks one query from its scores (see `filteredRank`), adds the realistic rank and returns all three. */
  addScores(scores: Float32Array, trueId: number, filteredIds: ArrayLike<number>, relation: number, side: Side): FilteredRank {
    const rank = filteredRank(scores, trueId, filteredIds);
    this.addRank(rank.realistic, relation, side);
    return rank;
  }

  /** The metrics over everything added so far. Nothing added → KgcError. */
  finalize(): RankMetrics {
    check(this.#count > 0, "ranks", "no ranks were added, nothing to evaluate");
    const overall = new Float64Array(STATS);
    const perSide = [new Float64Array(STATS), new Float64Array(STATS)] as const;
    const byRelation: RelationRankSummary[] = [];
    for (const relation of [...this.#cells.keys()].sort((a, b) => a - b)) {
      const cell = this.#cells.get(relation) as Float64Array;
      const head = cell.subarray(0, STATS);
      const tail = cell.subarray(STATS, 2 * STATS);
      const both = new Float64Array(STATS);
      addInto(both, head);
      addInto(both, tail);
      addInto(overall, both);
      addInto(perSide[0], head);
      addInto(perSide[1], tail);
      byRelation.push({ relation, both: summarize(both) as RankSummary, head: summarize(head), tail: summarize(tail) });
    }
    return { overall: summarize(overall) as RankSummary, head: summarize(perSide[0]), tail: summarize(perSide[1]), byRelation };
  }

  /** Forgets everything added. */
  clear(): void {
    this.#cells.clear();
    this.#count = 0;
  }

  #cell(relation: number): Float64Array {
    let cell = this.#cells.get(relation);
    if (cell === undefined) {
      check(Number.isSafeInteger(relation) && relation >= 0, "relation", `must be a non-negative integer id, got ${relation}`);
      cell = new Float64Array(SIDES.length * STATS);
      this.#cells.set(relation, cell);
    }
    return cell;
  }
}

function sideIndex(side: Side): number {
  const index = SIDES.indexOf(side);
  if (index < 0) throw new KgcError("side", `must be "head" or "tail", got ${String(side)}`);
  return index;
}

/** target += source, element-wise. shape of both: [STATS] */
function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < STATS; i++) target[i] += source[i];
}

/** Means of the running sums; null when no rank went in. */
function summarize(sums: Float64Array): RankSummary | null {
  const count = sums[COUNT];
  if (count === 0) return null;
  return {
    count,
    meanRank: sums[RANK_SUM] / count,
    mrr: sums[RECIPROCAL_SUM] / count,
    hits1: sums[HITS1] / count,
    hits3: sums[HITS3] / count,
    hits10: sums[HITS10] / count,
  };
}
