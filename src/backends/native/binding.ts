/**
 * The one door to the C++ addon (build/Release/kgc_native.node). Every call is typed and
 * validated here (lengths, dtypes, id ranges) before it crosses into native code; problems throw
 * KgcError. C++ signatures are given above each declaration.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { KgcError } from "../../core/errors.js";
import type { Csr } from "../../data/csr.js";

/**
 * One encoder's tables. shape: rows [numRows, raw], state [numRows] (Adagrad); rowM, rowV
 * [numRows, raw] (row Adam moments, when the config's rowOptimizer is 1); concat: W [out, featDim + raw], b [out].
 */
export interface EncoderBuffers {
  numRows: number;
  raw: number;
  concat: boolean;
  rows: Float32Array;
  state: Float32Array;
  rowM?: Float32Array;
  rowV?: Float32Array;
  featDim?: number;
  /** shape: [numRows, featDim]; float16 bits (Uint16Array) or float32 */
  feat?: Uint16Array | Float32Array;
  W?: Float32Array;
  b?: Float32Array;
  mW?: Float32Array;
  vW?: Float32Array;
  mb?: Float32Array;
  vb?: Float32Array;
}

export interface NativeTrainConfig {
  batch: number;
  /** negatives per group of query rows */
  negatives: number;
  /** query rows per negative group (0 = the whole batch): a batch draws negativeCount(config) ids */
  negChunk: number;
  /** of a group's negatives, how many are the corrupted side of random training triples (the rest uniform) */
  dataNegatives: number;
  /** 0 = self-adversarial log-sigmoid, 1 = margin */
  lossKind: 0 | 1;
  advTemp: number;
  margin: number;
  reg: number;
  /** optimizer of the learned rows: 0 = row-wise Adagrad, 1 = lazy Adam (beta1, beta2, adamEps) */
  rowOptimizer: 0 | 1;
  lr: number;
  denseLr: number;
  beta1: number;
  beta2: number;
  adamEps: number;
}

export interface NativeTrainData {
  length: number;
  /** shape: [length] each */
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  /** shape: [length], a permutation of 0..length-1 (reshuffled in shards by the threads) */
  perm: Int32Array;
  /** shape: [length] per-positive loss weights, or absent */
  posWeight?: Float32Array;
}

export interface NativeSpec {
  model: string;
  dim: number;
  block: number;
  gamma: number;
  phaseScale: number;
  entity: EncoderBuffers;
  relation: EncoderBuffers;
  config: NativeTrainConfig;
  data?: NativeTrainData;
  /** the training triples' adjacency: when present, negatives that form a known triple with their query row are masked out of the loss */
  known?: NativeKnownTriples;
}

/** Both directions of the training adjacency (src/data/csr.ts): out for tail-side rows, in for head-side rows. */
export interface NativeKnownTriples {
  out: Csr;
  in: Csr;
}

/** Training counters shared with the threads; saved in checkpoints for an exact resume. */
export interface NativeCounters {
  /** [steps done, optimizer updates done] */
  global: Float64Array;
  /** shape: [threads, 4] xoshiro256** states */
  rng: BigUint64Array;
  /** shape: [threads, 2] permutation cursor, local step */
  threads: Float64Array;
}

export interface TrainChunkResult {
  lossSum: number;
  steps: number;
  diverged: boolean;
  divergedStep: number;
}

export interface BatchGradients {
  /** shape: [numEntities, entity.raw] */
  entity: Float32Array;
  /** shape: [numRelations, relation.raw] */
  relation: Float32Array;
  entityW?: Float32Array;
  entityB?: Float32Array;
  relationW?: Float32Array;
  relationB?: Float32Array;
}

export interface ExplicitBatch {
  /** shape: [B] each */
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  /** shape: [N] */
  negatives: Int32Array;
  tailSide: boolean;
  posWeight?: Float32Array;
}

/** The raw addon. Only this file sees it. */
interface RawAddon {
  // Napi::Array modelNames()
  modelNames(): string[];
  // {relation, prepared} modelWidths(name, dim, block)
  modelWidths(name: string, dim: number, block: number): { relation: number; prepared: number };
  // {gemm, simd} buildInfo()
  buildInfo(): { gemm: string; simd: string };
  // double gradients(spec, batch, out)  -- forwardBackward(), gradients added into out
  gradients(spec: any, batch: any, out: any): number;
  // void score(spec, keep, relation, tailSide, candidates, K, out) -- scoreShared / scoreRows
  score(spec: any, keep: Int32Array, rel: Int32Array, tailSide: boolean, cands: Int32Array, k: number, out: Float32Array): void;
  // Promise<void> scoreAsync(spec, keep, relation, tailSide, candidates, K, out, threads) -- scoreParallel() on an AsyncWorker
  scoreAsync(spec: any, keep: Int32Array, rel: Int32Array, tailSide: boolean, cands: Int32Array, k: number, out: Float32Array, threads: number): Promise<void>;
  // Promise train(spec, counters, threads, steps) -- trainSteps() on an AsyncWorker
  train(spec: any, counters: any, threads: number, steps: number): Promise<TrainChunkResult>;
  // ArrayBuffer mapFile(path) -- mmap MAP_PRIVATE
  mapFile(path: string): ArrayBuffer;
  // double peakFlops(seconds) -- measurePeakFlops(): one core's fp32 FMA throughput
  peakFlops(seconds: number): number;
}

const ADDON_CANDIDATES = ["../../../../build/Release/kgc_native.node", "../../../build/Release/kgc_native.node"];
let addon: RawAddon | null = null;
let loadError: string | null = null;

function load(): RawAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  for (const rel of ADDON_CANDIDATES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(path)) continue;
    try {
      addon = require(path) as RawAddon;
      return addon;
    } catch (err) {
      loadError = `${path}: ${(err as Error).message}`;
    }
  }
  throw new KgcError("build/Release/kgc_native.node", loadError ?? "native addon not built; run `npm ci` or `npx node-gyp rebuild`");
}

/** The addon object for the other typed doors of this folder (walk-binding.ts); they declare their own functions. */
export function loadAddon(): object {
  return load();
}

export function nativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

export function nativeModelNames(): string[] {
  return load().modelNames();
}

export function nativeBuildInfo(): { gemm: string; simd: string } {
  return load().buildInfo();
}

export function nativeModelWidths(model: string, dim: number, block: number): { relation: number; prepared: number } {
  checkModel(model);
  return load().modelWidths(model, dim, block);
}

export function checkModel(model: string): void {
  const names = load().modelNames();
  if (!names.includes(model)) throw new KgcError("model", `unknown native kernel '${model}' (known: ${names.join(", ")})`);
}

export function need(cond: boolean, what: string, problem: string): void {
  if (!cond) throw new KgcError(what, problem);
}

export function checkLen(a: ArrayLike<number> | undefined, n: number, what: string): void {
  need(a !== undefined, what, "missing");
  need(a!.length >= n, what, `has ${a!.length} elements, needs ${n}`);
}

function checkEncoder(e: EncoderBuffers, out: number, rowAdam: boolean, what: string): void {
  need(Number.isInteger(e.numRows) && e.numRows > 0, `${what}.numRows`, "must be a positive integer");
  checkLen(e.rows, e.numRows * e.raw, `${what}.rows`);
  checkLen(e.state, e.numRows, `${what}.state`);
  if (rowAdam) for (const k of ["rowM", "rowV"] as const) checkLen(e[k], e.numRows * e.raw, `${what}.${k}`);
  if (!e.concat) {
    need(e.raw === out, `${what}.raw`, `shallow encoder needs raw width ${out}, got ${e.raw}`);
    return;
  }
  const featDim = e.featDim ?? 0;
  need(featDim > 0, `${what}.featDim`, "concat encoder needs features");
  need(e.feat instanceof Uint16Array || e.feat instanceof Float32Array, `${what}.feat`, "must be Uint16Array (float16) or Float32Array");
  checkLen(e.feat, e.numRows * featDim, `${what}.feat`);
  const w = out * (featDim + e.raw);
  for (const k of ["W", "mW", "vW"] as const) checkLen(e[k], w, `${what}.${k}`);
  for (const k of ["b", "mb", "vb"] as const) checkLen(e[k], out, `${what}.${k}`);
}

export function checkIds(ids: Int32Array, n: number, limit: number, what: string): void {
  checkLen(ids, n, what);
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (v < 0 || v >= limit) throw new KgcError(what, `id ${v} at position ${i} is outside [0, ${limit})`);
  }
}

const validatedData = new WeakSet<NativeTrainData>();
const validatedKnown = new WeakSet<NativeKnownTriples>();

/** indptr rises from 0 to the edge count; within an entity, (neighbor, relation) ascend and are in range. */
export function checkAdjacency(a: Csr, numEntities: number, numRelations: number, what: string): void {
  need(a.indptr instanceof Float64Array && a.indptr.length === numEntities + 1, `${what}.indptr`, `must be a Float64Array of ${numEntities + 1} offsets`);
  need(a.indptr[0] === 0 && a.indptr[numEntities] === a.neighbor.length && a.neighbor.length === a.relation.length, `${what}.indptr`, "must run from 0 to the edge count");
  for (let e = 0; e < numEntities; e++) {
    const lo = a.indptr[e]!, hi = a.indptr[e + 1]!;
    need(Number.isInteger(hi) && hi >= lo, `${what}.indptr`, `offsets fall at entity ${e}`);
    for (let k = lo; k < hi; k++) {
      // plain ifs: a message built for every edge cost more than the check (1G edges on WikiKG90M)
      const n = a.neighbor[k]!, r = a.relation[k]!;
      if (!(n >= 0 && n < numEntities && r >= 0 && r < numRelations)) throw new KgcError(what, `edge ${k} (${n}, ${r}) is out of range`);
      if (!(k === lo || a.neighbor[k - 1]! < n || (a.neighbor[k - 1] === n && a.relation[k - 1]! <= r))) throw new KgcError(what, `edges of entity ${e} are not sorted by (neighbor, relation)`);
    }
  }
}

/** Validates a spec (and its training data once per data object). */
export function validateSpec(spec: NativeSpec, withData: boolean): void {
  checkModel(spec.model);
  need(Number.isInteger(spec.dim) && spec.dim > 0, "dim", "must be a positive integer");
  need(Number.isInteger(spec.block) && spec.block > 0 && spec.dim % spec.block === 0 && spec.block <= 512, "block", `must divide dim ${spec.dim} (and be <= 512)`);
  const widths = load().modelWidths(spec.model, spec.dim, spec.block);
  const c = spec.config;
  need(c.rowOptimizer === 0 || c.rowOptimizer === 1, "rowOptimizer", "must be 0 (Adagrad) or 1 (Adam)");
  checkEncoder(spec.entity, spec.dim, c.rowOptimizer === 1, "entity");
  checkEncoder(spec.relation, widths.relation, c.rowOptimizer === 1, "relation");
  need(Number.isInteger(c.batch) && c.batch > 0, "batch", "must be a positive integer");
  need(Number.isInteger(c.negatives) && c.negatives > 0, "negatives", "must be a positive integer");
  need(Number.isInteger(c.negChunk) && c.negChunk >= 0, "negChunk", "must be an integer >= 0");
  need(Number.isInteger(c.dataNegatives) && c.dataNegatives >= 0 && c.dataNegatives <= c.negatives, "dataNegatives", `must be an integer in [0, negatives = ${c.negatives}]`);
  need(c.advTemp >= 0 && c.advTemp <= 1e6, "advTemp", "must be in [0, 1e6]");
  if (spec.known && !validatedKnown.has(spec.known)) {
    for (const side of ["out", "in"] as const) checkAdjacency(spec.known[side], spec.entity.numRows, spec.relation.numRows, `known.${side}`);
    validatedKnown.add(spec.known);
  }
  if (!withData) return;
  const d = spec.data;
  need(d !== undefined && d.length > 0, "data", "no training triples");
  if (validatedData.has(d!)) return;
  checkIds(d!.head, d!.length, spec.entity.numRows, "train.head");
  checkIds(d!.tail, d!.length, spec.entity.numRows, "train.tail");
  checkIds(d!.relation, d!.length, spec.relation.numRows, "train.relation");
  checkIds(d!.perm, d!.length, d!.length, "train.perm");
  if (d!.posWeight) checkLen(d!.posWeight, d!.length, "train.posWeight");
  validatedData.add(d!);
}

/** Query rows of one negative group (negChunk 0 or >= batch: the whole batch; the engine's negGroupRows). */
export function negGroupRows(batch: number, negChunk: number): number {
  return negChunk > 0 && negChunk < batch ? negChunk : batch;
}

/** Negative ids of one batch: N per group of query rows (the engine's negCount). */
export function negativeCount(c: Pick<NativeTrainConfig, "batch" | "negatives" | "negChunk">): number {
  return Math.ceil(c.batch / negGroupRows(c.batch, c.negChunk)) * c.negatives;
}

/** Loss of one explicit batch; adds its gradients into `out` (no update). */
export function nativeGradients(spec: NativeSpec, batch: ExplicitBatch, out: BatchGradients): number {
  validateSpec(spec, false);
  const B = spec.config.batch;
  checkIds(batch.head, B, spec.entity.numRows, "batch.head");
  checkIds(batch.tail, B, spec.entity.numRows, "batch.tail");
  checkIds(batch.relation, B, spec.relation.numRows, "batch.relation");
  checkIds(batch.negatives, negativeCount(spec.config), spec.entity.numRows, "batch.negatives");
  checkLen(out.entity, spec.entity.numRows * spec.entity.raw, "out.entity");
  checkLen(out.relation, spec.relation.numRows * spec.relation.raw, "out.relation");
  return load().gradients(spec, batch, out);
}

/** The checks shared by the synchronous and threaded scorers (shapes and id ranges). */
function checkScoreArgs(spec: NativeSpec, keep: Int32Array, relation: Int32Array, candidates: Int32Array, k: number, out: Float32Array): void {
  validateSpec(spec, false);
  need(Number.isInteger(k) && k >= 0, "k", "must be a non-negative integer");
  const B = keep.length;
  checkIds(keep, B, spec.entity.numRows, "keep");
  checkIds(relation, B, spec.relation.numRows, "relation");
  checkIds(candidates, candidates.length, spec.entity.numRows, "candidates");
  if (k > 0) need(candidates.length === B * k, "candidates", `must hold B*k = ${B * k} ids`);
  checkLen(out, k > 0 ? B * k : B * candidates.length, "out");
}

/**
 * Scores B queries (kept entity `keep`, relation, side) against candidates: shared (k = 0,
 * candidates [N], out [B, N]) or per row (candidates [B, k], out [B, k]).
 */
export function nativeScore(spec: NativeSpec, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array): void {
  checkScoreArgs(spec, keep, relation, candidates, k, out);
  load().score(spec, keep, relation, tailSide, candidates, k, out);
}

/**
 * `nativeScore` on `threads` C++ threads, off the main thread (queries split into contiguous
 * slices). The caller must not touch `out` until the promise settles.
 */
export async function nativeScoreAsync(
  spec: NativeSpec, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array, threads: number,
): Promise<void> {
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
  checkScoreArgs(spec, keep, relation, candidates, k, out);
  if (keep.length === 0) return;
  await load().scoreAsync(spec, keep, relation, tailSide, candidates, k, out, threads);
}

/** Runs `steps` training steps on `threads` C++ threads off the main thread. */
export async function nativeTrain(spec: NativeSpec, counters: NativeCounters, threads: number, steps: number): Promise<TrainChunkResult> {
  validateSpec(spec, true);
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
  need(Number.isInteger(steps) && steps >= 0, "steps", "must be a non-negative integer");
  checkLen(counters.global, 2, "counters.global");
  need(counters.rng instanceof BigUint64Array && counters.rng.length >= 4 * threads, "counters.rng", `needs ${4 * threads} words`);
  checkLen(counters.threads, 2 * threads, "counters.threads");
  return load().train(spec, counters, threads, steps);
}

/** One core's peak fp32 FLOP/s (independent FMA chains), measured for `seconds`. */
export function nativePeakFlops(seconds = 0.3): number {
  need(seconds > 0 && seconds <= 10, "seconds", "must be in (0, 10]");
  return load().peakFlops(seconds);
}

/** Maps a whole file read-only (copy-on-write); the mapping lives as long as the ArrayBuffer. */
export function nativeMapFile(path: string): ArrayBuffer {
  try {
    return load().mapFile(path);
  } catch (err) {
    if (err instanceof KgcError) throw err;
    throw new KgcError(path, (err as Error).message);
  }
}
