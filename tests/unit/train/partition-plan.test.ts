/** Picking P and C from a memory budget, and the one-line errors when it cannot be done. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { betaOrder, countLoads } from "../../../src/train/bucket-order.js";
import { FIXED_OVERHEAD_BYTES, planPartitions } from "../../../src/train/partition-plan.js";

const BIG = { numEntities: 10_000_000, numTriples: 100_000_000, rowFloats: 201 }; // d = 200 + Adagrad state: 8.04 GB

describe("planPartitions", () => {
  it("a budget above the whole table keeps everything in memory (P = C = 1)", () => {
    const p = planPartitions({ ...BIG, memoryGb: 16 });
    assert.deepEqual([p.partitions, p.buffer], [1, 1]);
  });

  it("a 4 GB budget for an 8 GB table: a buffer of >= 2 within the budget, the least swap traffic of the P that fit (mean buckets >= 100k triples)", () => {
    const p = planPartitions({ ...BIG, memoryGb: 4 });
    assert.ok(p.partitions >= 4 && p.buffer >= 2 && p.buffer <= p.partitions, JSON.stringify(p));
    assert.ok(p.residentBytes <= 4e9);
    assert.equal(p.partSize, Math.ceil(BIG.numEntities / p.partitions));
    const traffic = (P: number, C: number): number => countLoads(betaOrder(P, C)) * Math.ceil(BIG.numEntities / P) * 201 * 4;
    for (const P of [2, 4, 8, 16]) { // P = 32 has mean buckets under MIN_MEAN_BUCKET_TRIPLES
      let C = 0;
      for (let c = 2; c <= P; c++) if ((c + 2) * Math.ceil(BIG.numEntities / P) * 201 * 4 + 28 * Math.min(BIG.numTriples, 4 * BIG.numTriples / (P * P)) + FIXED_OVERHEAD_BYTES <= 4e9) C = c;
      if (C >= 2) assert.ok(traffic(p.partitions, p.buffer) <= traffic(P, C) / 0.95 + 1, `P=${P} C=${C} moves less than the pick ${JSON.stringify(p)}`);
    }
  });

  it("too small a budget: one error naming the smallest that works", () => {
    assert.throws(() => planPartitions({ ...BIG, memoryGb: 0.3 }), (e: unknown) => e instanceof KgcError && /too small for even two partitions.*smallest that works is \d+\.\d+ GB \(256 partitions, buffer 2\)/.test(e.message));
    const need = Number(/smallest that works is ([\d.]+) GB/.exec((() => { try { planPartitions({ ...BIG, memoryGb: 0.3 }); } catch (e) { return (e as Error).message; } return ""; })())![1]);
    assert.doesNotThrow(() => planPartitions({ ...BIG, memoryGb: need }), "the named budget works");
  });

  it("explicit --partitions/--buffer: both needed, C <= P", () => {
    assert.deepEqual([planPartitions({ ...BIG, partitions: 8, buffer: 3 }).buffer, planPartitions({ ...BIG, partitions: 8, buffer: 3 }).partitions], [3, 8]);
    assert.throws(() => planPartitions({ ...BIG, partitions: 8 }), /give both --partitions P and --buffer C/);
    assert.throws(() => planPartitions({ ...BIG, partitions: 2, buffer: 3 }), /3 is more than --partitions 2/);
    assert.throws(() => planPartitions({ ...BIG, partitions: 4, buffer: 1 }), /at least 2 partitions/);
  });
});
