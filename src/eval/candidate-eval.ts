/**
 * The candidate protocol of a split with candidate rows (OGB WikiKG90M style): every query's
 * candidates are scored (threaded, chunked), the top 10 of each row feed OGB's evaluator
 * (`ogbMrr`, including its duplicate-row rule, reported with the offending rows) and the realistic
 * rank of the true candidate among all K gives MRR / MR / Hits beyond the top 10.
 */
import type { Backend } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import type { CandidateQuerySource } from "../core/types.js";
import type { ModelTables } from "../models/model-tables.js";
import { candidateRanks, ogbMrr, OGB_TOP, topK, type CandidateMetrics, type OgbMetrics } from "./ogb-metric.js";
import { scoreCandidateQueries } from "./candidate-scoring.js";

export interface CandidateEvaluation {
  queries: number;
  width: number;
  /** OGB's metric over the top 10 (null when rows have fewer than 10 candidates) */
  ogb: OgbMetrics | null;
  /** realistic rank of the true candidate among all K */
  candidates: CandidateMetrics;
}

export async function candidateEvaluation(backend: Backend, tables: ModelTables, queries: CandidateQuerySource, threads: number, where: string, chunk = 1024): Promise<CandidateEvaluation> {
  const correct = queries.correctIndex;
  if (!correct) throw new KgcError(where, "the split's candidate answers are hidden (no correct index): the candidate protocol needs them");
  const Q = queries.head.length;
  const K = queries.width;
  const top = Math.min(OGB_TOP, K);
  const top10 = new Int32Array(Q * top); // shape: [Q, 10]
  let rr = 0, rankSum = 0, h1 = 0, h3 = 0, h10 = 0;
  const progress = startProgress("candidate protocol", Q, "queries");
  try {
    await scoreCandidateQueries(backend, tables, queries, threads, chunk, ({ start, count, scores }) => {
      top10.set(topK(scores, top, K), start * top);
      for (const rank of candidateRanks(scores, correct.subarray(start, start + count))) {
        rr += 1 / rank;
        rankSum += rank;
        if (rank <= 1) h1++;
        if (rank <= 3) h3++;
        if (rank <= 10) h10++;
      }
      progress.update(start + count);
    });
  } finally {
    progress.stop();
  }
  return {
    queries: Q, width: K,
    ogb: top === OGB_TOP ? ogbMrr(top10, correct, K, where) : null,
    candidates: { mrr: rr / Q, meanRank: rankSum / Q, hits1: h1 / Q, hits3: h3 / Q, hits10: h10 / Q },
  };
}
