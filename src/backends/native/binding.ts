/**
 * The one door to the C++ addon (build/Release/kgc_native.node). Every call is typed and
 * validated here (lengths, dtypes, id ranges) before it crosses into native code; problems throw
 * KgcError. C++ signatures are given above each declaration.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { KgcError } from "../../core/errors.js";
import { checkIds, checkLen, need } from "../checks.js";
import type { Csr } from "../../data/csr.js";
import { negativeCount, type TrainConfig } from "../../models/config.js";
import type { EncoderTables, FeatureMatrix, MappedFile, MappedRows, ModelTables } from "../../models/model-tables.js";
import type { BatchGradients, ExplicitBatch, KnownTriples, TrainChunkResult, TrainJob, TrainTriples } from "../backend.js";

/**
 * What crosses into the addon: the backend-neutral tables, and to train or take gradients the
 * schema's TrainConfig itself (addon.cc reads its fields under their own names), the training
 * triples and the known-triple adjacency.
 */
interface AddonSpec extends ModelTables {
  config?: TrainConfig;
  data?: TrainTriples;
  known?: KnownTriples;
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
  gradients(spec: AddonSpec, batch: ExplicitBatch, out: BatchGradients): number;
  // void score(spec, keep, relation, tailSide, candidates, K, out) -- scoreShared / scoreRows
  score(spec: AddonSpec, keep: Int32Array, rel: Int32Array, tailSide: boolean, cands: Int32Array, k: number, out: Float32Array): void;
  // Promise<void> scoreAsync(spec, keep, relation, tailSide, candidates, K, out, threads) -- scoreParallel() on an AsyncWorker
  scoreAsync(spec: AddonSpec, keep: Int32Array, rel: Int32Array, tailSide: boolean, cands: Int32Array, k: number, out: Float32Array, threads: number): Promise<void>;
  // Promise train(spec, counters, threads, steps) -- trainSteps() on an AsyncWorker
  train(spec: AddonSpec, counters: TrainJob["counters"], threads: number, steps: number): Promise<TrainChunkResult>;
  // {file, byteLength} mapTable(path) -- mmap MAP_PRIVATE behind an opaque handle, any size
  mapTable(path: string): MappedFile;
  // double firstNonFinite(mapped, count) -- index of the first NaN/Inf float32, or -1
  firstNonFinite(mapped: MappedRows, count: number): number;
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

/**
 * Frozen features of at least `count` values: a Uint16Array (float16 bits) or Float32Array, or a
 * mapped matrix lying inside its file at a whole-value offset (read-only, so training may use it).
 */
export function checkFeatures(f: FeatureMatrix | undefined, count: number, what: string): void {
  if (f instanceof Uint16Array || f instanceof Float32Array) return checkLen(f, count, what);
  need(f !== undefined && !ArrayBuffer.isView(f) && (f.dtype === "float16" || f.dtype === "float32"), what, "must be Uint16Array (float16), Float32Array or mapped float16/float32 features");
  const bytes = f!.dtype === "float16" ? 2 : 4;
  need(Number.isInteger(f!.byteOffset) && f!.byteOffset >= 0 && f!.byteOffset % bytes === 0, `${what}.byteOffset`, `must be a multiple of ${bytes}`);
  need(f!.length >= count && f!.byteOffset + f!.length * bytes <= f!.byteLength, what, `must hold ${count} ${f!.dtype} values inside the mapped file`);
}

/** `training`: the rows are updated (the optimiser state must be there; mapped rows are refused). */
function checkEncoder(e: EncoderTables, out: number, training: boolean, rowAdam: boolean, what: string): void {
  need(Number.isInteger(e.numRows) && e.numRows > 0, `${what}.numRows`, "must be a positive integer");
  if (e.mapped) {
    need(!training, `${what}.mapped`, "a memory-mapped table is read-only: it can be scored, not trained");
    const { byteLength, byteOffset } = e.mapped;
    need(Number.isInteger(byteOffset) && byteOffset >= 0 && byteOffset + e.numRows * e.raw * 4 <= byteLength,
      `${what}.mapped`, `must hold ${e.numRows} x ${e.raw} float32 rows`);
  } else {
    checkLen(e.rows, e.numRows * e.raw, `${what}.rows`);
  }
  if (training) checkLen(e.state, e.numRows, `${what}.state`);
  if (training && rowAdam) for (const k of ["rowM", "rowV"] as const) checkLen(e[k], e.numRows * e.raw, `${what}.${k}`);
  if (!e.concat) {
    need(e.raw === out, `${what}.raw`, `shallow encoder needs raw width ${out}, got ${e.raw}`);
    return;
  }
  const featDim = e.featDim ?? 0;
  need(featDim > 0, `${what}.featDim`, "concat encoder needs features");
  checkFeatures(e.feat, e.numRows * featDim, `${what}.feat`);
  const w = out * (featDim + e.raw);
  for (const k of ["W", "mW", "vW"] as const) checkLen(e[k], w, `${what}.${k}`);
  for (const k of ["b", "mb", "vb"] as const) checkLen(e[k], out, `${what}.${k}`);
}

const validatedData = new WeakSet<TrainTriples>();
const validatedKnown = new WeakSet<KnownTriples>();
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

/** Validates the tables; `training`: with their optimiser state (row Adam moments when the rows train with Adam). */
function checkTables(t: ModelTables, training: boolean, rowAdam: boolean): void {
  checkModel(t.model);
  need(Number.isInteger(t.dim) && t.dim > 0, "dim", "must be a positive integer");
  need(Number.isInteger(t.block) && t.block > 0 && t.dim % t.block === 0 && t.block <= 512, "block", `must divide dim ${t.dim} (and be <= 512)`);
  const widths = load().modelWidths(t.model, t.dim, t.block);
  checkEncoder(t.entity, t.dim, training, rowAdam, "entity");
  checkEncoder(t.relation, widths.relation, training, rowAdam, "relation");
}

/** The addon's view of a training run: tables, config (rates scaled by `lrScale`), triples, adjacency. */
function trainSpec(t: ModelTables, config: TrainConfig, known: KnownTriples | null, lrScale = 1, data?: TrainTriples): AddonSpec {
  checkTables(t, true, config.optimizer === "adam");
  if (known && !validatedKnown.has(known)) {
    for (const side of ["out", "in"] as const) checkAdjacency(known[side], t.entity.numRows, t.relation.numRows, `known.${side}`);
    validatedKnown.add(known);
  }
  const spec: AddonSpec = {
    model: t.model, dim: t.dim, block: t.block, gamma: t.gamma, phaseScale: t.phaseScale, entity: t.entity, relation: t.relation,
    config: lrScale === 1 ? config : { ...config, lr: config.lr * lrScale, denseLr: config.denseLr * lrScale },
  };
  if (known) spec.known = known;
  if (!data) return spec;
  need(data.length > 0, "data", "no training triples");
  if (!validatedData.has(data)) {
    checkIds(data.head, data.length, t.entity.numRows, "train.head");
    checkIds(data.tail, data.length, t.entity.numRows, "train.tail");
    checkIds(data.relation, data.length, t.relation.numRows, "train.relation");
    checkIds(data.perm, data.length, data.length, "train.perm");
    if (data.posWeight) checkLen(data.posWeight, data.length, "train.posWeight");
    validatedData.add(data);
  }
  spec.data = data;
  return spec;
}

/** Loss of one explicit batch; adds its gradients into `out` (no update). */
export function nativeGradients(tables: ModelTables, config: TrainConfig, batch: ExplicitBatch, out: BatchGradients, known: KnownTriples | null = null): number {
  const spec = trainSpec(tables, config, known);
  const B = config.batch;
  checkIds(batch.head, B, tables.entity.numRows, "batch.head");
  checkIds(batch.tail, B, tables.entity.numRows, "batch.tail");
  checkIds(batch.relation, B, tables.relation.numRows, "batch.relation");
  checkIds(batch.negatives, negativeCount(config), tables.entity.numRows, "batch.negatives");
  checkLen(out.entity, tables.entity.numRows * tables.entity.raw, "out.entity");
  checkLen(out.relation, tables.relation.numRows * tables.relation.raw, "out.relation");
  return load().gradients(spec, batch, out);
}

/** The checks shared by the synchronous and threaded scorers (shapes and id ranges). */
function checkScoreArgs(spec: ModelTables, keep: Int32Array, relation: Int32Array, candidates: Int32Array, k: number, out: Float32Array): void {
  checkTables(spec, false, false);
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
export function nativeScore(tables: ModelTables, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array): void {
  checkScoreArgs(tables, keep, relation, candidates, k, out);
  load().score(tables, keep, relation, tailSide, candidates, k, out);
}

/**
 * `nativeScore` on `threads` C++ threads, off the main thread (queries split into contiguous
 * slices). The caller must not touch `out` until the promise settles.
 */
export async function nativeScoreAsync(
  tables: ModelTables, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array, threads: number,
): Promise<void> {
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
  checkScoreArgs(tables, keep, relation, candidates, k, out);
  if (keep.length === 0) return;
  await load().scoreAsync(tables, keep, relation, tailSide, candidates, k, out, threads);
}

/** Runs `steps` training steps of `job` on its config's threads, off the main thread, learning rates scaled by `lrScale`. */
export async function nativeTrain(job: TrainJob, steps: number, lrScale = 1): Promise<TrainChunkResult> {
  const threads = job.config.threads;
  const spec = trainSpec(job.tables, job.config, job.known, lrScale, job.data);
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
  need(Number.isInteger(steps) && steps >= 0, "steps", "must be a non-negative integer");
  need(lrScale > 0 && Number.isFinite(lrScale), "lrScale", "must be a positive number");
  const { counters } = job;
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

/** Maps a whole file of any size read-only, behind a handle the score specs pass as `mapped.file`. */
export function nativeMapTable(path: string): MappedFile {
  try {
    return load().mapTable(path);
  } catch (err) {
    if (err instanceof KgcError) throw err;
    throw new KgcError(path, (err as Error).message);
  }
}

/** Index of the first NaN/Inf among `count` float32 of mapped rows, or -1. */
export function nativeFirstNonFinite(rows: MappedRows, count: number): number {
  need(Number.isInteger(count) && count >= 0 && rows.byteOffset + count * 4 <= rows.byteLength, "count", "must lie inside the mapped file");
  return load().firstNonFinite(rows, count);
}
