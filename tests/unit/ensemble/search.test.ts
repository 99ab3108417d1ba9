import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../../src/core/rng.js";
import { cmaEs, jacobiEigen } from "../../../src/ensemble/cma-es.js";
import { complement, headGroupedFolds } from "../../../src/ensemble/folds.js";
import { relationGroupsOf } from "../../../src/ensemble/cross-validate.js";
import { nelderMead } from "../../../src/ensemble/nelder-mead.js";
import { normaliseRows } from "../../../src/ensemble/normalise.js";
import { allQueries, mrrAt } from "../../../src/ensemble/objective.js";
import { buildRankProblem } from "../../../src/ensemble/rank-problem.js";
import { getSearchMethod, SEARCH_METHODS } from "../../../src/ensemble/search.js";
import { randomInputs } from "./helpers.js";

const close = (a: number, b: number, tol = 1e-6): void => assert.ok(Math.abs(a - b) < tol, `${a} ≠ ${b}`);

describe("optimisers", () => {
  test("Nelder-Mead and CMA-ES find the minimum of a shifted ellipsoid and of Rosenbrock's valley", () => {
    const ellipsoid = (x: Float64Array): number => x.reduce((s, v, i) => s + (i + 1) * (v - i) ** 2, 0);
    const nm = nelderMead(ellipsoid, { x0: [5, 5, 5, 5], step: 0.5, maxEvaluations: 4000, tolerance: 1e-14 });
    nm.x.forEach((v, i) => close(v, i, 1e-3));
    const batch = (f: (x: Float64Array) => number) => (xs: Float64Array[]): number[] => xs.map(f);
    const cma = cmaEs(batch(ellipsoid), { x0: new Float64Array(4), sigma: 1, maxEvaluations: 4000, seed: 1 });
    cma.x.forEach((v, i) => close(v, i, 1e-3));
    const rosenbrock = (x: Float64Array): number => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2;
    close(nelderMead(rosenbrock, { x0: [-1.2, 1], step: 0.5, maxEvaluations: 2000, tolerance: 1e-16 }).fx, 0, 1e-6);
    close(cmaEs(batch(rosenbrock), { x0: [-1.2, 1], sigma: 0.5, maxEvaluations: 6000, seed: 2 }).fx, 0, 1e-6);
  });

  test("jacobiEigen: B·diag(D²)·Bᵀ rebuilds a random symmetric positive-definite matrix", () => {
    const rng = new Rng(4);
    const n = 6;
    const A = Float64Array.from({ length: n * n }, () => rng.normal());
    const C = new Float64Array(n * n); // A·Aᵀ + I
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) C[i * n + j]! += A[i * n + k]! * A[j * n + k]! + (i === j && k === 0 ? 1 : 0);
    const B = new Float64Array(n * n);
    const D = new Float64Array(n);
    jacobiEigen(C, n, B, D);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += B[i * n + k]! * D[k]! ** 2 * B[j * n + k]!;
        close(v, C[i * n + j]!, 1e-9);
      }
    }
  });
});

describe("weight search", () => {
  test("every method ends at or above equal weights' MRR, weights non-negative summing to 1, inactive inputs at 0", () => {
    const { source, correct } = randomInputs(new Rng(8), 4, 300, 40, false);
    const problem = buildRankProblem(source, correct);
    const queries = allQueries(problem);
    const equal = mrrAt(problem, [1, 1, 1, 0], queries);
    for (const [name, method] of SEARCH_METHODS) {
      const w = method({ problem, queries, active: [0, 1, 2], seed: 1 });
      assert.equal(w[3], 0, name);
      assert.ok(w.every((v) => v >= 0), name);
      close(w.reduce((a, b) => a + b, 0), 1, 1e-9);
      assert.ok(mrrAt(problem, w, queries) >= equal - 1e-12, `${name}: ${mrrAt(problem, w, queries)} < equal weights ${equal}`);
    }
    assert.throws(() => getSearchMethod("grid"), /known: coordinate, nelder-mead, cmaes/);
  });

  test("coordinate ascent recovers the informative input when the others are noise", () => {
    const rng = new Rng(12);
    const { source, correct } = randomInputs(rng, 1, 200, 30, false);
    const noise = Array.from({ length: 2 }, () => Float32Array.from({ length: 200 * 30 }, () => rng.normal()));
    source.arrays.push(...noise);
    const problem = buildRankProblem(source, correct);
    const queries = allQueries(problem);
    const w = getSearchMethod("coordinate")({ problem, queries, active: [0, 1, 2], seed: 1 });
    assert.ok(w[0]! > 0.5, `weights ${Array.from(w)}`);
    assert.ok(mrrAt(problem, w, queries) >= mrrAt(problem, [1, 0, 0], queries));
  });
});

describe("folds, groups, normalisation", () => {
  test("head-grouped folds: every query once, no head in two folds, sizes balanced", () => {
    const rng = new Rng(2);
    const head = Int32Array.from({ length: 500 }, () => rng.int(60));
    const folds = headGroupedFolds(head, 5, 7);
    const seen = new Set<number>();
    const foldOfHead = new Map<number, number>();
    folds.forEach((fold, f) => {
      for (const q of fold) {
        assert.ok(!seen.has(q));
        seen.add(q);
        assert.equal(foldOfHead.get(head[q]!) ?? f, f, `head ${head[q]} in two folds`);
        foldOfHead.set(head[q]!, f);
      }
    });
    assert.equal(seen.size, 500);
    const sizes = folds.map((f) => f.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 30, `sizes ${sizes}`);
    assert.deepEqual(Array.from(complement(6, Int32Array.from([1, 4]))), [0, 2, 3, 5]);
    assert.throws(() => headGroupedFolds(Int32Array.from([1, 1, 2]), 3, 1), /3 folds need at least 3 distinct heads/);
  });

  test("relation groups cut relations by query count", () => {
    // relation 5: 6 queries, 2: 3, 9: 2, 1: 1
    const relation = Int32Array.from([5, 5, 5, 5, 5, 5, 2, 2, 2, 9, 9, 1]);
    assert.deepEqual(relationGroupsOf(relation, 2), [[5], [1, 2, 9]]);
    assert.deepEqual(relationGroupsOf(relation, 1), []);
  });

  test("normalisation by hand: per-query min-max, global min-max, per-query rank with ties", () => {
    const rows = Float32Array.from([2, 4, 3, 7, 7, 7]);
    normaliseRows(rows, 3, "query-minmax");
    assert.deepEqual(Array.from(rows), [0, 1, 0.5, 0, 0, 0]);
    const global = Float32Array.from([2, 4, 6, 10]);
    normaliseRows(global, 2, "global-minmax", { min: 2, max: 10 });
    assert.deepEqual(Array.from(global), [0, 0.25, 0.5, 1]);
    const ranks = Float32Array.from([0.5, 3, 3, 1]); // ranks 4, 1.5, 1.5, 3 of K = 4
    normaliseRows(ranks, 4, "query-rank");
    assert.deepEqual(Array.from(ranks), [1 / 4, 3.5 / 4, 3.5 / 4, 2 / 4]);
  });
});
