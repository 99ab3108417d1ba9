/**
 * Gradient-free weight searches on OGB MRR (piecewise constant in the weights, so no gradient):
 *   coordinate   coordinate ascent with an exact line search per weight (objective.ts), rounds
 *                until a round gains nothing; deterministic
 *   nelder-mead  downhill simplex (nelder-mead.ts) on −MRR(|x|)
 *   cmaes        our CMA-ES (cma-es.ts) on −MRR(exp(x)), seeded; a generation is one batched evaluation
 * Weights are non-negative (every normalised input is "higher = better") and returned summing to 1;
 * inputs outside `active` keep weight 0. The simplex and CMA-ES start from equal weights (the
 * seed's blend); coordinate ascent from the better of those and the best single input.
 */
import { KgcError } from "../core/errors.js";
import { cmaEs } from "./cma-es.js";
import { nelderMead } from "./nelder-mead.js";
import { Blend, lineSearch, mrrAt, mrrsAt } from "./objective.js";
import type { RankProblem } from "./rank-problem.js";

export interface SearchTask {
  problem: RankProblem;
  /** shape: [n] the queries to fit on */
  queries: Int32Array;
  /** indices of the inputs to weigh */
  active: readonly number[];
  seed: number;
}

/** @returns shape: [M] weights summing to 1 */
export type SearchMethod = (task: SearchTask) => Float64Array;

function expand(task: SearchTask, values: ArrayLike<number>, map: (v: number) => number): Float64Array {
  const w = new Float64Array(task.problem.inputs);
  task.active.forEach((m, i) => (w[m] = map(values[i]!)));
  return w;
}

function normalised(w: Float64Array): Float64Array {
  const sum = w.reduce((a, b) => a + b, 0);
  if (sum > 0) for (let i = 0; i < w.length; i++) w[i]! /= sum;
  return w;
}

/** Equal weights, or the best single input when it beats them (so a fit never ends below it). */
function bestStart(task: SearchTask): Float64Array {
  const starts = [expand(task, task.active.map(() => 1), (v) => v)];
  for (const m of task.active) {
    const single = new Float64Array(task.problem.inputs);
    single[m] = 1;
    starts.push(single);
  }
  const mrrs = mrrsAt(task.problem, starts, task.queries); // one pass for all of them
  let best = 0;
  for (let i = 1; i < starts.length; i++) if (mrrs[i]! > mrrs[best]!) best = i;
  return normalised(starts[best]!);
}

function coordinateAscent(task: SearchTask): Float64Array {
  if (task.active.length === 1) return normalised(expand(task, [1], (v) => v));
  const blend = new Blend(task.problem, bestStart(task), task.queries);
  let mrr = mrrAt(task.problem, blend.weights, task.queries);
  // rounds until one gains < 1e-5 MRR (a fraction of one query's rank on 20,000 queries), at most 10
  for (let round = 0; round < 10; round++) {
    const before = mrr;
    for (const c of task.active) {
      const step = lineSearch(blend, c);
      blend.setWeight(c, step.value);
      mrr = step.mrr;
    }
    blend.normalise();
    if (mrr < before + 1e-5) break;
  }
  return blend.weights;
}

function simplexSearch(task: SearchTask): Float64Array {
  const x0 = task.active.map(() => 1);
  if (x0.length === 1) return normalised(expand(task, x0, Math.abs));
  const found = nelderMead((x) => -mrrAt(task.problem, expand(task, x, Math.abs), task.queries), {
    x0,
    step: 0.5, // 50% first steps: MRR is flat over small ones
    maxEvaluations: 60 * (x0.length + 1),
    tolerance: 1e-7,
  });
  return normalised(expand(task, found.x, Math.abs));
}

function cmaesSearch(task: SearchTask): Float64Array {
  const n = task.active.length;
  if (n === 1) return normalised(expand(task, [0], Math.exp));
  const found = cmaEs((xs) => mrrsAt(task.problem, xs.map((x) => expand(task, x, Math.exp)), task.queries).map((mrr) => -mrr), {
    x0: new Float64Array(n),
    sigma: 1,
    maxEvaluations: 60 * (n + 1),
    seed: task.seed,
  });
  return normalised(expand(task, found.x, Math.exp));
}

export const SEARCH_METHODS: ReadonlyMap<string, SearchMethod> = new Map([
  ["coordinate", coordinateAscent],
  ["nelder-mead", simplexSearch],
  ["cmaes", cmaesSearch],
]);

export function getSearchMethod(name: string): SearchMethod {
  const method = SEARCH_METHODS.get(name);
  if (!method) throw new KgcError("--search", `unknown method '${name}' (known: ${[...SEARCH_METHODS.keys()].join(", ")})`);
  return method;
}
