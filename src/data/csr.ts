import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import { NpyWriter, readNpyFloat64, readNpyInt32 } from "../io/npy.js";
import { DatasetFiles } from "../io/manifest.js";
import type { TripleSource } from "./triple-source.js";

/**
 * CSR adjacency over the training triples, one per direction:
 *   out: for entity e, the (tail, relation) pairs of triples (e, r, tail)
 *   in:  for entity e, the (head, relation) pairs of triples (head, r, e)
 * Within an entity, pairs are sorted by (neighbor, relation), so membership tests are binary
 * searches and neighbour-set intersections are merges.
 *
 * Built out of core: edges are spilled to bucket files by entity range (each bucket fits the
 * working-set budget), then each bucket is sorted in memory and appended to the output. Peak
 * memory is the degree array plus one bucket, whatever the number of triples.
 */
export interface Csr {
  /** shape: [numEntities + 1]; offsets into neighbor/relation (float64 holds offsets > 2^31 exactly) */
  indptr: Float64Array;
  /** shape: [numEdges] */
  neighbor: Int32Array;
  /** shape: [numEdges] */
  relation: Int32Array;
}

export type Direction = "out" | "in";

export interface CsrBuildOptions {
  numEntities: number;
  numRelations: number;
  /** working-set budget for one bucket, in bytes */
  budgetBytes: number;
}

/** Builds both directions and writes csr-{out,in}-{indptr,neighbor,relation}.npy into `dir`. */
export function buildCsrFiles(source: TripleSource, dir: string, options: CsrBuildOptions): void {
  for (const direction of ["out", "in"] as const) buildOneDirection(source, dir, direction, options);
}

function buildOneDirection(source: TripleSource, dir: string, direction: Direction, options: CsrBuildOptions): void {
  const { numEntities, numRelations, budgetBytes } = options;
  // pass 1: degrees
  const degree = new Uint32Array(numEntities);
  for (const chunk of source.chunks()) {
    const src = direction === "out" ? chunk.head : chunk.tail;
    for (let i = 0; i < chunk.length; i++) degree[src[i]!]!++;
  }
  // bucket boundaries: consecutive entity ranges holding at most maxEdges edges each
  // a spilled bucket holds per edge: 12-byte record + int32 source + float64 key, then the sorted keys
  const bytesPerEdgeInMemory = 32;
  const maxEdges = Math.max(1, Math.floor(budgetBytes / bytesPerEdgeInMemory));
  const bounds = [0];
  let inBucket = 0;
  for (let e = 0; e < numEntities; e++) {
    const d = degree[e]!;
    if (inBucket > 0 && inBucket + d > maxEdges) {
      bounds.push(e);
      inBucket = 0;
    }
    inBucket += d;
  }
  bounds.push(numEntities);
  const numBuckets = bounds.length - 1;

  // indptr from degrees, streamed
  const indptrWriter = new NpyWriter(join(dir, DatasetFiles.csr(direction, "indptr")), "<i8", [numEntities + 1]);
  const block = new Float64Array(1 << 16);
  let running = 0;
  let fill = 0;
  const flush = (): void => {
    indptrWriter.write(block.subarray(0, fill));
    fill = 0;
  };
  for (let e = 0; e <= numEntities; e++) {
    block[fill++] = running;
    if (e < numEntities) running += degree[e]!;
    if (fill === block.length) flush();
  }
  if (fill > 0) flush();
  indptrWriter.close();

  const neighborWriter = new NpyWriter(join(dir, DatasetFiles.csr(direction, "neighbor")), "<i4", [running]);
  const relationWriter = new NpyWriter(join(dir, DatasetFiles.csr(direction, "relation")), "<i4", [running]);
  const emit = (keys: Float64Array): void => {
    const nb = new Int32Array(keys.length);
    const rel = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const n = Math.floor(k / numRelations);
      nb[i] = n;
      rel[i] = k - n * numRelations;
    }
    neighborWriter.write(nb);
    relationWriter.write(rel);
  };

  if (numBuckets === 1) {
    sortBucketAndEmit(source, direction, 0, numEntities, degree, numRelations, emit, null);
  } else {
    spillAndSort(source, direction, bounds, degree, numRelations, emit);
  }
  neighborWriter.close();
  relationWriter.close();
}

/**
 * Collects the edges of entities [lo, hi) (from `spillFile` when given, else from the source),
 * sorts each entity's edges by (neighbor, relation) and emits the keys in entity order.
 */
function sortBucketAndEmit(
  source: TripleSource, direction: Direction, lo: number, hi: number, degree: Uint32Array, numRelations: number,
  emit: (keys: Float64Array) => void, spilled: { src: Int32Array; key: Float64Array } | null,
): void {
  const offsets = new Float64Array(hi - lo + 1);
  for (let e = lo; e < hi; e++) offsets[e - lo + 1] = offsets[e - lo]! + degree[e]!;
  const total = offsets[hi - lo]!;
  const keys = new Float64Array(total);
  const cursor = offsets.slice(0, hi - lo);
  const place = (s: number, key: number): void => {
    keys[cursor[s - lo]!++] = key;
  };
  if (spilled) {
    for (let i = 0; i < spilled.src.length; i++) place(spilled.src[i]!, spilled.key[i]!);
  } else {
    for (const chunk of source.chunks()) {
      const src = direction === "out" ? chunk.head : chunk.tail;
      const dst = direction === "out" ? chunk.tail : chunk.head;
      for (let i = 0; i < chunk.length; i++) place(src[i]!, dst[i]! * numRelations + chunk.relation[i]!);
    }
  }
  for (let e = 0; e < hi - lo; e++) {
    const a = offsets[e]!;
    const b = offsets[e + 1]!;
    if (b - a > 1) keys.subarray(a, b).sort();
  }
  emit(keys);
}

/** Spills edges to one temporary file per bucket, then sorts and emits bucket by bucket. */
function spillAndSort(
  source: TripleSource, direction: Direction, bounds: number[], degree: Uint32Array, numRelations: number,
  emit: (keys: Float64Array) => void,
): void {
  const tmp = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "kgc-csr-"));
  const numBuckets = bounds.length - 1;
  const fds = Array.from({ length: numBuckets }, (_, b) => openSync(join(tmp, `bucket-${b}.bin`), "w+"));
  try {
    // bucket of each entity through a binary search over bounds
    const bucketOf = (e: number): number => {
      let lo = 0;
      let hi = numBuckets - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (bounds[mid]! <= e) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    // per-bucket write buffers of (src int32, key float64) records: 12 bytes
    const RECORD = 12;
    const bufRecords = 1 << 14;
    const buffers = Array.from({ length: numBuckets }, () => Buffer.allocUnsafe(bufRecords * RECORD));
    const fills = new Int32Array(numBuckets);
    const flushBucket = (b: number): void => {
      const bytes = fills[b]! * RECORD;
      let done = 0;
      while (done < bytes) done += writeSync(fds[b]!, buffers[b]!, done, bytes - done);
      fills[b] = 0;
    };
    for (const chunk of source.chunks()) {
      const src = direction === "out" ? chunk.head : chunk.tail;
      const dst = direction === "out" ? chunk.tail : chunk.head;
      for (let i = 0; i < chunk.length; i++) {
        const s = src[i]!;
        const b = bucketOf(s);
        const buf = buffers[b]!;
        const at = fills[b]! * RECORD;
        buf.writeInt32LE(s, at);
        buf.writeDoubleLE(dst[i]! * numRelations + chunk.relation[i]!, at + 4);
        if (++fills[b]! === bufRecords) flushBucket(b);
      }
    }
    for (let b = 0; b < numBuckets; b++) if (fills[b]! > 0) flushBucket(b);
    for (let b = 0; b < numBuckets; b++) {
      let count = 0;
      for (let e = bounds[b]!; e < bounds[b + 1]!; e++) count += degree[e]!;
      const raw = Buffer.allocUnsafe(count * RECORD);
      let done = 0;
      while (done < raw.byteLength) {
        const got = readSync(fds[b]!, raw, done, raw.byteLength - done, done);
        if (got === 0) throw new KgcError(join(tmp, `bucket-${b}.bin`), "spill file shorter than expected");
        done += got;
      }
      const srcs = new Int32Array(count);
      const keys = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        srcs[i] = raw.readInt32LE(i * RECORD);
        keys[i] = raw.readDoubleLE(i * RECORD + 4);
      }
      sortBucketAndEmit(source, direction, bounds[b]!, bounds[b + 1]!, degree, numRelations, emit, { src: srcs, key: keys });
    }
  } finally {
    for (const fd of fds) closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Loads one direction of a prepared dataset's adjacency. */
export function loadCsr(dir: string, direction: Direction, numEntities: number): Csr {
  const indptr = readNpyFloat64(join(dir, DatasetFiles.csr(direction, "indptr"))).data;
  if (indptr.length !== numEntities + 1) throw new KgcError(join(dir, DatasetFiles.csr(direction, "indptr")), `has ${indptr.length} entries, expected ${numEntities + 1}`);
  const neighbor = readNpyInt32(join(dir, DatasetFiles.csr(direction, "neighbor"))).data;
  const relation = readNpyInt32(join(dir, DatasetFiles.csr(direction, "relation"))).data;
  return { indptr, neighbor, relation };
}

/** Whether the adjacency holds the edge (entity → neighbor via relation). Binary search. */
export function csrHasEdge(csr: Csr, entity: number, neighbor: number, relation: number): boolean {
  let lo = csr.indptr[entity]!;
  let hi = csr.indptr[entity + 1]! - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const n = csr.neighbor[mid]!;
    const r = csr.relation[mid]!;
    if (n === neighbor && r === relation) return true;
    if (n < neighbor || (n === neighbor && r < relation)) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
