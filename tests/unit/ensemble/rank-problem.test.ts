/**
 * The pruned rank problem and its objective against an independent path: blend the full [Q, K]
 * arrays, take topK (lower index first on ties) and OGB's evaluator. Scores are multiples of 1/8
 * and weights small integers, so both paths compute exactly and ties really occur.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../../src/core/rng.js";
import { ogbMrr, topK } from "../../../src/eval/ogb-metric.js";
import { allQueries, Blend, lineSearch, mrrAt } from "../../../src/ensemble/objective.js";
import { radixOrder } from "../../../src/ensemble/objective-reference.js";
import { buildRankProblem } from "../../../src/ensemble/rank-problem.js";
import { randomInputs, type ArraySource } from "./helpers.js";

function referenceMrr(source: ArraySource, correct: Int32Array, weights: number[]): number {
  const { queries: Q, width: K } = source;
  const blended = new Float32Array(Q * K);
  source.arrays.forEach((a, m) => a.forEach((v, i) => (blended[i]! += weights[m]! * v)));
  return ogbMrr(topK(blended, 10, K), correct, K).mrr;
}

describe("rank problem", () => {
  test("mrrAt equals topK + ogbMrr on the full blend, ties included, for many weight vectors", () => {
    const rng = new Rng(11);
    const { source, correct } = randomInputs(rng, 4, 80, 30, true);
    const problem = buildRankProblem(source, correct, 7); // a chunk size that does not divide Q
    assert.ok(problem.tieAhead.length < 80 * 29, "some candidates are pruned");
    const queries = allQueries(problem);
    for (let trial = 0; trial < 40; trial++) {
      const weights = Array.from({ length: 4 }, () => rng.int(4));
      if (!weights.some((w) => w > 0)) weights[trial % 4] = 1;
      const [mrr, expected] = [mrrAt(problem, weights, queries), referenceMrr(source, correct, weights)];
      assert.ok(Math.abs(mrr - expected) < 1e-12, `weights ${weights}: ${mrr} ≠ ${expected}`); // sums in another order
    }
  });

  test("a Blend moved weight by weight equals a fresh one; subsets of queries average correctly", () => {
    const rng = new Rng(5);
    const { source, correct } = randomInputs(rng, 3, 50, 20, true);
    const problem = buildRankProblem(source, correct);
    const queries = allQueries(problem);
    const blend = new Blend(problem, [1, 1, 1], queries);
    blend.setWeight(0, 3);
    blend.setWeight(2, 0);
    const fresh = new Blend(problem, [3, 1, 0], queries);
    blend.dot.forEach((d, e) => assert.ok(Math.abs(d - fresh.dot[e]!) < 1e-12, `entry ${e}: ${d} ≠ ${fresh.dot[e]}`));
    const half = queries.filter((q) => q % 2 === 0);
    const rest = queries.filter((q) => q % 2 === 1);
    const w = [2, 1, 1];
    const whole = mrrAt(problem, w, queries);
    assert.ok(Math.abs(whole - (mrrAt(problem, w, half) * half.length + mrrAt(problem, w, rest) * rest.length) / 50) < 1e-12);
  });

  test("lineSearch finds at least the best of a dense grid along the weight, and reports the MRR it reaches", () => {
    const rng = new Rng(3);
    const { source, correct } = randomInputs(rng, 3, 120, 40, false);
    const problem = buildRankProblem(source, correct);
    const queries = allQueries(problem);
    for (const c of [0, 1, 2]) {
      const weights = [0.5, 1, 0.25];
      const found = lineSearch(new Blend(problem, weights, queries), c);
      const at = weights.slice();
      at[c] = found.value;
      assert.ok(Math.abs(mrrAt(problem, at, queries) - found.mrr) < 1e-12, "reported MRR is the MRR at the value");
      let gridBest = 0;
      for (let i = 0; i <= 600; i++) {
        at[c] = 10 ** (-3 + (6 * i) / 600);
        gridBest = Math.max(gridBest, mrrAt(problem, at, queries));
      }
      assert.ok(found.mrr >= gridBest - 1e-12, `input ${c}: line search ${found.mrr} < grid ${gridBest}`);
    }
  });

  test("radixOrder sorts like Array.prototype.sort (stable)", () => {
    const rng = new Rng(9);
    const keys = Uint32Array.from({ length: 5000 }, () => (rng.int(3) === 0 ? 7 : rng.nextU32()));
    const order = radixOrder(keys, keys.length);
    const expected = Array.from(keys.keys()).sort((a, b) => keys[a]! - keys[b]! || a - b);
    assert.deepEqual(Array.from(order), expected);
  });
});
