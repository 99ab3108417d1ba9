/**
 * Training edges bucketed by (head partition, tail partition) for out-of-core training
 * (PyTorch-BigGraph's edge buckets): entity e is in partition floor(e / partSize); bucket
 * (i, j) holds the triples whose head is in i and tail in j. Built out of core by two passes
 * over the train split's Arrow file, one record batch in memory at a time: the first counts
 * each bucket, the second sorts each batch by bucket and writes its runs at their buckets'
 * offsets. Output: `<base>.bin` (int32 [n, 3] h, r, t, grouped by bucket, row-major buckets)
 * and `<base>.json` (the offsets), both written under temporary names and renamed.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { commitTmp, tmpPathFor, writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import { forEachTripleChunk } from "../io/arrow.js";

export interface EdgeBucketIndex {
  format: "kgc-edge-buckets/1";
  partitions: number;
  partSize: number;
  numEntities: number;
  numTriples: number;
  /** what the buckets were made from (the dataset's fingerprint): a changed split is rebuilt */
  source: string;
  /** shape: [P * P + 1] first triple of bucket i * P + j */
  offsets: number[];
}

export interface BucketSpec {
  partitions: number;
  partSize: number;
  numEntities: number;
  numTriples: number;
  source: string;
}

/** The index at `<base>.json` when it matches `spec` and its `.bin` is present, else null. */
export function existingBuckets(base: string, spec: BucketSpec): EdgeBucketIndex | null {
  if (!existsSync(`${base}.json`) || !existsSync(`${base}.bin`)) return null;
  try {
    const idx = JSON.parse(readFileSync(`${base}.json`, "utf8")) as EdgeBucketIndex;
    const same = idx.format === "kgc-edge-buckets/1" && idx.partitions === spec.partitions && idx.partSize === spec.partSize &&
      idx.numEntities === spec.numEntities && idx.numTriples === spec.numTriples && idx.source === spec.source;
    return same ? idx : null;
  } catch {
    return null;
  }
}

/** Buckets the triples of the Arrow file `trainPath` into `<base>.bin` / `<base>.json`. */
export async function bucketEdges(trainPath: string, base: string, spec: BucketSpec): Promise<EdgeBucketIndex> {
  const { partitions: P, partSize, numEntities } = spec;
  const bucketOf = (h: number, t: number): number => Math.floor(h / partSize) * P + Math.floor(t / partSize);
  const counts = new Float64Array(P * P);
  let seen = 0;
  const progress = startProgress("bucket edges", 2 * spec.numTriples, "triples");
  try {
    await forEachTripleChunk(trainPath, (head, _rel, tail, first) => {
      for (let i = 0; i < head.length; i++) {
        const h = head[i]!, t = tail[i]!;
        if (h >= numEntities || t >= numEntities) throw new KgcError(trainPath, `row ${first + i}: entity ${Math.max(h, t)} outside [0, ${numEntities})`);
        counts[bucketOf(h, t)]!++;
      }
      seen += head.length;
      progress.update(seen);
    });
    if (seen !== spec.numTriples) throw new KgcError(trainPath, `holds ${seen} triples, the manifest says ${spec.numTriples}`);
    const offsets = new Array<number>(P * P + 1).fill(0);
    for (let b = 0; b < P * P; b++) offsets[b + 1] = offsets[b]! + counts[b]!;
    const cursor = Float64Array.from(offsets.slice(0, P * P));
    const tmp = tmpPathFor(`${base}.bin`);
    const fd = openSync(tmp, "w");
    try {
      await forEachTripleChunk(trainPath, (head, rel, tail) => {
        const n = head.length;
        const local = new Map<number, number>(); // bucket -> rows of this batch in it
        for (let i = 0; i < n; i++) {
          const b = bucketOf(head[i]!, tail[i]!);
          local.set(b, (local.get(b) ?? 0) + 1);
        }
        const start = new Map<number, number>();
        let at = 0;
        for (const [b, k] of [...local].sort((x, y) => x[0] - y[0])) {
          start.set(b, at);
          at += k;
        }
        const fill = new Map(start);
        const sorted = new Int32Array(3 * n);
        for (let i = 0; i < n; i++) {
          const b = bucketOf(head[i]!, tail[i]!);
          const row = fill.get(b)!;
          fill.set(b, row + 1);
          sorted[3 * row] = head[i]!;
          sorted[3 * row + 1] = rel[i]!;
          sorted[3 * row + 2] = tail[i]!;
        }
        const bytes = new Uint8Array(sorted.buffer);
        for (const [b, row] of start) {
          const k = local.get(b)!;
          let done = 0;
          const off = 12 * row, len = 12 * k;
          while (done < len) done += writeSync(fd, bytes, off + done, len - done, 12 * cursor[b]! + done);
          cursor[b]! += k;
        }
        seen += n;
        progress.update(seen);
      });
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    commitTmp(tmp, `${base}.bin`);
    const index: EdgeBucketIndex = { format: "kgc-edge-buckets/1", ...spec, offsets };
    writeFileAtomic(`${base}.json`, JSON.stringify(index));
    return index;
  } finally {
    progress.stop();
  }
}

/** The triples of bucket (i, j): int32 [len, 3] (h, r, t), read from the open `.bin` file. */
export function readBucket(fd: number, index: EdgeBucketIndex, i: number, j: number): Int32Array {
  const b = i * index.partitions + j;
  const lo = index.offsets[b]!, len = index.offsets[b + 1]! - lo;
  const out = new Int32Array(3 * len);
  const bytes = new Uint8Array(out.buffer);
  let done = 0;
  while (done < bytes.length) {
    const n = readSync(fd, bytes, done, bytes.length - done, 12 * lo + done);
    if (n === 0) throw new KgcError("edge buckets", `bucket (${i}, ${j}) is truncated`);
    done += n;
  }
  return out;
}
