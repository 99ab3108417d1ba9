/**
 * The plain-TS objective the native kernels (src/native/ensemble/, through objective.ts) are
 * tested and benchmarked against: OGB MRR of a blend on the pruned problem, and the exact line
 * search along one weight. With the other weights fixed, each contested candidate passes the true
 * one at one breakpoint w_c = −base/d_c, so MRR(w_c) is piecewise constant and one sorted sweep
 * over the breakpoints finds its best interval. Sums are integer MRR units (objective.ts), so they
 * are exact and equal the native ones bit for bit.
 */
import { OGB_TOP } from "../eval/index.js";
import { mrrOfUnits, UNITS_OF_AHEAD, type Blend, type LineSearchResult } from "./objective.js";
import type { RankProblem } from "./rank-problem.js";

/** OGB MRR over `queries` of the blend with `weights` (shape: [M]), blended input by input. */
export function referenceMrr(problem: RankProblem, weights: ArrayLike<number>, queries: Int32Array): number {
  const { alwaysAhead, offsets, tieAhead } = problem;
  const dot = new Float64Array(tieAhead.length); // shape: [E]
  problem.columns.forEach((column, m) => {
    const w = weights[m]!;
    if (w === 0) return;
    for (const q of queries) for (let e = offsets[q]!, end = offsets[q + 1]!; e < end; e++) dot[e]! += w * column[e]!;
  });
  let units = 0;
  for (const q of queries) {
    let ahead = alwaysAhead[q]!;
    for (let e = offsets[q]!, end = offsets[q + 1]!; e < end && ahead < OGB_TOP; e++) {
      const d = dot[e]!;
      if (d > 0 || (d === 0 && tieAhead[e] === 1)) ahead++;
    }
    units += UNITS_OF_AHEAD[Math.min(ahead, OGB_TOP)]!;
  }
  return mrrOfUnits(units, queries.length);
}

/** The best non-negative value of weights[c] with the other weights fixed, by an exact sweep. */
export function referenceLineSearch(blend: Blend, c: number): LineSearchResult {
  const { problem, queries, dot, weights } = blend;
  const { alwaysAhead, offsets, tieAhead } = problem;
  const column = problem.columns[c]!;
  const current = weights[c]!;
  const E = tieAhead.length;
  const keys = new Uint32Array(E); // float32 bits of the breakpoint, ordered like the (positive) value
  const entry = new Uint32Array(E);
  const entryQuery = new Int32Array(E);
  const ahead = new Int32Array(problem.queries); // counts just above w_c = 0
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
    total += UNITS_OF_AHEAD[Math.min(a, OGB_TOP)]!;
  }
  const order = radixOrder(keys, count);
  // sweep: intervals (0, t1), (t1, t2), ..., (tk, ∞); MRR is constant inside each
  let best = total;
  let bestLo = 0;
  let bestHi = count > 0 ? tOf(keys[order[0]!]!) : Infinity;
  let currentUnits = current > 0 && current < bestHi ? total : -1;
  for (let k = 0; k < count; ) {
    const key = keys[order[k]!]!;
    for (; k < count && keys[order[k]!] === key; k++) {
      const i = order[k]!;
      const q = entryQuery[i]!;
      const before = ahead[q]!;
      const after = column[entry[i]!]! > 0 ? before + 1 : before - 1;
      ahead[q] = after;
      total += UNITS_OF_AHEAD[Math.min(after, OGB_TOP)]! - UNITS_OF_AHEAD[Math.min(before, OGB_TOP)]!;
    }
    const lo = tOf(key);
    const hi = k < count ? tOf(keys[order[k]!]!) : Infinity;
    if (current > lo && current < hi) currentUnits = total;
    if (total > best) {
      best = total;
      bestLo = lo;
      bestHi = hi;
    }
  }
  if (currentUnits >= best) return { value: current, mrr: mrrOfUnits(currentUnits, queries.length) };
  const value = bestHi === Infinity ? (bestLo > 0 ? 2 * bestLo : 1) : (bestLo + bestHi) / 2;
  return { value, mrr: mrrOfUnits(best, queries.length) };
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
