/**
 * Fitting weights with k-fold cross-validation and optional per-relation-group weights. Each fold's
 * weights are searched on the other folds and judged on it (held-out MRR) and on the queries they
 * were fitted on (in-sample MRR); the gap is the overfit an in-sample search (the seed's) hides.
 * The reported weights are then fitted once on every query. With relation groups, relations are
 * cut into G groups of about equal query counts; each group with enough queries gets its own
 * weights, every other query uses the default group's (`relations: null`), fitted on all queries.
 */
import { complement } from "./folds.js";
import { mrrAt } from "./objective.js";
import type { RankProblem } from "./rank-problem.js";
import type { SearchMethod } from "./search.js";

/** A group's own weights need at least this many queries to fit on. */
const MIN_GROUP_QUERIES = 50;

export interface WeightGroup {
  relations: number[] | null;
  weights: number[];
}

export interface FoldResult {
  queries: number;
  heldOutMrr: number;
  inSampleMrr: number;
}

export interface CrossValidated {
  groups: WeightGroup[];
  folds: FoldResult[];
  /** MRR over all queries, each scored by the weights of the fold that held it out */
  heldOutMrr: number;
  /** MRR of the final weights on all the queries they were fitted on */
  inSampleMrr: number;
}

export interface FitSetting {
  problem: RankProblem;
  /** shape: [Q] each query's relation */
  relation: Int32Array;
  /** relation ids per group ([] = one set of weights for all) */
  relationGroups: number[][];
  folds: Int32Array[];
  /** the queries fitted and judged are the problem's first `fitQueries` (folds hold only those) */
  fitQueries: number;
  method: SearchMethod;
  seed: number;
}

/**
 * Relations sorted by query count (descending, then id), cut into `count` consecutive groups of
 * about equal query counts.
 * @param relation shape: [Q]
 */
export function relationGroupsOf(relation: Int32Array, count: number): number[][] {
  if (count <= 1) return [];
  const perRelation = new Map<number, number>();
  for (const r of relation) perRelation.set(r, (perRelation.get(r) ?? 0) + 1);
  const sorted = [...perRelation.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const groups: number[][] = Array.from({ length: count }, () => []);
  let seen = 0;
  for (const [r, n] of sorted) {
    groups[Math.min(count - 1, Math.floor((seen * count) / relation.length))]!.push(r);
    seen += n;
  }
  return groups.filter((g) => g.length > 0).map((g) => g.sort((a, b) => a - b));
}

/** Fits the default weights and each relation group's on `queries`, inputs in `active` only. */
export function fitGroups(setting: FitSetting, queries: Int32Array, active: readonly number[]): WeightGroup[] {
  const { problem, method, seed } = setting;
  const groups: WeightGroup[] = [{ relations: null, weights: Array.from(method({ problem, queries, active, seed })) }];
  for (const relations of setting.relationGroups) {
    const members = queriesOfRelations(setting.relation, queries, relations);
    if (members.length < MIN_GROUP_QUERIES) continue;
    groups.push({ relations, weights: Array.from(method({ problem, queries: members, active, seed })) });
  }
  return groups;
}

/** MRR over `queries`, each query blended with its relation group's weights. */
export function groupedMrr(setting: FitSetting, groups: readonly WeightGroup[], queries: Int32Array): number {
  if (queries.length === 0) return 0;
  const grouped = new Uint8Array(setting.problem.queries);
  let sum = 0;
  for (const group of groups) {
    if (!group.relations) continue;
    const members = queriesOfRelations(setting.relation, queries, group.relations);
    for (const q of members) grouped[q] = 1;
    sum += mrrAt(setting.problem, group.weights, members) * members.length;
  }
  const rest = queries.filter((q) => !grouped[q]);
  sum += mrrAt(setting.problem, groups[0]!.weights, rest) * rest.length;
  return sum / queries.length;
}

/** k-fold held-out and in-sample MRR, then the final weights fitted on every query. */
export function crossValidate(setting: FitSetting, active: readonly number[]): CrossValidated {
  const Q = setting.fitQueries;
  const folds: FoldResult[] = [];
  let heldOutSum = 0;
  for (const fold of setting.folds) {
    const train = complement(Q, fold);
    const groups = fitGroups(setting, train, active);
    const heldOutMrr = groupedMrr(setting, groups, fold);
    folds.push({ queries: fold.length, heldOutMrr, inSampleMrr: groupedMrr(setting, groups, train) });
    heldOutSum += heldOutMrr * fold.length;
  }
  const all = Int32Array.from({ length: Q }, (_, q) => q);
  const groups = fitGroups(setting, all, active);
  return { groups, folds, heldOutMrr: heldOutSum / Q, inSampleMrr: groupedMrr(setting, groups, all) };
}

function queriesOfRelations(relation: Int32Array, queries: Int32Array, relations: readonly number[]): Int32Array {
  const wanted = new Set(relations);
  return queries.filter((q) => wanted.has(relation[q]!));
}
