/**
 * Shards of a map over queries: `--shard i/n` runs a stage on the i-th of n contiguous, balanced
 * query ranges and writes its outputs under shard names; `kgc merge` joins the n shard files into
 * the file an unsharded run writes. A batch engine (Slurm array jobs, Kubernetes Indexed Jobs,
 * make -j) starts the n runs; kgc only needs the index and the count. The same name rule holds for
 * every stage: `<base>.npy` → `<base>.shard-<i>-of-<n>.npy`.
 */
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { CandidateQuerySource } from "./types.js";
import { KgcError } from "./errors.js";

export interface Shard {
  /** 0-based index, below `count` */
  index: number;
  /** number of shards the queries are split into */
  count: number;
}

/** Queries [start, end) of a split. */
export interface QueryRange {
  start: number;
  end: number;
}

/** Parses `i/n` (0 ≤ i < n); anything else is a one-line error naming --shard. */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  if (!m) throw new KgcError("--shard", `'${spec}' is not i/n (the shard index i and the shard count n, e.g. 0/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count)) throw new KgcError("--shard", `'${spec}': numbers too large`);
  if (count < 1) throw new KgcError("--shard", `'${spec}': the shard count n must be at least 1`);
  if (index >= count) throw new KgcError("--shard", `'${spec}': the shard index i must be below n (0 to ${count - 1})`);
  return { index, count };
}

export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The queries of `shard` among `total`: contiguous, in order, sizes differing by at most one (the
 * first total mod n shards take one more), so concatenating shards 0..n-1 gives [0, total).
 */
export function shardRange(shard: Shard, total: number): QueryRange {
  const base = Math.floor(total / shard.count);
  const extra = total % shard.count;
  const start = shard.index * base + Math.min(shard.index, extra);
  return { start, end: start + base + (shard.index < extra ? 1 : 0) };
}

/** `dir/scores-valid.npy` → `dir/scores-valid.shard-0-of-3.npy`. */
export function shardPath(path: string, shard: Shard): string {
  const stem = path.endsWith(".npy") ? path.slice(0, -4) : path;
  return `${stem}.shard-${shard.index}-of-${shard.count}.npy`;
}

const SHARD_SUFFIX = /\.shard-(\d+)-of-(\d+)\.npy$/;

/** True for a file name written by a sharded run (listings of a stage's outputs skip them). */
export function isShardFile(name: string): boolean {
  return SHARD_SUFFIX.test(name);
}

export interface FoundShard extends Shard {
  path: string;
}

/** The shard files of the unsharded `path` present beside it, in (count, index) order. */
export function findShardFiles(path: string): FoundShard[] {
  const dir = dirname(path);
  const stem = basename(path).replace(/\.npy$/, "");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: FoundShard[] = [];
  for (const name of names) {
    const m = SHARD_SUFFIX.exec(name);
    if (!m || name.slice(0, m.index) !== stem) continue;
    found.push({ path: join(dir, name), index: Number(m[1]), count: Number(m[2]) });
  }
  return found.sort((a, b) => a.count - b.count || a.index - b.index);
}

/** The queries of `range` (per-query columns as views; candidate rows read through `queries`). */
export function sliceQueries(queries: CandidateQuerySource, range: QueryRange): CandidateQuerySource {
  return {
    head: queries.head.subarray(range.start, range.end),
    relation: queries.relation.subarray(range.start, range.end),
    width: queries.width,
    correctIndex: queries.correctIndex?.subarray(range.start, range.end) ?? null,
    rows: (start, end, scratch) => queries.rows(range.start + start, range.start + end, scratch),
  };
}
