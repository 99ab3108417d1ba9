import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { candidateMrr, candidateRanks, ogbMrr, topK } from "../../../src/eval/ogb-metric.js";

/** Builds a [Q, 10] prediction from rows written out by hand. */
function rows(...values: number[][]): Int32Array {
  for (const row of values) assert.equal(row.length, 10);
  return Int32Array.from(values.flat());
}

function close(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);
}

describe("ogbMrr (OGB WikiKG90M evaluator)", () => {
  test("true index at position 0 → 1, at position 3 → 0.25, absent → 0", () => {
    const top10 = rows(
      [7, 1, 2, 3, 4, 5, 6, 8, 9, 10], // truth 7 at position 0: rr 1
      [0, 1, 2, 42, 4, 5, 6, 7, 8, 9], // truth 42 at position 3: rr 1/4
      [0, 1, 2, 3, 4, 6, 7, 8, 9, 1000], // truth 5 absent: rr 0
    );
    const result = ogbMrr(top10, Int32Array.from([7, 42, 5]));
    close(result.mrr, (1 + 0.25 + 0) / 3);
    close(result.mrrIgnoringDuplicates, (1 + 0.25 + 0) / 3);
    close(result.hits1, 1 / 3);
    close(result.hits3, 1 / 3); // position 3 is the 4th entry
    close(result.hits10, 2 / 3);
    assert.deepEqual(result.duplicateRows, []);
  });

  test("a repeated index in any row sets the MRR to 0 and lists the rows", () => {
    const top10 = rows(
      [7, 1, 2, 3, 4, 5, 6, 8, 9, 10], // valid, rr 1
      [0, 1, 2, 3, 3, 5, 6, 7, 8, 9], // repeats 3; truth 1 at position 1: rr 1/2
      [4, 9, 4, 0, 1, 2, 3, 5, 6, 7], // repeats the true index 4: first occurrence, rr 1
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 11], // valid, truth 11 at position 9: rr 1/10
    );
    const result = ogbMrr(top10, Int32Array.from([7, 1, 4, 11]));
    assert.equal(result.mrr, 0);
    assert.deepEqual(result.duplicateRows, [1, 2]);
    close(result.mrrIgnoringDuplicates, (1 + 0.5 + 1 + 0.1) / 4);
    close(result.hits1, 2 / 4);
    close(result.hits3, 3 / 4);
    close(result.hits10, 4 / 4);
  });

  test("indices outside [0, width), bad shapes and no queries are refused", () => {
    const good = rows([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => ogbMrr(rows([0, 1, 2, 3, 4, 5, 6, 7, 8, 1001]), Int32Array.from([0])), /row 0, column 9: candidate index 1001/);
    assert.throws(() => ogbMrr(rows([-1, 1, 2, 3, 4, 5, 6, 7, 8, 9]), Int32Array.from([0])), KgcError);
    assert.throws(() => ogbMrr(good, Int32Array.from([1001])), /correct index of query 0 is 1001/);
    assert.throws(() => ogbMrr(good, Int32Array.from([-3])), KgcError);
    assert.throws(() => ogbMrr(good, Int32Array.from([10]), 10), KgcError); // custom width
    assert.throws(() => ogbMrr(good.subarray(0, 9), Int32Array.from([0])), /expected shape \[1, 10\]/);
    assert.throws(() => ogbMrr(good, Int32Array.from([0, 1])), KgcError);
    assert.throws(() => ogbMrr(new Int32Array(0), new Int32Array(0)), KgcError);
    assert.throws(() => ogbMrr(good, Int32Array.from([0]), 0), KgcError);
    assert.throws(
      () => ogbMrr(good, Int32Array.from([1001]), 1001, "val-top10.npy"),
      (err: unknown) => err instanceof KgcError && err.file === "val-top10.npy",
    );
  });
});

describe("topK", () => {
  test("descending, ties broken by the lower index", () => {
    const scores = Float32Array.from([
      0.1, 0.9, 0.5, 0.9, -1, // row 0: 0.9 at 1 and 3 tie → 1 first
      2, 2, 2, 2, 2, // row 1: all equal → index order
      -Infinity, 0, Infinity, -5, 3, // row 2
    ]);
    assert.deepEqual([...topK(scores, 3, 5)], [1, 3, 2, 0, 1, 2, 2, 4, 1]);
    assert.deepEqual([...topK(scores, 5, 5)], [1, 3, 2, 0, 4, 0, 1, 2, 3, 4, 2, 4, 1, 3, 0]);
    assert.deepEqual([...topK(scores, 1, 5)], [1, 0, 2]);
  });

  test("defaults to the OGB shape: 10 of 1001", () => {
    const scores = new Float32Array(2 * 1001);
    scores[1001 + 500] = 1; // row 1's best is candidate 500, then the zeros in index order
    const top = topK(scores);
    assert.equal(top.length, 20);
    assert.deepEqual([...top.subarray(10, 13)], [500, 0, 1]);
  });

  test("NaN, k out of range and ragged rows are refused", () => {
    assert.throws(() => topK(Float32Array.from([1, Number.NaN, 2]), 1, 3), /row 0, candidate 1 is NaN/);
    assert.throws(() => topK(Float32Array.from([1, 2, 3]), 4, 3), KgcError);
    assert.throws(() => topK(Float32Array.from([1, 2, 3]), 0, 3), KgcError);
    assert.throws(() => topK(Float32Array.from([1, 2, 3, 4]), 1, 3), KgcError);
  });
});

describe("candidateRanks / candidateMrr", () => {
  test("realistic rank = mean of optimistic and pessimistic ranks", () => {
    const scores = Float32Array.from([
      3, 5, 5, 5, 1, 0, // truth 1 (a 5): 0 better, 3 tied → optimistic 1, pessimistic 3, realistic 2
      3, 5, 5, 5, 1, 7, // truth 1 (a 5): 1 better (7), 3 tied → 2, 4 → 3
      1, 2, 3, 4, 5, 6, // truth 5 (the 6): rank 1
      1, 2, 3, 4, 5, 6, // truth 0 (the 1): rank 6
    ]);
    const correct = Int32Array.from([1, 1, 5, 0]);
    assert.deepEqual([...candidateRanks(scores, correct)], [2, 3, 1, 6]);
    const metrics = candidateMrr(scores, correct);
    close(metrics.mrr, (1 / 2 + 1 / 3 + 1 + 1 / 6) / 4);
    close(metrics.meanRank, (2 + 3 + 1 + 6) / 4);
    close(metrics.hits1, 1 / 4);
    close(metrics.hits3, 3 / 4);
    close(metrics.hits10, 1);
  });

  test("refuses NaN, out-of-range truth and ragged rows", () => {
    assert.throws(() => candidateRanks(Float32Array.from([1, Number.NaN]), Int32Array.from([0])), /candidate 1 is NaN/);
    assert.throws(() => candidateRanks(Float32Array.from([Number.NaN, 1]), Int32Array.from([0])), /the true one/);
    assert.throws(() => candidateRanks(Float32Array.from([1, 2]), Int32Array.from([2])), KgcError);
    assert.throws(() => candidateRanks(Float32Array.from([1, 2, 3]), Int32Array.from([0, 0])), KgcError);
  });

  test("with distinct scores, OGB's MRR of topK equals the rank-≤10 part of candidateRanks", () => {
    const rng = new Rng(7);
    const queries = 50;
    const width = 40;
    const scores = new Float32Array(queries * width);
    const correct = new Int32Array(queries);
    for (let q = 0; q < queries; q++) {
      const order = Array.from({ length: width }, (_, i) => i); // a random permutation: no ties
      for (let i = width - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      scores.set(order, q * width);
      correct[q] = rng.int(width);
    }
    const ranks = candidateRanks(scores, correct);
    let expected = 0;
    for (const rank of ranks) expected += rank <= 10 ? 1 / rank : 0;
    const ogb = ogbMrr(topK(scores, 10, width), correct, width);
    close(ogb.mrr, expected / queries);
    assert.deepEqual(ogb.duplicateRows, []);
  });
});
