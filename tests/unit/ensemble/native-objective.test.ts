/**
 * The native ensemble objective (src/native/ensemble/) against the plain-TS reference
 * (objective-reference.ts) on random problems: equal MRR bit for bit (integer units), for batches
 * of weight vectors, subsets of queries and several thread counts; the line search's value and
 * MRR equal too. Grid-valued inputs (multiples of 1/8) and small integer weights make exact ties
 * (blended difference 0), which both must break by the candidate index as OGB's topK does.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativeBlendUnits, nativeLineSearch } from "../../../src/backends/native/ensemble-binding.js";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { allQueries, Blend, mrrOfUnits } from "../../../src/ensemble/objective.js";
import { referenceLineSearch, referenceMrr } from "../../../src/ensemble/objective-reference.js";
import { buildRankProblem, type RankProblem } from "../../../src/ensemble/rank-problem.js";
import { randomInputs } from "./helpers.js";

function randomWeights(rng: Rng, M: number, grid: boolean): number[] {
  const w = Array.from({ length: M }, () => (rng.int(3) === 0 ? 0 : grid ? rng.int(4) : rng.next() * 2));
  if (!w.some((v) => v > 0)) w[rng.int(M)] = 1;
  return w;
}

function randomSubset(rng: Rng, problem: RankProblem): Int32Array {
  return allQueries(problem).filter(() => rng.int(3) !== 0);
}

const problems = [
  { seed: 21, M: 4, Q: 150, K: 30, grid: true },
  { seed: 22, M: 6, Q: 120, K: 60, grid: false },
  { seed: 23, M: 1, Q: 60, K: 12, grid: true },
];

describe("native ensemble objective", () => {
  for (const { seed, M, Q, K, grid } of problems) {
    test(`blend MRR equals the reference: ${M} inputs × ${Q} queries × ${K} candidates${grid ? ", with ties" : ""}`, () => {
      const rng = new Rng(seed);
      const { source, correct } = randomInputs(rng, M, Q, K, grid);
      const problem = buildRankProblem(source, correct, 16);
      for (const threads of [1, 2, 3, 7]) {
        const queries = threads === 1 ? allQueries(problem) : randomSubset(rng, problem);
        const batch = Array.from({ length: 9 }, () => randomWeights(rng, M, grid));
        const units = nativeBlendUnits(problem, queries, Float64Array.from(batch.flat()), threads);
        assert.equal(units.length, batch.length);
        batch.forEach((w, b) => assert.equal(mrrOfUnits(units[b]!, queries.length), referenceMrr(problem, w, queries), `threads ${threads}, weights ${w}`));
      }
    });

    test(`line search equals the reference: ${M} inputs × ${Q} queries${grid ? ", with ties" : ""}`, () => {
      const rng = new Rng(seed + 100);
      const { source, correct } = randomInputs(rng, M, Q, K, grid);
      const problem = buildRankProblem(source, correct);
      for (let trial = 0; trial < 12; trial++) {
        const queries = trial % 2 === 0 ? allQueries(problem) : randomSubset(rng, problem);
        const blend = new Blend(problem, randomWeights(rng, M, grid), queries);
        const c = rng.int(M);
        if (trial % 4 === 1) blend.setWeight(c, 0); // from a zero weight too
        const expected = referenceLineSearch(blend, c);
        const found = nativeLineSearch(problem, queries, blend.dot, c, blend.weights[c]!, 1 + (trial % 3));
        assert.equal(found.value, expected.value, `trial ${trial}: value`);
        assert.equal(mrrOfUnits(found.units, queries.length), expected.mrr, `trial ${trial}: MRR`);
      }
    });
  }

  test("an empty query set scores 0; bad ids and shapes are refused before the call", () => {
    const { source, correct } = randomInputs(new Rng(5), 2, 20, 10, true);
    const problem = buildRankProblem(source, correct);
    assert.deepEqual(Array.from(nativeBlendUnits(problem, new Int32Array(0), Float64Array.from([1, 1]), 2)), [0]);
    assert.throws(() => nativeBlendUnits(problem, Int32Array.from([20]), Float64Array.from([1, 1]), 1), (e: unknown) => e instanceof KgcError && /queries.*outside \[0, 20\)/.test(e.message));
    assert.throws(() => nativeBlendUnits(problem, allQueries(problem), Float64Array.from([1, 1, 1]), 1), /weights: must be \[B, 2\]/);
    assert.throws(() => nativeLineSearch(problem, allQueries(problem), new Float64Array(3), 0, 1, 1), /dot: must hold/);
    assert.throws(() => nativeLineSearch(problem, allQueries(problem), new Float64Array(problem.tieAhead.length), 2, 1, 1), /c: must be an input index/);
    const broken = { ...problem, offsets: Int32Array.from(problem.offsets).reverse() };
    assert.throws(() => nativeBlendUnits(broken, allQueries(problem), Float64Array.from([1, 1]), 1), /problem.offsets/);
  });
});
