/**
 * The weight search's objective on the pruned problem (rank-problem.ts), run by the native kernels
 * (src/native/ensemble/, threaded): OGB's MRR of weighted blends (rank of the true candidate =
 * 1 + the candidates ahead of it; 1/rank when rank ≤ 10, else 0), one weight vector or a batch per
 * pass over the contested entries, and the exact line search along one weight. MRR is summed in
 * integer units of 1/2520 per query (2520 = lcm(1..10)), so sums are exact in any order and the
 * plain-TS reference (objective-reference.ts) matches bit for bit. A Blend keeps every entry's
 * Σ w·d, so moving one weight costs O(E), not O(E·M).
 */
import { availableParallelism } from "node:os";
import { nativeBlendUnits, nativeLineSearch } from "../backends/native/ensemble-binding.js";
import { OGB_TOP } from "../eval/index.js";
import type { RankProblem } from "./rank-problem.js";

export const UNITS_PER_QUERY = 2520;
/** shape: [OGB_TOP + 1] a query's MRR units by the number of candidates ahead of its answer */
export const UNITS_OF_AHEAD = Int32Array.from({ length: OGB_TOP + 1 }, (_, ahead) => (ahead < OGB_TOP ? UNITS_PER_QUERY / (ahead + 1) : 0));

export function mrrOfUnits(units: number, queries: number): number {
  return queries === 0 ? 0 : units / UNITS_PER_QUERY / queries;
}

const THREADS = availableParallelism();

/** Every query id of the problem, in order. */
export function allQueries(problem: RankProblem): Int32Array {
  return Int32Array.from({ length: problem.queries }, (_, q) => q);
}

/** Weights and, for the entries of `queries`, their blended difference Σ_m w_m·d_m. */
export class Blend {
  readonly weights: Float64Array; // shape: [M]
  readonly dot: Float64Array; // shape: [E], valid on the entries of `queries`

  /** @param weights shape: [M], non-negative, not all 0 */
  constructor(readonly problem: RankProblem, weights: ArrayLike<number>, readonly queries: Int32Array) {
    this.weights = Float64Array.from(weights);
    this.dot = new Float64Array(problem.tieAhead.length);
    problem.columns.forEach((column, m) => this.addColumn(this.weights[m]!, column));
  }

  private addColumn(amount: number, column: Float32Array): void {
    if (amount === 0) return;
    const { offsets } = this.problem;
    for (const q of this.queries) for (let e = offsets[q]!, end = offsets[q + 1]!; e < end; e++) this.dot[e]! += amount * column[e]!;
  }

  /** Sets weights[c] and updates the blended differences. */
  setWeight(c: number, value: number): void {
    this.addColumn(value - this.weights[c]!, this.problem.columns[c]!);
    this.weights[c] = value;
  }

  /** Scales every weight so they sum to 1 (rankings do not change). */
  normalise(): void {
    const sum = this.weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0)) return;
    for (let m = 0; m < this.weights.length; m++) this.weights[m]! /= sum;
    for (const q of this.queries) for (let e = this.problem.offsets[q]!, end = this.problem.offsets[q + 1]!; e < end; e++) this.dot[e]! /= sum;
  }
}

/** OGB MRR over `queries` of the blend with `weights` (shape: [M], non-negative). */
export function mrrAt(problem: RankProblem, weights: ArrayLike<number>, queries: Int32Array): number {
  return mrrsAt(problem, [weights], queries)[0]!;
}

/** OGB MRR over `queries` of each weight vector (each shape: [M]), in one pass over the entries. */
export function mrrsAt(problem: RankProblem, weights: readonly ArrayLike<number>[], queries: Int32Array): Float64Array {
  const M = problem.inputs;
  const packed = new Float64Array(weights.length * M); // shape: [B, M]
  weights.forEach((w, b) => packed.set(Array.from({ length: M }, (_, m) => w[m]!), b * M));
  return nativeBlendUnits(problem, queries, packed, THREADS).map((units) => mrrOfUnits(units, queries.length));
}

export interface LineSearchResult {
  /** the best value of weights[c] (the current one when it is among the best) */
  value: number;
  /** MRR there */
  mrr: number;
}

/** The best non-negative value of weights[c] with the other weights fixed, by an exact sweep. */
export function lineSearch(blend: Blend, c: number): LineSearchResult {
  const found = nativeLineSearch(blend.problem, blend.queries, blend.dot, c, blend.weights[c]!, THREADS);
  return { value: found.value, mrr: mrrOfUnits(found.units, blend.queries.length) };
}
