/**
 * The typed door to the addon's ensemble objective (src/native/ensemble/): OGB MRR of a batch of
 * weight vectors and the exact line search along one weight, on the pruned rank problem of
 * src/ensemble/rank-problem.ts, threaded in C++. The problem's layout (offsets rising from 0 to E,
 * M columns of E values) is checked once per problem object, query ids and lengths on every call;
 * problems throw KgcError. MRR comes back in integer units of 1/2520 per query (2520 = lcm(1..10)),
 * so the sums are exact whatever the thread split. C++ signatures are given above each declaration.
 */
import { checkIds, checkLen, need } from "../checks.js";
import { loadAddon } from "./binding.js";

/** The pruned rank problem (E contested entries) that src/ensemble/rank-problem.ts builds. */
export interface RankProblem {
  /** M */
  inputs: number;
  /** Q */
  queries: number;
  /** shape: [Q] candidates ahead of the true one under any non-negative weights */
  alwaysAhead: Int32Array;
  /** shape: [Q + 1] each query's contested entries are [offsets[q], offsets[q + 1]) */
  offsets: Int32Array;
  /** M columns of shape [E]: normalised score of the contested candidate minus the true candidate's (column-major: a line search reads one input's column) */
  columns: Float32Array[];
  /** shape: [E] 1 when the candidate's index is below the true one's, so it wins a tie */
  tieAhead: Uint8Array;
}

interface EnsembleAddon {
  // void ensembleBlendUnits(problem, queries, weights, B, threads, out) -- blendUnits()
  ensembleBlendUnits(problem: RankProblem, queries: Int32Array, weights: Float64Array, b: number, threads: number, out: Float64Array): void;
  // {value, units} ensembleLineSearch(problem, queries, dot, c, current, threads) -- lineSearch()
  ensembleLineSearch(problem: RankProblem, queries: Int32Array, dot: Float64Array, c: number, current: number, threads: number): { value: number; units: number };
}

const addon = (): EnsembleAddon => loadAddon() as EnsembleAddon;
const validatedProblems = new WeakSet<RankProblem>();

function checkProblem(p: RankProblem): void {
  if (validatedProblems.has(p)) return;
  const E = p.tieAhead.length;
  need(Number.isInteger(p.inputs) && p.inputs > 0 && p.columns.length === p.inputs, "problem.columns", `must hold ${p.inputs} columns`);
  need(Number.isInteger(p.queries) && p.queries >= 0, "problem.queries", "must be an integer >= 0");
  checkLen(p.alwaysAhead, p.queries, "problem.alwaysAhead");
  need(p.offsets.length === p.queries + 1 && p.offsets[0] === 0 && p.offsets[p.queries] === E, "problem.offsets", `must run from 0 to the entry count ${E}`);
  for (let q = 0; q < p.queries; q++) need(p.offsets[q + 1]! >= p.offsets[q]!, "problem.offsets", `fall at query ${q}`);
  p.columns.forEach((column, m) => need(column instanceof Float32Array && column.length === E, `problem.columns[${m}]`, `must be a Float32Array of ${E} values`));
  validatedProblems.add(p);
}

function checkCall(p: RankProblem, queries: Int32Array, threads: number): void {
  checkProblem(p);
  checkIds(queries, queries.length, p.queries, "queries");
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
}

/**
 * MRR units summed over `queries` for each of B weight vectors.
 * @param weights shape: [B, M], non-negative
 * @returns shape: [B]
 */
export function nativeBlendUnits(p: RankProblem, queries: Int32Array, weights: Float64Array, threads: number): Float64Array {
  checkCall(p, queries, threads);
  need(weights.length > 0 && weights.length % p.inputs === 0, "weights", `must be [B, ${p.inputs}]`);
  const B = weights.length / p.inputs;
  const out = new Float64Array(B);
  addon().ensembleBlendUnits(p, queries, weights, B, threads, out);
  return out;
}

/**
 * The best non-negative weight of input c with the others fixed, and the MRR units there.
 * @param dot shape: [E] the blended differences of the current weights (valid on `queries`' entries)
 */
export function nativeLineSearch(p: RankProblem, queries: Int32Array, dot: Float64Array, c: number, current: number, threads: number): { value: number; units: number } {
  checkCall(p, queries, threads);
  need(dot.length === p.tieAhead.length, "dot", `must hold ${p.tieAhead.length} values`);
  need(Number.isInteger(c) && c >= 0 && c < p.inputs, "c", `must be an input index in [0, ${p.inputs})`);
  need(Number.isFinite(current) && current >= 0, "current", "must be a finite weight >= 0");
  return addon().ensembleLineSearch(p, queries, dot, c, current, threads);
}
