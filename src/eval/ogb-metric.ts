import { check, KgcError } from "../core/errors.js";

/**
 * Candidate-ranking metrics for WikiKG90M-style tasks: every query (h, r, ?) comes with a row of
 * `width` candidate tails (1001 in OGB), one of which is true.
 *
 * `ogbMrr` is the official OGB-LSC WikiKG90M (v1) evaluator, rule for rule:
 *   - t_pred_top10 has exactly 10 columns, every entry and every correct index in [0, 1001);
 *   - if any row lists the same candidate index twice, the whole MRR is set to 0;
 *   - otherwise rr = 1 / (j + 1) when the true index is at position j of the row's top 10, else 0,
 *     and MRR is the mean of rr over all queries.
 * Hits@k are our addition (OGB reports only MRR).
 *
 * `candidateRanks` / `candidateMrr` rank the true candidate among all `width` candidates of its
 * row from raw scores, so a model can be judged beyond its top 10.
 */

/** Entries per row of an OGB prediction. */
export const OGB_TOP = 10;

/** Candidates per query in OGB WikiKG90M. */
export const OGB_WIDTH = 1001;

export interface OgbMetrics {
  /** OGB's MRR: 0 when any row repeats a candidate index */
  mrr: number;
  /** the MRR the rows would score without the duplicate rule (first occurrence of the true index) */
  mrrIgnoringDuplicates: number;
  /** fraction of queries whose true index is among the first 1 / 3 / 10 entries (duplicate rule not applied) */
  hits1: number;
  hits3: number;
  hits10: number;
  /** rows (query numbers, ascending) that repeat a candidate index; empty for a valid prediction */
  duplicateRows: number[];
}

export interface CandidateMetrics {
  /** mean of 1 / realistic rank over all candidates of the row */
  mrr: number;
  /** mean realistic rank (1 = best, width = worst) */
  meanRank: number;
  hits1: number;
  hits3: number;
  hits10: number;
}

/**
 * The OGB WikiKG90M metric of a top-10 prediction.
 *
 * @param top10 shape: [Q, 10], row-major — candidate indices, best first
 * @param correctIndex shape: [Q] — index of the true tail within each row's candidates
 * @param width candidates per row; every index must be in [0, width)
 * @param source names the prediction in error messages (e.g. its file)
 */
export function ogbMrr(top10: Int32Array, correctIndex: Int32Array, width: number = OGB_WIDTH, source = "top10"): OgbMetrics {
  const queries = correctIndex.length;
  checkWidth(width, source);
  check(queries > 0, source, "no queries to evaluate");
  check(
    top10.length === queries * OGB_TOP,
    source,
    `expected shape [${queries}, ${OGB_TOP}] (${queries * OGB_TOP} entries) to match ${queries} correct indices, got ${top10.length} entries`,
  );
  let reciprocalSum = 0;
  let hits1 = 0;
  let hits3 = 0;
  let hits10 = 0;
  const duplicateRows: number[] = [];
  for (let q = 0; q < queries; q++) {
    const truth = correctIndex[q];
    check(truth >= 0 && truth < width, source, `correct index of query ${q} is ${truth}, outside [0, ${width})`);
    const row = q * OGB_TOP;
    let position = -1;
    let duplicated = false;
    for (let j = 0; j < OGB_TOP; j++) {
      const index = top10[row + j];
      check(index >= 0 && index < width, source, `row ${q}, column ${j}: candidate index ${index} is outside [0, ${width})`);
      if (index === truth && position < 0) position = j;
      for (let earlier = 0; earlier < j && !duplicated; earlier++) duplicated = top10[row + earlier] === index;
    }
    if (duplicated) duplicateRows.push(q);
    if (position < 0) continue;
    reciprocalSum += 1 / (position + 1);
    if (position < 1) hits1++;
    if (position < 3) hits3++;
    hits10++;
  }
  const mrrIgnoringDuplicates = reciprocalSum / queries;
  return {
    mrr: duplicateRows.length > 0 ? 0 : mrrIgnoringDuplicates,
    mrrIgnoringDuplicates,
    hits1: hits1 / queries,
    hits3: hits3 / queries,
    hits10: hits10 / queries,
    duplicateRows,
  };
}

/**
 * The k best candidates of every row, best first. Ties are broken by the lower candidate index,
 * so the result is deterministic and never repeats an index (OGB's validity rule).
 *
 * @param scores shape: [Q, width], row-major; higher is better; NaN is refused
 * @returns shape: [Q, k] candidate indices
 */
export function topK(scores: Float32Array, k: number = OGB_TOP, width: number = OGB_WIDTH): Int32Array {
  checkWidth(width, "scores");
  check(scores.length % width === 0, "scores", `${scores.length} scores do not form rows of ${width} candidates`);
  check(Number.isInteger(k) && k >= 1 && k <= width, "k", `must be an integer in [1, ${width}], got ${k}`);
  const queries = scores.length / width;
  const result = new Int32Array(queries * k); // shape: [Q, k]
  const bestScore = new Float64Array(k); // shape: [k], sorted descending
  const bestIndex = new Int32Array(k); // shape: [k]
  for (let q = 0; q < queries; q++) {
    const row = q * width;
    let filled = 0;
    for (let j = 0; j < width; j++) {
      const s = scores[row + j];
      if (Number.isNaN(s)) throw new KgcError("scores", `row ${q}, candidate ${j} is NaN`);
      // Strictly greater only: an equal score arrives later, i.e. with a higher index, and ranks below.
      if (filled === k && !(s > bestScore[k - 1])) continue;
      let slot = filled < k ? filled++ : k - 1;
      while (slot > 0 && s > bestScore[slot - 1]) {
        bestScore[slot] = bestScore[slot - 1];
        bestIndex[slot] = bestIndex[slot - 1];
        slot--;
      }
      bestScore[slot] = s;
      bestIndex[slot] = j;
    }
    result.set(bestIndex, q * k);
  }
  return result;
}

/**
 * Realistic rank of the true candidate among all candidates of its row: the mean of the
 * optimistic rank (1 + #strictly better) and the pessimistic rank (#at least as good, itself
 * included), so ties neither help nor hurt on average.
 *
 * @param scores shape: [Q, width], row-major; higher is better; NaN is refused
 * @param correctIndex shape: [Q]
 * @returns shape: [Q] ranks in [1, width], possibly x.5
 */
export function candidateRanks(scores: Float32Array, correctIndex: Int32Array): Float64Array {
  const queries = correctIndex.length;
  check(queries > 0, "correctIndex", "no queries to evaluate");
  check(scores.length % queries === 0, "scores", `${scores.length} scores do not form ${queries} equal rows`);
  const width = scores.length / queries;
  const ranks = new Float64Array(queries); // shape: [Q]
  for (let q = 0; q < queries; q++) {
    const truth = correctIndex[q];
    check(truth >= 0 && truth < width, "correctIndex", `query ${q} is ${truth}, outside [0, ${width})`);
    const row = q * width;
    const trueScore = scores[row + truth];
    if (Number.isNaN(trueScore)) throw new KgcError("scores", `row ${q}, candidate ${truth} (the true one) is NaN`);
    let better = 0;
    let tied = 0; // includes the true candidate itself
    for (let j = 0; j < width; j++) {
      const s = scores[row + j];
      if (s > trueScore) better++;
      else if (s === trueScore) tied++;
      else if (Number.isNaN(s)) throw new KgcError("scores", `row ${q}, candidate ${j} is NaN`);
    }
    ranks[q] = (better + 1 + (better + tied)) / 2;
  }
  return ranks;
}

/** MRR, mean rank and Hits@1/3/10 of the true candidate over all candidates (see `candidateRanks`). */
export function candidateMrr(scores: Float32Array, correctIndex: Int32Array): CandidateMetrics {
  const ranks = candidateRanks(scores, correctIndex);
  let reciprocalSum = 0;
  let rankSum = 0;
  let hits1 = 0;
  let hits3 = 0;
  let hits10 = 0;
  for (const rank of ranks) {
    reciprocalSum += 1 / rank;
    rankSum += rank;
    if (rank <= 1) hits1++;
    if (rank <= 3) hits3++;
    if (rank <= 10) hits10++;
  }
  const n = ranks.length;
  return { mrr: reciprocalSum / n, meanRank: rankSum / n, hits1: hits1 / n, hits3: hits3 / n, hits10: hits10 / n };
}

function checkWidth(width: number, source: string): void {
  check(Number.isInteger(width) && width >= 1, source, `candidate width must be a positive integer, got ${width}`);
}
