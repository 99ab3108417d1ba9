import type { Rng } from "../core/rng.js";

/** Small numeric helpers of the synthetic generator (all draws through the seeded Rng). */

/** Fisher–Yates shuffle of 0..n−1. */
export function randomPermutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = p[i]!;
    p[i] = p[j]!;
    p[j] = tmp;
  }
  return p;
}

/** Scales v to unit norm (a zero vector stays zero). shape of v: [d] */
export function normalise(v: Float64Array): void {
  let n = 0;
  for (let j = 0; j < v.length; j++) n += v[j]! * v[j]!;
  const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
  for (let j = 0; j < v.length; j++) v[j] = v[j]! * inv;
}

/** Fills `out` with a uniformly random unit vector. shape of out: [d] */
export function randomUnit(rng: Rng, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) out[j] = rng.normal();
  normalise(out);
}

/** Smallest i in [lo, hi) with cum[i] > u (binary search over a non-decreasing array). */
export function pickCumulative(cum: Float64Array, u: number, lo = 0, hi = cum.length): number {
  let a = lo;
  let b = hi - 1;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (cum[mid]! > u) b = mid;
    else a = mid + 1;
  }
  return a;
}

/**
 * A Zipf-like rank in [0, n) with P(rank = i) ≈ ∝ (i + 1.5)^−s, in O(1): inverse CDF of the
 * bounded power law x^−s on [1, n + 1), rank = ⌊x⌋ − 1, u ~ U[0, 1):
 *   s = 1: x = exp(u·ln(n + 1));   otherwise x = (1 + u·((n + 1)^(1−s) − 1))^(1/(1−s)).
 * `c` = zipfConstant(n, s), precomputed when many ranks share (n, s).
 */
export function zipfRank(n: number, s: number, u: number, c = zipfConstant(n, s)): number {
  const x = Math.abs(1 - s) < 1e-9 ? Math.exp(u * c) : Math.pow(1 + u * c, 1 / (1 - s));
  const rank = Math.floor(x) - 1;
  return rank < 0 ? 0 : rank >= n ? n - 1 : rank;
}

/** ln(n + 1) when s = 1, else (n + 1)^(1−s) − 1 (see zipfRank). */
export function zipfConstant(n: number, s: number): number {
  return Math.abs(1 - s) < 1e-9 ? Math.log(n + 1) : Math.pow(n + 1, 1 - s) - 1;
}

/** out = a·v. shapes: a [d, d] row-major, v [d], out [d] */
export function matVec(a: Float64Array, v: Float64Array, d: number, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[i * d + j]! * v[j]!;
    out[i] = s;
  }
}
