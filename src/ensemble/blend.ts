/**
 * The ensemble's blended score of one query's candidates, from weights.json: each input's raw
 * scores are normalised over the candidate row (the normalisation weights.json records), multiplied
 * by the input's weight for the query's relation group, and summed. Kept per input so `--explain`
 * can show what each one contributed: the contributions sum to the blended score by construction.
 */
import type { EnsembleInput, EnsembleWeights } from "./weights.js";

/** 1 + the number of entries strictly above `row[i]` (rank 1 = best). shape of row: [K] */
function strictRank(row: ArrayLike<number>, i: number): number {
  let better = 0;
  for (let j = 0; j < row.length; j++) if (row[j]! > row[i]!) better++;
  return better + 1;
}

/** Realistic rank of every entry within its row (ties share the mean of their positions). shape: [K] */
export function rowRanks(row: ArrayLike<number>): Float64Array {
  const K = row.length;
  const out = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    let better = 0, tied = 0;
    for (let j = 0; j < K; j++) {
      if (row[j]! > row[i]!) better++;
      else if (row[j] === row[i]) tied++;
    }
    out[i] = (better + 1 + better + tied) / 2;
  }
  return out;
}

/**
 * One input's raw scores over a candidate row, normalised as weights.json says.
 * @param raw shape: [K]
 * @returns shape: [K], in [0, 1] for the per-query forms
 */
export function normaliseRow(raw: ArrayLike<number>, input: EnsembleInput): Float64Array {
  const K = raw.length;
  const out = new Float64Array(K);
  if (input.normalisation === "query-rank") {
    for (let i = 0; i < K; i++) out[i] = (K - strictRank(raw, i) + 1) / K; // best -> 1, worst -> 1/K
    return out;
  }
  let lo = Infinity, hi = -Infinity;
  if (input.normalisation === "global-minmax") {
    lo = input.min ?? 0;
    hi = input.max ?? 1;
  } else {
    for (let i = 0; i < K; i++) {
      lo = Math.min(lo, raw[i]!);
      hi = Math.max(hi, raw[i]!);
    }
  }
  const span = hi - lo;
  for (let i = 0; i < K; i++) out[i] = span > 0 ? (raw[i]! - lo) / span : 0; // a flat row moves no candidate
  return out;
}

/** The weights (one per input, `inputs` order) of the group that covers `relation`. */
export function weightsFor(w: EnsembleWeights, relation: number): number[] {
  const own = w.groups.find((g) => g.relations?.includes(relation));
  const rest = w.groups.find((g) => g.relations === null);
  return (own ?? rest ?? { weights: w.inputs.map(() => 0) }).weights;
}

export interface BlendedRow {
  /** shape: [K] */
  score: Float64Array;
  /** shape: [inputs, K]: weight x normalised value of each input (0 for a left-out input) */
  contribution: Float64Array[];
}

/**
 * @param raw one row per input, shape [K] each, or null for an input left out of this query
 * @param weights one per input
 */
export function blendRow(inputs: readonly EnsembleInput[], raw: readonly (ArrayLike<number> | null)[], weights: readonly number[], K: number): BlendedRow {
  const score = new Float64Array(K);
  const contribution = inputs.map((input, i) => {
    const r = raw[i];
    if (!r) return new Float64Array(K);
    const c = normaliseRow(r, input).map((v) => v * weights[i]!);
    for (let k = 0; k < K; k++) score[k]! += c[k]!;
    return c;
  });
  return { score, contribution };
}
