/**
 * The BETA bucket order: every bucket trained exactly once per epoch, only when both its
 * partitions are in the buffer, never more than C partitions resident, and far fewer loads than
 * a row-by-row order (one buffer state per bucket row).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { betaOrder, countLoads, type BufferState } from "../../../src/train/bucket-order.js";

/** Loads of the naive order: for each head partition i, hold i and walk every tail partition through one other slot. */
function naiveLoads(P: number): number {
  const states: BufferState[] = [];
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) states.push({ slots: i === j ? [i, -1] : [i, j], buckets: [[i, j]] });
  return countLoads(states);
}

describe("betaOrder", () => {
  for (const [P, C] of [[1, 1], [2, 2], [4, 2], [5, 2], [8, 3], [16, 4], [7, 7], [9, 4]] as const) {
    it(`P=${P}, C=${C}: each of the P² buckets once, with both partitions resident`, () => {
      const states = betaOrder(P, C);
      const seen = new Map<string, number>();
      for (const s of states) {
        assert.equal(s.slots.length, C);
        const resident = s.slots.filter((p) => p >= 0);
        assert.equal(new Set(resident).size, resident.length, "a partition in two slots");
        for (const [i, j] of s.buckets) {
          assert.ok(resident.includes(i) && resident.includes(j), `bucket (${i}, ${j}) trained without its partitions`);
          seen.set(`${i},${j}`, (seen.get(`${i},${j}`) ?? 0) + 1);
        }
      }
      assert.equal(seen.size, P * P);
      assert.ok([...seen.values()].every((n) => n === 1));
    });
  }

  it("partitions that stay resident keep their slot (a swap changes one slot)", () => {
    const states = betaOrder(8, 3);
    for (let k = 1; k < states.length; k++) {
      const a = states[k - 1]!.slots, b = states[k]!.slots;
      for (let s = 0; s < a.length; s++) if (b.includes(a[s]!)) assert.equal(b[s], a[s], `state ${k}`);
    }
  });

  it("needs about P²/(2(C-1)) loads: far fewer than the row-by-row order", () => {
    for (const [P, C] of [[8, 2], [16, 4], [32, 8]] as const) {
      const loads = countLoads(betaOrder(P, C));
      assert.ok(loads <= P * P / (2 * (C - 1)) + 2 * P, `P=${P} C=${C}: ${loads} loads`);
      assert.ok(loads < naiveLoads(P) / 1.5, `P=${P} C=${C}: ${loads} vs naive ${naiveLoads(P)}`);
    }
    assert.equal(countLoads(betaOrder(6, 6)), 6, "everything in memory: each partition loaded once");
  });

  it("refuses a buffer larger than the partitions", () => {
    assert.throws(() => betaOrder(2, 3), RangeError);
    assert.throws(() => betaOrder(6, 1), RangeError, "a bucket (i, j) needs two slots");
  });
});
