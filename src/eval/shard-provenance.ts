/**
 * The provenance sidecar of a shard file (`<base>.shard-i-of-n.provenance.json`): the split's
 * ScoreProvenance, exactly as the unsharded file's, plus a `shard` record: which shard, its query
 * range, and the settings every shard of one merge must share (the model, the hub limit, the
 * weights). `kgc merge` refuses shards whose sidecars disagree and writes the unsharded sidecar by
 * dropping the `shard` record, so the merged sidecar is byte for byte the unsharded run's.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, readFileSync, readSync } from "node:fs";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { openForRead } from "../io/open-file.js";
import type { QueryRange, Shard } from "../core/shard.js";
import { provenancePath, writeScoreProvenance, type ScoreProvenance } from "./score-provenance.js";

export interface ShardRecord extends Shard, QueryRange {
  /** what must be equal across the shards of one merge (JSON values) */
  settings: Record<string, unknown>;
}

export interface ShardProvenance extends ScoreProvenance {
  shard: ShardRecord;
}

/**
 * Writes the sidecar of a stage output: the plain provenance for an unsharded run, the shard
 * sidecar when `shard` is given (`settings` is recorded only then).
 */
export function writeOutputProvenance(npyPath: string, provenance: ScoreProvenance, shard: ShardRecord | null): void {
  if (shard === null) writeScoreProvenance(npyPath, provenance);
  else writeFileAtomic(provenancePath(npyPath), JSON.stringify({ ...provenance, shard } satisfies ShardProvenance, null, 2) + "\n");
}

/** The sidecar of a shard file; a missing or shard-less one is an error naming it. */
export function readShardProvenance(npyPath: string): ShardProvenance {
  const path = provenancePath(npyPath);
  if (!existsSync(path)) throw new KgcError(path, `missing: the shard ${npyPath} has no provenance sidecar (rerun that shard)`);
  let raw: ShardProvenance;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as ShardProvenance;
  } catch (err) {
    throw new KgcError(path, `corrupt provenance file (${(err as Error).message})`);
  }
  if (raw.format !== "kgc-scores/1" || typeof raw.shard !== "object" || raw.shard === null) throw new KgcError(path, "not the provenance of a shard (no shard record)");
  return raw;
}

/** The unsharded provenance: the shard sidecar without its shard record (key order kept). */
export function withoutShard(provenance: ShardProvenance): ScoreProvenance {
  const { shard: _shard, ...rest } = provenance;
  return rest;
}

/**
 * A cheap digest that changes when a model folder is retrained: the files whole up to `headBytes`
 * each (config.json and relation.npy are small; of entity.npy, 87M rows on WikiKG90M, only its
 * head, whose rows any retraining moves). Shards of one merge must score the same model.
 */
export function filesDigest(paths: readonly string[], headBytes = 1 << 20): string {
  const h = createHash("sha256");
  const buffer = Buffer.alloc(headBytes);
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const fd = openForRead(path);
    try {
      h.update(buffer.subarray(0, readSync(fd, buffer, 0, headBytes, 0)));
    } finally {
      closeSync(fd);
    }
  }
  return h.digest("hex").slice(0, 16);
}
