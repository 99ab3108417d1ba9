import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { KgcError } from "../core/errors.js";
import type { Triples } from "../core/types.js";
import { decodeInt32, iterateNpyRows, NpyWriter, readNpyHeader, readNpyInt32, type NpyHeader } from "../io/npy.js";
import { checkCandidateRows } from "../io/id-columns.js";
import { checkIdRange } from "./candidates.js";
import type { TripleSource } from "./triple-source.js";

/**
 * OGB-LSC WikiKG90M v1 `processed/` folder (also what `kgc data synth` writes):
 *   train_hrt.npy int64 [n, 3]; val_hr.npy / test_hr.npy int64 [q, 2];
 *   val_t_candidate.npy / test_t_candidate.npy int64 [q, 1001]; val_t_correct_index.npy int64 [q];
 *   entity_feat.npy / relation_feat.npy float16 [*, 768].
 * Entity and relation counts come from the feature shapes (OGB's meta.pt is a torch pickle),
 * else from kgc's meta.json, else from --num-entities/--num-relations.
 * Nothing here loads a large file whole: train and candidates are streamed in row chunks.
 */
export interface OgbLayout {
  root: string;
  numEntities: number;
  numRelations: number;
  train: string;
  splits: { valid: OgbSplit; test: OgbSplit };
  entityFeat: string | null;
  relationFeat: string | null;
}

export interface OgbSplit {
  hr: string;
  candidates: string;
  /** the correct-index file, or null when hidden (OGB test) */
  correct: string | null;
}

export interface OgbCounts {
  numEntities?: number;
  numRelations?: number;
}

function required(path: string): string {
  if (!existsSync(path)) throw new KgcError(path, "missing OGB file");
  return path;
}

function optional(path: string): string | null {
  return existsSync(path) ? path : null;
}

/** Checks the folder and reads counts from headers; throws naming the first missing or bad file. */
export function inspectOgbFolder(rootArg: string, counts: OgbCounts = {}): OgbLayout {
  const root = resolve(rootArg);
  if (!existsSync(root)) throw new KgcError(rootArg, "OGB folder not found");
  const p = join(root, "processed");
  if (!existsSync(p)) throw new KgcError(p, "missing OGB folder (expected <root>/processed/*.npy)");
  const entityFeat = optional(join(p, "entity_feat.npy"));
  const relationFeat = optional(join(p, "relation_feat.npy"));
  const meta = existsSync(join(root, "meta.json")) ? (JSON.parse(readFileSync(join(root, "meta.json"), "utf8")) as Record<string, unknown>) : {};
  const count = (feat: string | null, metaKey: string, given: number | undefined, flag: string): number => {
    const fromFeat = feat ? readNpyHeader(feat).rows : undefined;
    const fromMeta = typeof meta[metaKey] === "number" ? (meta[metaKey] as number) : undefined;
    const value = given ?? fromFeat ?? fromMeta;
    if (value === undefined) throw new KgcError(root, `cannot tell ${metaKey}: no feature file or meta.json; pass ${flag}`);
    if (fromFeat !== undefined && value !== fromFeat) throw new KgcError(feat!, `has ${fromFeat} rows but ${metaKey} is ${value}`);
    return value;
  };
  const split = (prefix: string, correct: string | null): OgbSplit => ({
    hr: required(join(p, `${prefix}_hr.npy`)),
    candidates: required(join(p, `${prefix}_t_candidate.npy`)),
    correct,
  });
  const layout: OgbLayout = {
    root,
    numEntities: count(entityFeat, "num_entities", counts.numEntities, "--num-entities"),
    numRelations: count(relationFeat, "num_relations", counts.numRelations, "--num-relations"),
    train: required(join(p, "train_hrt.npy")),
    splits: {
      valid: split("val", required(join(p, "val_t_correct_index.npy"))),
      test: split("test", optional(join(p, "test_t_correct_index.npy"))),
    },
    entityFeat,
    relationFeat,
  };
  expectShape(readNpyHeader(layout.train), layout.train, [null, 3]);
  for (const s of [layout.splits.valid, layout.splits.test]) {
    const q = readNpyHeader(s.hr);
    expectShape(q, s.hr, [null, 2]);
    expectShape(readNpyHeader(s.candidates), s.candidates, [q.rows, null]);
    if (s.correct) expectShape(readNpyHeader(s.correct), s.correct, [q.rows]);
  }
  return layout;
}

function expectShape(header: NpyHeader, path: string, dims: (number | null)[]): void {
  const ok = header.shape.length === dims.length && dims.every((d, i) => d === null || header.shape[i] === d);
  if (!ok) throw new KgcError(path, `shape (${header.shape.join(", ")}) does not match the OGB layout (${dims.map((d) => d ?? "n").join(", ")})`);
}

/** Streams train_hrt.npy as int32 column chunks, range-checking every id. */
export function ogbTrainSource(layout: OgbLayout, chunkBytes = 24 << 20): TripleSource {
  const path = layout.train;
  const header = readNpyHeader(path);
  const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / (3 * header.itemSize)));
  const flat = new Int32Array(rowsPerChunk * 3);
  const chunk: Triples = { head: new Int32Array(rowsPerChunk), relation: new Int32Array(rowsPerChunk), tail: new Int32Array(rowsPerChunk), length: 0 };
  const entityRange = { min: 0, maxExclusive: layout.numEntities, what: "entity id" };
  return {
    length: header.rows,
    *chunks() {
      for (const raw of iterateNpyRows(path, rowsPerChunk * 3 * header.itemSize)) {
        const n = raw.rowCount;
        decodeInt32(raw.bytes, header.dtype, flat, 0, path, null, raw.rowStart * 3);
        for (let i = 0; i < n; i++) {
          const h = flat[3 * i]!;
          const r = flat[3 * i + 1]!;
          const t = flat[3 * i + 2]!;
          if (h < 0 || h >= entityRange.maxExclusive) throw new KgcError(path, `row ${raw.rowStart + i}: head ${h} outside [0, ${layout.numEntities})`);
          if (r < 0 || r >= layout.numRelations) throw new KgcError(path, `row ${raw.rowStart + i}: relation ${r} outside [0, ${layout.numRelations})`);
          if (t < 0 || t >= entityRange.maxExclusive) throw new KgcError(path, `row ${raw.rowStart + i}: tail ${t} outside [0, ${layout.numEntities})`);
          chunk.head[i] = h;
          chunk.relation[i] = r;
          chunk.tail[i] = t;
        }
        chunk.length = n;
        yield chunk;
      }
    },
  };
}

/** Reads a split's (h, r) queries (small: q × 2) with range checks. */
export function readOgbQueries(layout: OgbLayout, split: OgbSplit): { head: Int32Array; relation: Int32Array } {
  const hr = readNpyInt32(split.hr).data;
  const q = hr.length / 2;
  const head = new Int32Array(q);
  const relation = new Int32Array(q);
  for (let i = 0; i < q; i++) {
    head[i] = hr[2 * i]!;
    relation[i] = hr[2 * i + 1]!;
    if (head[i]! < 0 || head[i]! >= layout.numEntities) throw new KgcError(split.hr, `row ${i}: head ${head[i]} outside [0, ${layout.numEntities})`);
    if (relation[i]! < 0 || relation[i]! >= layout.numRelations) throw new KgcError(split.hr, `row ${i}: relation ${relation[i]} outside [0, ${layout.numRelations})`);
  }
  return { head, relation };
}

/**
 * Streams a candidate file (int64 [q, K]) into an int32 npy at `outPath`, checking ids and that
 * no row repeats a candidate. Memory: one chunk.
 */
export function convertCandidates(layout: OgbLayout, split: OgbSplit, outPath: string): { queries: number; width: number } {
  const path = split.candidates;
  const header = readNpyHeader(path);
  const width = header.rowWidth;
  const writer = new NpyWriter(outPath, "<i4", [header.rows, width]);
  try {
    for (const chunk of iterateNpyRows(path)) {
      const out = new Int32Array(chunk.rowCount * width);
      decodeInt32(chunk.bytes, header.dtype, out, 0, path, null, chunk.rowStart * width);
      checkIdRange(out, width, layout.numEntities, path, chunk.rowStart);
      checkCandidateRows(path, out, width, chunk.rowStart);
      writer.write(out);
    }
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return { queries: header.rows, width };
}

/** Reads a correct-index file (int64 [q]) as int32, each in [0, width). */
export function readCorrectIndex(path: string, width: number): Int32Array {
  return readNpyInt32(path, { min: 0, maxExclusive: width, what: "candidate index" }).data;
}
