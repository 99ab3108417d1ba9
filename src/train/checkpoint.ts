/**
 * Checkpoints: every table the engine mutates (rows, Adagrad state or row Adam moments, encoder weights and Adam
 * moments), the positive permutation and the counters (steps, per-thread RNG state and cursor),
 * so `--resume` continues exactly where the run stopped. Written as one folder, atomically.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TrainCounters, TrainJob } from "../backends/index.js";
import { withAtomicDir, writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { readNpyFloat32, readNpyInt32, writeNpy } from "../io/npy.js";
import type { TrainConfig } from "../models/config.js";
import type { EncoderTables, ModelTables } from "../models/model-tables.js";
import { CHECKPOINT_DIR } from "../io/artefacts.js";


export interface CheckpointMeta {
  format: "kgc-checkpoint/1";
  model: string;
  dim: number;
  block: number;
  encoder: "shallow" | "concat";
  /** optimizer of the rows (absent in checkpoints written before row Adam: adagrad) */
  optimizer?: "adagrad" | "adam";
  numEntities: number;
  numRelations: number;
  step: number;
  threads: number;
  global: number[];
  threadState: number[];
  /** xoshiro256** words as decimal strings (uint64) */
  rng: string[];
}

type TableKey = "rows" | "state" | "rowM" | "rowV" | "W" | "b" | "mW" | "vW" | "mb" | "vb";
const TABLES: readonly TableKey[] = ["rows", "state", "rowM", "rowV", "W", "b", "mW", "vW", "mb", "vb"];

function saveEncoder(dir: string, prefix: string, e: EncoderTables): void {
  for (const key of TABLES) {
    const a = e[key];
    if (a) writeNpy(join(dir, `${prefix}-${key}.npy`), "<f4", [a.length], a);
  }
}

/** Writes `<outDir>/checkpoint/` atomically. */
export async function saveCheckpoint(outDir: string, job: TrainJob): Promise<void> {
  const { tables, counters, config } = job;
  const meta: CheckpointMeta = {
    format: "kgc-checkpoint/1", model: tables.model, dim: tables.dim, block: tables.block,
    encoder: tables.entity.concat ? "concat" : "shallow", optimizer: config.optimizer, numEntities: tables.entity.numRows, numRelations: tables.relation.numRows,
    step: counters.global[0]!, threads: config.threads, global: Array.from(counters.global), threadState: Array.from(counters.threads),
    rng: Array.from(counters.rng, (v) => v.toString()),
  };
  await withAtomicDir(join(outDir, CHECKPOINT_DIR), (tmp) => {
    saveEncoder(tmp, "entity", tables.entity);
    saveEncoder(tmp, "relation", tables.relation);
    writeNpy(join(tmp, "perm.npy"), "<i4", [job.data.perm.length], job.data.perm);
    writeFileAtomic(join(tmp, "meta.json"), JSON.stringify(meta, null, 1));
  }, { kind: "checkpoint" });
}

export function readCheckpointMeta(outDir: string): CheckpointMeta {
  const path = join(outDir, CHECKPOINT_DIR, "meta.json");
  if (!existsSync(path)) throw new KgcError(path, "no checkpoint to resume from");
  const meta = JSON.parse(readFileSync(path, "utf8")) as CheckpointMeta;
  if (meta.format !== "kgc-checkpoint/1") throw new KgcError(path, `unknown checkpoint format '${String(meta.format)}'`);
  return meta;
}

/** Checks a checkpoint against the tables built from the config; throws naming the mismatch. */
export function checkCheckpointFits(meta: CheckpointMeta, tables: ModelTables, optimizer: TrainConfig["optimizer"], where: string): void {
  const want = { model: tables.model, dim: tables.dim, block: tables.block, encoder: tables.entity.concat ? "concat" : "shallow", optimizer, numEntities: tables.entity.numRows, numRelations: tables.relation.numRows };
  const have: CheckpointMeta = { ...meta, optimizer: meta.optimizer ?? "adagrad" };
  for (const [key, value] of Object.entries(want)) {
    const got = have[key as keyof CheckpointMeta];
    if (got !== value) throw new KgcError(where, `--resume: the checkpoint has ${key} ${String(got)} but the config asks for ${String(value)}`);
  }
}

function loadInto(dir: string, prefix: string, e: EncoderTables): void {
  for (const key of TABLES) {
    const a = e[key];
    if (!a) continue;
    const path = join(dir, `${prefix}-${key}.npy`);
    const { data } = readNpyFloat32(path);
    if (data.length !== a.length) throw new KgcError(path, `holds ${data.length} values, expected ${a.length}`);
    a.set(data);
  }
}

/** Restores the job's tables, permutation and counters in place; returns the checkpoint's meta. */
export function loadCheckpoint(outDir: string, job: TrainJob): CheckpointMeta {
  const { tables, config: { threads } } = job;
  const dir = join(outDir, CHECKPOINT_DIR);
  const meta = readCheckpointMeta(outDir);
  checkCheckpointFits(meta, tables, job.config.optimizer, dir);
  loadInto(dir, "entity", tables.entity);
  loadInto(dir, "relation", tables.relation);
  const perm = readNpyInt32(join(dir, "perm.npy")).data;
  if (perm.length !== job.data.perm.length) throw new KgcError(join(dir, "perm.npy"), "the training split changed since the checkpoint");
  for (let i = 0; i < perm.length; i++) {
    if (perm[i]! < 0 || perm[i]! >= perm.length) throw new KgcError(join(dir, "perm.npy"), `entry ${i} (${perm[i]}) is not an index of the training split`);
  }
  job.data.perm.set(perm);
  const { counters } = job;
  counters.global.set(meta.global);
  if (meta.threads === threads) {
    counters.threads.set(meta.threadState);
    counters.rng.set(meta.rng.map((s) => BigInt(s)));
  } else {
    // a different thread count cannot continue the same streams: reseed from the step
    const fresh = newCounters(threads, Number(BigInt(meta.rng[0]!) & 0xffffffffn) ^ meta.step);
    counters.rng.set(fresh.rng);
  }
  return meta;
}

/** Fresh counters: thread t's RNG is splitmix64(seed, t). */
export function newCounters(threads: number, seed: number): TrainCounters {
  const rng = new BigUint64Array(4 * threads);
  let x = BigInt.asUintN(64, BigInt(seed) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n);
  for (let i = 0; i < rng.length; i++) {
    x = BigInt.asUintN(64, x + 0x9e3779b97f4a7c15n);
    let z = x;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    rng[i] = z ^ (z >> 31n);
  }
  const state = new Float64Array(2 * threads);
  for (let t = 0; t < threads; t++) state[2 * t] = -1; // cursor -1: shuffle the shard first
  return { global: new Float64Array(2), rng, threads: state };
}
