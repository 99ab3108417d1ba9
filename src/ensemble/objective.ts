/**
 * OGB's MRR of a weighted blend on the pruned problem (rank of the true candidate = 1 + the
 * candidates ahead of it; 1/rank when rank ≤ 10, else 0), and the exact line search along one
 * weight: with the other weights fixed, each contested candidate passes the true one at one
 * breakpoint w_c = −base/d_c, so MRR(w_c) is piecewise constant and one sorted sweep over the
 * breakpoints finds its best interval. A Blend keeps every entry's Σ w·d, so moving one weight
 * costs O(E), not O(E·M).
 */
import { OGB_TOP } from "../eval/index.js";
import type { RankProblem } from "./rank-problem.js";

const RECIPROCAL = Float64Array.from({ length: OGB_TOP + 1 }, (_, ahead) => (ahead < OGB_TOP ? 1 / (ahead + 1) : 0));

/** Every query id of the problem, in order. */
export function allQueries(problem: RankProblem): Int32Array {
  return Int32Array.from({ length: problem.queries }, (_, q) => q);
}

/** Weights and, for the entries of `queries`, their blended difference Σ_m w_m·d_m. */
export class Blend {
  readonly weights: Float64Array; // shape: [M]
  readonly dot: Float64Array; // shape: [E], valid on the entries of `queries`
  /** line-search scratch, allocated once per blend: breakpoint keys, entries, their queries, per-query counts */
  readonly scratch: { keys: Uint32Array; entry: Uint32Array; entryQuery: Int32Array; ahead: Int32Array; order: Uint32Array; next: Uint32Array };

  /** @param weights shape: [M], non-negative, not all 0 */
  constructor(readonly problem: RankProblem, weights: ArrayLike<number>, readonly queries: Int32Array) {
    this.weights = Float64Array.from(weights);
    const E = problem.tieAhead.length;
    this.dot = new Float64Array(E);
    this.scratch = { keys: new Uint32Array(E), entry: new Uint32Array(E), entryQuery: new Int32Array(E), ahead: new Int32Array(problem.queries), order: new Uint32Array(E), next: new Uint32Array(E) };
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

  /** OGB MRR over the blend's queries. */
  mrr(): number {
    return mrrOfDots(this.problem, this.dot, this.queries);
  }
}

/**
 * OGB MRR given every entry's blended difference.
 * @param dot shape: [E], valid on the entries of `queries`
 */
function mrrOfDots(problem: RankProblem, dot: Float64Array, queries: Int32Array): number {
  const { alwaysAhead, offsets, tieAhead } = problem;
  if (queries.length === 0) return 0;
  let sum = 0;
  for (const q of queries) {
    let ahead = alwaysAhead[q]!;
    for (let e = offsets[q]!, end = offsets[q + 1]!; e < end && ahead < OGB_TOP; e++) {
      const d = dot[e]!;
      if (d > 0 || (d === 0 && tieAhead[e] === 1)) ahead++;
    }
    sum += RECIPROCAL[Math.min(ahead, OGB_TOP)]!;
  }
  return sum / queries.length;
}

/**
 * OGB MRR of any weights over fixed queries, for searches that evaluate thousands of weight vectors
 * (the simplex, CMA-ES): one blended-difference buffer allocated once, filled input by input
 * (each pass streams one column).
 */
export class Objective {
  private readonly dot: Float64Array; // shape: [E]

  constructor(readonly problem: RankProblem, readonly queries: Int32Array) {
    this.dot = new Float64Array(problem.tieAhead.length);
  }

  /** @param weights shape: [M], non-negative, not all 0 */
  mrr(weights: ArrayLike<number>): number {
    const { problem, queries, dot } = this;
    const { offsets } = problem;
    for (const q of queries) dot.fill(0, offsets[q]!, offsets[q + 1]!);
    problem.columns.forEach((column, m) => {
      const w = weights[m]!;
      if (w === 0) return;
      for (const q of queries) for (let e = offsets[q]!, end = offsets[q + 1]!; e < end; e++) dot[e]! += w * column[e]!;
    });
    return mrrOfDots(problem, dot, queries);
  }
}

/** OGB MRR over `queries` of the blend with `weights` (shape: [M]). */
export function mrrAt(problem: RankProblem, weights: ArrayLike<number>, queries: Int32Array): number {
  return new Objective(problem, queries).mrr(weights);
}

export interface LineSearchResult {
  /** the best value of weights[c] (the current one when it is among the best) */
  value: number;
  /** MRR there */
  mrr: number;
}

/** The best non-negative value of weights[c] with the other weights fixed, by an exact sweep. */
export function lineSearch(blend: Blend, c: number): LineSearchResult {
  const { problem, queries, dot, weights } = blend;
  const { alwaysAhead, offsets, tieAhead } = problem;
  const column = problem.columns[c]!;
  const current = weights[c]!;
  const { keys, entry, entryQuery, ahead } = blend.scratch; // keys: float32 bits of the breakpoint, ordered like the (positive) value; ahead: counts just above w_c = 0
  const bits = new Float32Array(1);
  const bitsU = new Uint32Array(bits.buffer);
  let count = 0;
  let total = 0;
  for (const q of queries) {
    let a = alwaysAhead[q]!;
    if (a >= OGB_TOP) continue;
    for (let e = offsets[q]!, end = offsets[q + 1]!; e < end; e++) {
      const slope = column[e]!;
      const base = dot[e]! - current * slope;
      if (base > 0 || (base === 0 && (slope > 0 || (slope === 0 && tieAhead[e] === 1)))) a++;
      const t = slope !== 0 ? -base / slope : -1;
      if (t > 0 && t < Infinity) {
        bits[0] = t;
        keys[count] = bitsU[0]!;
        entryQuery[count] = q;
        entry[count++] = e;
      }
    }
    ahead[q] = a;
    total += RECIPROCAL[Math.min(a, OGB_TOP)]!;
  }
  const order = radixOrder(keys, count, blend.scratch.order, blend.scratch.next);
  // sweep: intervals (0, t1), (t1, t2), ..., (tk, ∞); MRR is constant inside each
  let bestSum = total;
  let bestLo = 0;
  let bestHi = count > 0 ? tOf(keys[order[0]!]!) : Infinity;
  let currentSum = current > 0 && current < bestHi ? total : -1;
  for (let k = 0; k < count; ) {
    const key = keys[order[k]!]!;
    for (; k < count && keys[order[k]!] === key; k++) {
      const i = order[k]!;
      const q = entryQuery[i]!;
      const before = ahead[q]!;
      const after = column[entry[i]!]! > 0 ? before + 1 : before - 1;
      ahead[q] = after;
      total += RECIPROCAL[Math.min(after, OGB_TOP)]! - RECIPROCAL[Math.min(before, OGB_TOP)]!;
    }
    const lo = tOf(key);
    const hi = k < count ? tOf(keys[order[k]!]!) : Infinity;
    if (current > lo && current < hi) currentSum = total;
    if (total > bestSum + 1e-9) {
      bestSum = total;
      bestLo = lo;
      bestHi = hi;
    }
  }
  const n = Math.max(queries.length, 1);
  if (currentSum >= bestSum - 1e-9) return { value: current, mrr: currentSum / n };
  const value = bestHi === Infinity ? (bestLo > 0 ? 2 * bestLo : 1) : (bestLo + bestHi) / 2;
  return { value, mrr: bestSum / n };
}

const keyBits = new Uint32Array(1);
const keyValue = new Float32Array(keyBits.buffer);
function tOf(key: number): number {
  keyBits[0] = key;
  return keyValue[0]!;
}

/**
 * Stable LSD radix sort (2 passes of 16 bits) of the first `count` keys: the permutation, ascending.
 * `order` and `next` (length ≥ count) are scratch; the result is one of them.
 */
export function radixOrder(keys: Uint32Array, count: number, order: Uint32Array = new Uint32Array(count), next: Uint32Array = new Uint32Array(count)): Uint32Array {
  for (let i = 0; i < count; i++) order[i] = i;
  const histogram = new Uint32Array(65536);
  for (let shift = 0; shift < 32; shift += 16) {
    histogram.fill(0);
    for (let i = 0; i < count; i++) histogram[(keys[i]! >>> shift) & 65535]!++;
    let sum = 0;
    for (let b = 0; b < 65536; b++) {
      const h = histogram[b]!;
      histogram[b] = sum;
      sum += h;
    }
    for (let i = 0; i < count; i++) {
      const o = order[i]!;
      next[histogram[(keys[o]! >>> shift) & 65535]!++] = o;
    }
    [order, next] = [next, order];
  }
  return order;
}
