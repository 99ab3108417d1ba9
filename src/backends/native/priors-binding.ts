/**
 * The typed door to the candidate-feature kernels of the addon (src/native/priors/). Same rules as
 * binding.ts, whose checks it reuses: every length, id range and CSR invariant is validated here
 * before a call crosses into C++, and problems throw KgcError.
 *
 * A PriorsHandle owns the C++ tables (16-byte node records with 32-bit offsets, relation profiles,
 * R x R walk matrices, candidate-list counts, per-thread scratch of 16 bytes per entity) and
 * borrows the CSR neighbor arrays it was built from (not indptr and relation: the caller may drop
 * those once the build resolves).
 * Calls on one handle must not overlap (the C++ side refuses a second call while one runs).
 */
import type { Csr } from "../../data/csr.js";
import { checkIds, checkLen, need } from "../checks.js";
import { checkAdjacency, loadAddon } from "./binding.js";

/** Number of per-candidate features the kernel writes (the order of src/features/priors.ts). */
export const NATIVE_PRIOR_FEATURES = 14;

/** Edges the tables' 32-bit offsets hold (priors.h MAX_EDGES; profile entries are at most 2 per edge). */
export const MAX_PRIOR_EDGES = 2 ** 31 - 1;

declare const handleBrand: unique symbol;
export interface PriorsHandle {
  readonly [handleBrand]: true;
  readonly numEntities: number;
  readonly numRelations: number;
  /** queries of the split whose candidate-list counts are loaded (0 before `nativePriorsListCounts`) */
  countedQueries: number;
  countedWidth: number;
}

interface PriorsAddon {
  // Promise<External> priorsBuild(out, in, numEntities, numRelations, threads) -- buildTables()
  priorsBuild(out: Csr, inCsr: Csr, numEntities: number, numRelations: number, threads: number): Promise<object>;
  // Promise<void> priorsListCounts(handle, relation, head, candidates, K, threads) -- buildListCounts()
  priorsListCounts(handle: object, relation: Int32Array, head: Int32Array, candidates: Int32Array, k: number, threads: number): Promise<void>;
  // Promise<void> priorsFeatures(handle, head, relation, queryStart, candidates, K, outs, hubLimit, threads) -- computeFeatures()
  priorsFeatures(handle: object, head: Int32Array, relation: Int32Array, queryStart: number, candidates: Int32Array, k: number, outs: Float32Array[], hubLimit: number, threads: number): Promise<void>;
}

const raw = new WeakMap<PriorsHandle, object>();

function addon(): PriorsAddon {
  return loadAddon() as PriorsAddon;
}

function checkThreads(threads: number): void {
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
}

/** Builds the tables over the training adjacency (both directions of src/data/csr.ts). */
export async function nativePriorsBuild(out: Csr, inCsr: Csr, numEntities: number, numRelations: number, threads: number): Promise<PriorsHandle> {
  need(Number.isInteger(numEntities) && numEntities > 0, "numEntities", "must be a positive integer");
  need(Number.isInteger(numRelations) && numRelations > 0, "numRelations", "must be a positive integer");
  checkThreads(threads);
  checkAdjacency(out, numEntities, numRelations, "csr-out");
  checkAdjacency(inCsr, numEntities, numRelations, "csr-in");
  need(out.neighbor.length === inCsr.neighbor.length, "csr-in", `has ${inCsr.neighbor.length} edges, csr-out ${out.neighbor.length}`);
  need(out.neighbor.length <= MAX_PRIOR_EDGES, "csr-out", `has ${out.neighbor.length} edges; the priors tables' 32-bit offsets hold at most ${MAX_PRIOR_EDGES}`);
  const h = await addon().priorsBuild(out, inCsr, numEntities, numRelations, threads);
  const handle = { numEntities, numRelations, countedQueries: 0, countedWidth: 0 } as PriorsHandle;
  raw.set(handle, h);
  return handle;
}

/**
 * Loads the candidate-list counts of one split (features 9 and 10 pool all its lists).
 * shapes: relation [Q], head [Q], candidates [Q, K]
 */
export async function nativePriorsListCounts(handle: PriorsHandle, relation: Int32Array, head: Int32Array, candidates: Int32Array, k: number, threads: number): Promise<void> {
  checkThreads(threads);
  need(Number.isInteger(k) && k > 0, "k", "must be a positive integer");
  const Q = relation.length;
  checkIds(relation, Q, handle.numRelations, "relation");
  checkIds(head, Q, handle.numEntities, "head");
  need(candidates.length === Q * k, "candidates", `must hold Q*K = ${Q * k} ids`);
  checkIds(candidates, Q * k, handle.numEntities, "candidates");
  await addon().priorsListCounts(raw.get(handle)!, relation, head, candidates, k, threads);
  handle.countedQueries = Q;
  handle.countedWidth = k;
}

/**
 * Every feature of B consecutive queries of the counted split, starting at query `queryStart`.
 * shapes: head [B], relation [B], candidates [B, K], outs NATIVE_PRIOR_FEATURES arrays of [B, K].
 * Tails with more than `hubLimit` in-edges are skipped in the ht-th-ht walk.
 */
export async function nativePriorsFeatures(
  handle: PriorsHandle, head: Int32Array, relation: Int32Array, queryStart: number, candidates: Int32Array, k: number,
  outs: Float32Array[], hubLimit: number, threads: number,
): Promise<void> {
  checkThreads(threads);
  const B = head.length;
  need(handle.countedQueries > 0, "priors", "the split's candidate-list counts are not loaded");
  need(k === handle.countedWidth, "k", `must be the counted split's width ${handle.countedWidth}`);
  need(Number.isInteger(queryStart) && queryStart >= 0 && queryStart + B <= handle.countedQueries, "queryStart", `queries [${queryStart}, ${queryStart + B}) fall outside the counted split of ${handle.countedQueries}`);
  need(Number.isInteger(hubLimit) && hubLimit >= 0 && hubLimit <= 0x7fffffff, "hubLimit", "must be an integer in [0, 2^31)");
  checkIds(head, B, handle.numEntities, "head");
  checkIds(relation, B, handle.numRelations, "relation");
  need(candidates.length === B * k, "candidates", `must hold B*K = ${B * k} ids`);
  checkIds(candidates, B * k, handle.numEntities, "candidates");
  need(outs.length === NATIVE_PRIOR_FEATURES, "outs", `must hold ${NATIVE_PRIOR_FEATURES} arrays`);
  for (const o of outs) {
    need(o instanceof Float32Array, "outs", "must be Float32Arrays");
    checkLen(o, B * k, "outs");
  }
  if (B === 0) return;
  await addon().priorsFeatures(raw.get(handle)!, head, relation, queryStart, candidates, k, outs, hubLimit, threads);
}
