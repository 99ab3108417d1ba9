import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkOutputFolder, withAtomicDir, writeFileAtomic } from "../core/atomic.js";
import { withOutputLock } from "../core/output-lock.js";
import { KgcError } from "../core/errors.js";
import { info } from "../core/log.js";
import { startProgress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import type { CandidateQueries, Triples } from "../core/types.js";
import { writeTripleChunksArrow, writeTriplesArrow } from "../io/arrow.js";
import { DatasetFiles, SPLITS, type DatasetManifest, type FeatureInfo, type SplitInfo, type SplitName } from "../io/manifest.js";
import { decodeFloat32, iterateNpyRows, readNpyHeader, writeNpy } from "../io/npy.js";
import { buildCandidates, checkCandidates, KnownTriples } from "./candidates.js";
import { buildCsrFiles } from "./csr.js";
import { writeDictionary } from "./dictionary.js";
import { convertCandidates, inspectOgbFolder, ogbTrainSource, readCorrectIndex, readOgbQueries, type OgbCounts } from "./ogb-wikikg90m.js";
import { readNamedSplits, type NamedSplits } from "./named-splits.js";
import { memoryTripleSource, type TripleSource } from "./triple-source.js";
import { hashTriples, TripleHasher } from "./triple-hash.js";

/**
 * The data stage: turns a raw source (OGB WikiKG90M folder, TSV folder, Arrow or Parquet files)
 * into a prepared dataset folder data/<name>/ (see io/manifest.ts for its files). The folder is
 * built under a temporary name and renamed when complete, so a failed import leaves nothing.
 */
export type ImportSource =
  | { kind: "ogb"; path: string; counts: OgbCounts }
  | { kind: "tsv" | "arrow" | "parquet"; path: string };

export interface ImportOptions {
  source: ImportSource;
  /** output folder, e.g. data/fb15k-237 */
  outDir: string;
  name: string;
  /** negatives per valid/test query for named sources (0: no candidate queries) */
  candidates: number;
  seed: number;
  /** working-set budget in bytes for the out-of-core adjacency build */
  memoryBudget: number;
  /** replace an existing dataset of that name (kept whole until the new one is complete) */
  force?: boolean;
}

export async function importDataset(options: ImportOptions): Promise<DatasetManifest> {
  const { source } = options;
  if (!existsSync(source.path)) throw new KgcError(source.path, "input not found");
  const outDir = resolve(options.outDir);
  // one writer for the whole import; a bad output path is refused before any input is read
  return withOutputLock(outDir, "data import", () => {
    checkOutputFolder(options.outDir, DATASET_KIND, options.force ?? false);
    return withAtomicDir(outDir, async (dir) =>
      source.kind === "ogb" ? importOgb(source.path, source.counts, dir, options) : importNamed(await readNamedSplits(source.path, source.kind), dir, options, `${source.kind}:${resolve(source.path)}`),
    { kind: DATASET_KIND, replace: options.force ?? false });
  });
}

/** The artefact kind of a prepared dataset folder (its .kgc-artefact.json marker). */
export const DATASET_KIND = "dataset";

function emptySplit(): SplitInfo {
  return { triples: 0, queries: 0, candidatesPerQuery: 0, hasAnswers: false };
}

async function importOgb(root: string, counts: OgbCounts, dir: string, options: ImportOptions): Promise<DatasetManifest> {
  const layout = inspectOgbFolder(root, counts);
  const { numEntities, numRelations } = layout;
  info(`OGB folder ${layout.root}: ${numEntities.toLocaleString("en-US")} entities, ${numRelations} relations`);
  const train = ogbTrainSource(layout);
  const splits: Record<SplitName, SplitInfo> = { train: emptySplit(), valid: emptySplit(), test: emptySplit() };

  // train: npy → Arrow, streamed
  const progress = startProgress("train triples", train.length, "triples");
  const hasher = new TripleHasher();
  const progressed = function* (): Generator<Triples> {
    let done = 0;
    for (const chunk of train.chunks()) {
      hasher.update(chunk);
      yield chunk;
      progress.update((done += chunk.length));
    }
  };
  try {
    await writeTripleChunksArrow(join(dir, DatasetFiles.triples("train")), train.length, progressed());
  } finally {
    progress.stop();
  }
  splits.train.triples = train.length;

  for (const split of ["valid", "test"] as const) {
    const files = layout.splits[split];
    const q = readOgbQueries(layout, files);
    writeQueryPairs(dir, split, q.head, q.relation);
    const { queries, width } = convertCandidates(layout, files, join(dir, DatasetFiles.candidates(split)));
    splits[split] = { triples: 0, queries, candidatesPerQuery: width, hasAnswers: files.correct !== null };
    if (files.correct) {
      const correct = readCorrectIndex(files.correct, width);
      writeNpy(join(dir, DatasetFiles.correct(split)), "<i4", [queries], correct);
      // the known (h, r, t) of the split, for filters and the adjacency-free stages
      const tails = new Int32Array(queries);
      for (const chunk of iterateNpyRows(join(dir, DatasetFiles.candidates(split)))) {
        const rows = new Int32Array(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.rowCount * width);
        for (let i = 0; i < chunk.rowCount; i++) tails[chunk.rowStart + i] = rows[i * width + correct[chunk.rowStart + i]!]!;
      }
      await writeTriplesArrow(join(dir, DatasetFiles.triples(split)), { head: q.head, relation: q.relation, tail: tails, length: queries });
      splits[split].triples = queries;
    }
  }

  return finishDataset(dir, options, train, {
    numEntities, numRelations, splits, entityNames: null, relationNames: null,
    entityFeatures: layout.entityFeat ? checkFeatures(layout.entityFeat, numEntities) : null,
    relationFeatures: layout.relationFeat ? checkFeatures(layout.relationFeat, numRelations) : null,
    source: `ogb:${layout.root}`, seed: null, trainHash: hasher.digest(),
  });
}

/** Validates a feature matrix (float type, row count, no NaN/Inf) by streaming it once. */
function checkFeatures(path: string, rows: number): FeatureInfo {
  const header = readNpyHeader(path);
  if (!["<f2", "<f4", "<f8"].includes(header.dtype)) throw new KgcError(path, `features must be float16/32/64, got ${header.dtype}`);
  if (header.shape.length !== 2 || header.rows !== rows) throw new KgcError(path, `shape (${header.shape.join(", ")}) but ${rows} rows expected`);
  const progress = startProgress(`check ${path.split("/").pop()}`, header.rows, "rows");
  let scratch = new Float32Array(0);
  for (const chunk of iterateNpyRows(path)) {
    const n = chunk.rowCount * header.rowWidth;
    if (scratch.length < n) scratch = new Float32Array(n);
    decodeFloat32(chunk.bytes, header.dtype, scratch, 0, path, chunk.rowStart * header.rowWidth);
    progress.update(chunk.rowStart + chunk.rowCount);
  }
  progress.stop();
  return { path: resolve(path), dim: header.rowWidth };
}

async function importNamed(named: NamedSplits, dir: string, options: ImportOptions, source: string): Promise<DatasetManifest> {
  const { numEntities, numRelations } = named;
  info(`${source}: ${numEntities.toLocaleString("en-US")} entities, ${numRelations} relations, ${named.splits.train.length.toLocaleString("en-US")} train triples`);
  const splits: Record<SplitName, SplitInfo> = { train: emptySplit(), valid: emptySplit(), test: emptySplit() };
  for (const split of SPLITS) {
    const triples = named.splits[split];
    await writeTriplesArrow(join(dir, DatasetFiles.triples(split)), triples);
    splits[split].triples = triples.length;
  }
  for (const [split, queries] of Object.entries(named.candidates) as [SplitName, CandidateQueries][]) {
    checkCandidates(queries, numEntities, numRelations, `${split}-candidates`);
    writeQueries(dir, split, queries);
    splits[split] = { ...splits[split], queries: queries.head.length, candidatesPerQuery: queries.width, hasAnswers: queries.correctIndex !== null };
  }
  if (options.candidates > 0) {
    if (Object.keys(named.candidates).length > 0) throw new KgcError("--candidates", "the input already has candidate tables; drop --candidates");
    const known = new KnownTriples(numEntities, numRelations, SPLITS.map((s) => named.splits[s]));
    const rng = new Rng(options.seed);
    for (const split of ["valid", "test"] as const) {
      const queries = buildCandidates(named.splits[split], known, options.candidates, rng, `${options.name} ${split}`);
      checkCandidates(queries, numEntities, numRelations, `${split} candidates`);
      writeQueries(dir, split, queries);
      splits[split] = { ...splits[split], queries: queries.head.length, candidatesPerQuery: queries.width, hasAnswers: true };
    }
  }
  return finishDataset(dir, options, memoryTripleSource(named.splits.train), {
    numEntities, numRelations, splits, entityNames: named.entityNames, relationNames: named.relationNames,
    entityFeatures: null, relationFeatures: null, source, seed: options.candidates > 0 ? options.seed : null,
    trainHash: hashTriples(named.splits.train),
  });
}

interface DatasetParts {
  numEntities: number;
  numRelations: number;
  splits: Record<SplitName, SplitInfo>;
  entityNames: string[] | null;
  relationNames: string[] | null;
  entityFeatures: FeatureInfo | null;
  relationFeatures: FeatureInfo | null;
  source: string;
  seed: number | null;
  trainHash: string;
}

/** The parts every import ends with: adjacency, dictionary and the manifest (written last). */
function finishDataset(dir: string, options: ImportOptions, train: TripleSource, parts: DatasetParts): DatasetManifest {
  const { numEntities, numRelations } = parts;
  buildCsrFiles(train, dir, { numEntities, numRelations, budgetBytes: options.memoryBudget });
  writeDictionary(join(dir, DatasetFiles.dictionary), parts.entityNames, parts.relationNames);
  const manifest: DatasetManifest = {
    format: "kgc-dataset/1",
    name: options.name,
    numEntities,
    numRelations,
    splits: parts.splits,
    entityFeatures: parts.entityFeatures,
    relationFeatures: parts.relationFeatures,
    source: parts.source,
    seed: parts.seed,
    createdAt: new Date().toISOString(),
    trainHash: parts.trainHash,
  };
  writeFileAtomic(join(dir, DatasetFiles.manifest), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** <split>-hr.npy: the (h, r) pairs of the queries. shape: [Q, 2] */
function writeQueryPairs(dir: string, split: SplitName, head: Int32Array, relation: Int32Array): void {
  const n = head.length;
  const hr = new Int32Array(n * 2);
  for (let i = 0; i < n; i++) {
    hr[2 * i] = head[i]!;
    hr[2 * i + 1] = relation[i]!;
  }
  writeNpy(join(dir, DatasetFiles.queries(split)), "<i4", [n, 2], hr);
}

function writeQueries(dir: string, split: SplitName, q: CandidateQueries): void {
  const n = q.head.length;
  writeQueryPairs(dir, split, q.head, q.relation);
  writeNpy(join(dir, DatasetFiles.candidates(split)), "<i4", [n, q.width], q.candidates);
  if (q.correctIndex) writeNpy(join(dir, DatasetFiles.correct(split)), "<i4", [n], q.correctIndex);
}
