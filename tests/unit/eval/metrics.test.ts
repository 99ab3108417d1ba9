import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { Side } from "../../../src/core/types.js";
import { filteredRank, RankAccumulator, type RankSummary } from "../../../src/eval/metrics.js";

function close(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
}

/** Checks a summary against ranks written out by hand. */
function assertSummary(summary: RankSummary | null | undefined, ranks: number[]): void {
  assert.ok(summary, "expected a summary");
  assert.equal(summary.count, ranks.length);
  close(summary.meanRank, ranks.reduce((a, r) => a + r, 0) / ranks.length);
  close(summary.mrr, ranks.reduce((a, r) => a + 1 / r, 0) / ranks.length);
  close(summary.hits1, ranks.filter((r) => r <= 1).length / ranks.length);
  close(summary.hits3, ranks.filter((r) => r <= 3).length / ranks.length);
  close(summary.hits10, ranks.filter((r) => r <= 10).length / ranks.length);
}

describe("filteredRank", () => {
  test("ties: [3, 5, 5, 5, 1] with the true entity a 5 → optimistic 1, pessimistic 3, realistic 2", () => {
    // Nothing scores above 5, and three entities (the true one included) score exactly 5.
    assert.deepEqual(filteredRank(Float32Array.from([3, 5, 5, 5, 1]), 1, []), { optimistic: 1, pessimistic: 3, realistic: 2 });
    assert.deepEqual(filteredRank(Float32Array.from([3, 5, 5, 5, 1]), 3, []), { optimistic: 1, pessimistic: 3, realistic: 2 });
    // One entity above (7), three tied at 5 → optimistic 2, pessimistic 4, realistic 3.
    assert.deepEqual(filteredRank(Float32Array.from([3, 5, 5, 5, 1, 7]), 1, []), { optimistic: 2, pessimistic: 4, realistic: 3 });
    // The 3: four entities above, no tie → rank 5 every way.
    assert.deepEqual(filteredRank(Float32Array.from([3, 5, 5, 5, 1, 7]), 0, []), { optimistic: 5, pessimistic: 5, realistic: 5 });
  });

  test("filtered entities are removed before ranking", () => {
    const scores = Float32Array.from([9, 5, 7, 5, 1, 8]);
    // Unfiltered: 9, 7, 8 above the true 5; entities 1 and 3 tie → optimistic 4, pessimistic 5.
    assert.deepEqual(filteredRank(scores, 1, []), { optimistic: 4, pessimistic: 5, realistic: 4.5 });
    // Filter out the 9 (entity 0) and the tied 5 (entity 3): 7 and 8 remain above → 3, 3.
    assert.deepEqual(filteredRank(scores, 1, [0, 3]), { optimistic: 3, pessimistic: 3, realistic: 3 });
    // Duplicates and the true entity in the filter change nothing.
    assert.deepEqual(filteredRank(scores, 1, Int32Array.from([3, 0, 0, 1, 3])), { optimistic: 3, pessimistic: 3, realistic: 3 });
    // Filtering everything above and tied leaves rank 1; filtering entities below changes nothing.
    assert.deepEqual(filteredRank(scores, 1, [0, 2, 3, 5]), { optimistic: 1, pessimistic: 1, realistic: 1 });
    assert.deepEqual(filteredRank(scores, 1, [4]), { optimistic: 4, pessimistic: 5, realistic: 4.5 });
  });

  test("NaN scores and out-of-range ids are refused", () => {
    assert.throws(() => filteredRank(Float32Array.from([1, Number.NaN, 2]), 0, []), /entity 1 has a NaN score/);
    assert.throws(() => filteredRank(Float32Array.from([Number.NaN, 1]), 0, []), /true entity 0 has a NaN score/);
    assert.throws(() => filteredRank(Float32Array.from([1, 2]), 2, []), KgcError);
    assert.throws(() => filteredRank(Float32Array.from([1, 2]), 0, [5]), /entry 0 is 5/);
    assert.throws(() => filteredRank(Float32Array.from([1, 2]), 0, [-1]), KgcError);
  });
});

describe("RankAccumulator", () => {
  test("MR, MRR and Hits@1/3/10 overall, per side and per relation", () => {
    const acc = new RankAccumulator();
    acc.addRank(1, 0, Side.Tail);
    acc.addRank(2, 0, Side.Tail);
    acc.addRank(4, 0, Side.Tail);
    acc.addRank(10.5, 0, Side.Head);
    acc.addRanks(Float64Array.from([3]), Int32Array.from([3]), Side.Tail);
    assert.equal(acc.count, 5);
    const metrics = acc.finalize();

    // Overall by hand: MR = (1 + 2 + 4 + 10.5 + 3) / 5 = 4.1; Hits@1 1/5, Hits@3 3/5, Hits@10 4/5.
    close(metrics.overall.meanRank, 4.1);
    close(metrics.overall.mrr, (1 + 1 / 2 + 1 / 4 + 1 / 10.5 + 1 / 3) / 5);
    close(metrics.overall.hits1, 0.2);
    close(metrics.overall.hits3, 0.6);
    close(metrics.overall.hits10, 0.8);
    assertSummary(metrics.overall, [1, 2, 4, 10.5, 3]);
    assertSummary(metrics.tail, [1, 2, 4, 3]);
    assertSummary(metrics.head, [10.5]);
    close(metrics.head?.hits10, 0); // 10.5 > 10

    assert.deepEqual(metrics.byRelation.map((r) => r.relation), [0, 3]);
    const [r0, r3] = metrics.byRelation;
    assertSummary(r0?.both, [1, 2, 4, 10.5]);
    assertSummary(r0?.tail, [1, 2, 4]);
    assertSummary(r0?.head, [10.5]);
    assertSummary(r3?.both, [3]);
    assertSummary(r3?.tail, [3]);
    assert.equal(r3?.head, null);
  });

  test("addScores ranks from scores with the filter and adds the realistic rank", () => {
    const acc = new RankAccumulator();
    const rank = acc.addScores(Float32Array.from([9, 5, 7, 5, 1, 8]), 1, [0], 2, Side.Head);
    assert.deepEqual(rank, { optimistic: 3, pessimistic: 4, realistic: 3.5 });
    acc.addScores(Float32Array.from([3, 5, 5, 5, 1]), 2, [], 2, Side.Head); // realistic 2
    const metrics = acc.finalize();
    assertSummary(metrics.overall, [3.5, 2]);
    assert.equal(metrics.tail, null);
    assertSummary(metrics.byRelation[0]?.head, [3.5, 2]);
  });

  test("bad ranks, relations and sides are refused without changing the sums; clear() forgets", () => {
    const acc = new RankAccumulator();
    assert.throws(() => acc.finalize(), /no ranks were added/);
    assert.throws(() => acc.addRank(0, 0, Side.Tail), KgcError);
    assert.throws(() => acc.addRank(Number.NaN, 0, Side.Tail), KgcError);
    assert.throws(() => acc.addRank(Number.POSITIVE_INFINITY, 0, Side.Tail), KgcError);
    assert.throws(() => acc.addRank(1, -1, Side.Tail), KgcError);
    assert.throws(() => acc.addRank(1, 0.5, Side.Tail), KgcError);
    assert.throws(() => acc.addRank(1, 4, "sideways" as Side), KgcError);
    assert.throws(() => acc.addRanks(Float64Array.from([1, 2]), Int32Array.from([0]), Side.Tail), KgcError);
    assert.equal(acc.count, 0);
    acc.addRank(2, 1, Side.Head);
    assert.deepEqual(acc.finalize().byRelation.map((r) => r.relation), [1]); // no empty cell for relation 4
    acc.clear();
    assert.equal(acc.count, 0);
    assert.throws(() => acc.finalize(), KgcError);
  });
});
