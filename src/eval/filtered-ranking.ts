/**
 * Filtered link prediction over all entities, both directions (Bordes et al. 2013; realistic
 * ties, see metrics.ts). Queries go to the backend's scorer in blocks of `block` against every
 * entity, threaded; while it scores block i + 1, the main thread ranks block i with the
 * filter (the known answers of train ∪ valid ∪ test, a sorted slice per query).
 */
import type { Backend } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import { Side, type Triples } from "../core/types.js";
import { filterAnswers, type FilterIndex } from "../data/filter-index.js";
import type { ModelTables } from "../models/model-tables.js";
import { RankAccumulator, type RankMetrics } from "./metrics.js";

export interface FilteredRankingInput {
  backend: Backend;
  tables: ModelTables;
  /** the triples to rank, each twice (tail query and head query) */
  triples: Triples;
  /** known tails of (h, r) and known heads of (r, t) over every split */
  tailFilter: FilterIndex;
  headFilter: FilterIndex;
  threads: number;
  /** queries per native call */
  block?: number;
  label?: string;
}

/**
 * Realistic filtered rank of `trueId` in one row of scores.
 * @param scores shape: [N] (a view of one row)
 * @param filter shape: [F], sorted unique known answers (may contain trueId)
 */
export function realisticFilteredRank(scores: Float32Array, trueId: number, filter: Int32Array): number {
  const n = scores.length;
  const s0 = scores[trueId]!;
  if (Number.isNaN(s0)) throw new KgcError("scores", `the true entity ${trueId} has a NaN score`);
  let better = 0;
  let tied = 0; // the true entity included
  for (let e = 0; e < n; e++) {
    const s = scores[e]!;
    if (s > s0) better++;
    else if (s === s0) tied++;
  }
  for (let i = 0; i < filter.length; i++) {
    const id = filter[i]!;
    if (id === trueId) continue;
    const s = scores[id]!;
    if (s > s0) better--;
    else if (s === s0) tied--;
  }
  return (better + 1 + better + tied) / 2;
}

/** Ranks every triple of `input.triples` in both directions; returns the accumulated metrics. */
export async function filteredRanking(input: FilteredRankingInput): Promise<RankMetrics> {
  const { backend, tables, triples: t } = input;
  const E = tables.entity.numRows;
  const all = Int32Array.from({ length: E }, (_, i) => i); // shape: [E]
  const block = Math.max(1, Math.min(input.block ?? 512, t.length));
  const acc = new RankAccumulator();
  const jobs: { side: Side; start: number }[] = [];
  for (const side of [Side.Tail, Side.Head]) for (let s = 0; s < t.length; s += block) jobs.push({ side, start: s });
  const buffers = [new Float32Array(block * E), new Float32Array(block * E)]; // shape: [block, E] each
  const progress = startProgress(input.label ?? "filtered ranking", 2 * t.length, "queries");
  const launch = (j: number): Promise<void> => {
    const { side, start } = jobs[j]!;
    const end = Math.min(t.length, start + block);
    const keep = (side === Side.Tail ? t.head : t.tail).subarray(start, end);
    return backend.score(tables, keep, t.relation.subarray(start, end), side === Side.Tail, all, 0, buffers[j % 2]!, input.threads);
  };
  let done = 0;
  let pending: Promise<void> | null = null;
  try {
    pending = jobs.length > 0 ? launch(0) : null;
    for (let j = 0; j < jobs.length; j++) {
      await pending;
      pending = j + 1 < jobs.length ? launch(j + 1) : null;
      const { side, start } = jobs[j]!;
      const end = Math.min(t.length, start + block);
      const S = buffers[j % 2]!;
      const tail = side === Side.Tail;
      const filter = tail ? input.tailFilter : input.headFilter;
      for (let q = start; q < end; q++) {
        const keep = tail ? t.head[q]! : t.tail[q]!;
        const truth = tail ? t.tail[q]! : t.head[q]!;
        const row = S.subarray((q - start) * E, (q - start + 1) * E);
        acc.addRank(realisticFilteredRank(row, truth, filterAnswers(filter, keep, t.relation[q]!)), t.relation[q]!, side);
      }
      done += end - start;
      progress.update(done);
    }
  } catch (err) {
    await pending?.catch(() => undefined); // never leave C++ writing into a buffer we drop
    throw err;
  } finally {
    progress.stop();
  }
  return acc.finalize();
}
