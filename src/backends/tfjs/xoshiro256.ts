/**
 * xoshiro256** over four words of a BigUint64Array: the native engine's per-thread RNG
 * (src/native/common/rng.h), so the tfjs sampler draws the same stream from the same counters and
 * a checkpoint's RNG state resumes on either backend. BigInt arithmetic: ~1 µs a draw, small next
 * to a tfjs step.
 */
const MASK = (1n << 64n) - 1n;

const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & MASK;

export class Xoshiro256 {
  /** shape: [4 words] at `offset` of `state`, updated in place */
  constructor(private readonly state: BigUint64Array, private readonly offset = 0) {}

  next(): bigint {
    const s = this.state, o = this.offset;
    const s0 = s[o]!, s1 = s[o + 1]!, s2 = s[o + 2]!, s3 = s[o + 3]!;
    const result = (rotl((s1 * 5n) & MASK, 7n) * 9n) & MASK;
    const t = (s1 << 17n) & MASK;
    const n2 = s2 ^ s0, n3 = s3 ^ s1;
    s[o + 1] = s1 ^ n2;
    s[o] = s0 ^ n3;
    s[o + 2] = n2 ^ t;
    s[o + 3] = rotl(n3, 45n);
    return result;
  }

  /** uniform in [0, n): Lemire's multiply-shift, as the native Rng::below */
  below(n: number): number {
    return Number((this.next() * BigInt(n)) >> 64n);
  }
}
