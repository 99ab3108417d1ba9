/**
 * One set of shard files (`<base>.shard-i-of-n.npy`, i = 0..n-1) and the unsharded `<base>.npy`
 * they join into. Every check runs before a byte is written: the set is complete and of one n,
 * every shard's sidecar agrees with shard 0's (dataset, split, query digest, settings) and names
 * its own index and query range, and every shard's npy has shard 0's dtype and row shape and as
 * many rows as its range. The join then streams the shards' rows, in order, behind the npy header
 * of the whole shape, which is the header NpyWriter gives the unsharded run: the merged file is the
 * unsharded run's byte for byte.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { withAtomicFile } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { findShardFiles, shardPath, shardRange, type FoundShard } from "../core/shard.js";
import { provenancePath, writeScoreProvenance } from "../eval/index.js";
import { readShardProvenance, withoutShard, type ShardProvenance } from "../eval/index.js";
import { encodeNpyHeader, iterateNpyRows, readNpyHeader, type NpyDtype } from "../io/npy.js";

export interface ShardSet {
  /** the unsharded file the shards join into */
  path: string;
  /** shard 0 .. n-1 */
  shards: FoundShard[];
  /** shard 0's sidecar (all agree) */
  provenance: ShardProvenance;
  dtype: NpyDtype;
  /** the shape of one row (the npy shape without its first dim) */
  rowShape: number[];
}

/** The number of shards of the set: `count` when the caller knows it, else the n most files share. */
function chooseCount(path: string, found: readonly FoundShard[], count: number | undefined): number {
  if (found.length === 0) throw new KgcError(path, "no shard files beside it (<name>.shard-i-of-n.npy); run the stage with --shard i/n for every i first");
  const tally = new Map<number, number>();
  for (const s of found) tally.set(s.count, (tally.get(s.count) ?? 0) + 1);
  const n = count ?? [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  const other = found.find((s) => s.count !== n);
  if (other) throw new KgcError(other.path, `a shard of ${other.count} shards beside shards of ${n}: one set per merge (remove the stale set)`);
  return n;
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The first field whose value differs, as `name: value` (of `a`), or null when none does. */
function firstDifference(a: object, b: object): string | null {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const key = [...new Set([...Object.keys(x), ...Object.keys(y)])].find((k) => !sameJson(x[k], y[k]));
  return key === undefined ? null : `${key} ${JSON.stringify(x[key])}`;
}

/** Finds and checks the complete shard set of `path` (of `count` shards when given). */
export function checkShardSet(path: string, count?: number): ShardSet {
  const found = findShardFiles(path);
  const n = chooseCount(path, found, count);
  const stray = found.find((s) => s.index >= n);
  if (stray) throw new KgcError(stray.path, `shard index ${stray.index} is not below its count ${n}`);
  for (let i = 0; i < n; i++) {
    if (found[i]?.index !== i) throw new KgcError(shardPath(path, { index: i, count: n }), `missing: shard ${i}/${n} (${found.length} of ${n} shards present); run it with --shard ${i}/${n}`);
  }
  const first = readShardProvenance(found[0]!.path);
  const firstHeader = readNpyHeader(found[0]!.path);
  for (const shard of found) {
    const sidecar = provenancePath(shard.path);
    const p = shard.index === 0 ? first : readShardProvenance(shard.path);
    if (p.shard.index !== shard.index || p.shard.count !== n) throw new KgcError(sidecar, `says shard ${p.shard.index}/${p.shard.count}, its file name ${shard.index}/${n}`);
    const differs = firstDifference(withoutShard(p), withoutShard(first));
    if (differs) throw new KgcError(sidecar, `${differs} differs from shard 0's (${provenancePath(found[0]!.path)}): not the same dataset, split or queries`);
    if (!sameJson(p.shard.settings, first.shard.settings)) {
      throw new KgcError(sidecar, `made with ${JSON.stringify(p.shard.settings)}, shard 0 with ${JSON.stringify(first.shard.settings)} (another model, hub limit or weights)`);
    }
    const range = shardRange(shard, first.queries);
    if (p.shard.start !== range.start || p.shard.end !== range.end) throw new KgcError(sidecar, `covers queries [${p.shard.start}, ${p.shard.end}), shard ${shard.index}/${n} of ${first.queries} is [${range.start}, ${range.end})`);
    const h = shard.index === 0 ? firstHeader : readNpyHeader(shard.path);
    if (h.dtype !== firstHeader.dtype) throw new KgcError(shard.path, `dtype ${h.dtype}, shard 0 has ${firstHeader.dtype}`);
    if (h.shape.length === 0 || h.shape[0] !== range.end - range.start || !sameJson(h.shape.slice(1), firstHeader.shape.slice(1))) {
      throw new KgcError(shard.path, `shape (${h.shape.join(", ")}), expected (${[range.end - range.start, ...firstHeader.shape.slice(1)].join(", ")})`);
    }
  }
  return { path, shards: found, provenance: first, dtype: firstHeader.dtype, rowShape: firstHeader.shape.slice(1) };
}

/**
 * Writes the unsharded file of a checked set (tmp + rename) and, with `sidecar`, its provenance:
 * shard 0's without the shard record, as the unsharded run writes it.
 */
export async function joinShardSet(set: ShardSet, sidecar: boolean): Promise<void> {
  await withAtomicFile(set.path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      const write = (bytes: Uint8Array): void => {
        for (let done = 0; done < bytes.byteLength; ) done += writeSync(fd, bytes, done, bytes.byteLength - done);
      };
      write(encodeNpyHeader(set.dtype, [set.provenance.queries, ...set.rowShape]));
      for (const shard of set.shards) for (const chunk of iterateNpyRows(shard.path)) write(chunk.bytes);
    } finally {
      closeSync(fd);
    }
  });
  if (sidecar) writeScoreProvenance(set.path, withoutShard(set.provenance));
}
