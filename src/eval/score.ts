/**
 * The score stage: a trained model scores every candidate of a split's queries ->
 * <model-dir>/scores-<split>.npy, float32 [Q, K] (higher = more likely). Chunks of queries are
 * scored natively on C++ threads (whichever backend trained the model: the tables are the same) and streamed to an NpyWriter (tmp + rename on success), so the
 * Q x K matrix (1.36M x 1,001 on WikiKG90M) never sits in memory. One writer per output file: the
 * stage holds the lock on it (output-lock.ts).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { nativeBackend } from "../backends/index.js";
import { prepareFileOutput } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { withOutputLock } from "../core/output-lock.js";
import { startProgress } from "../core/progress.js";
import { formatShard, shardPath, shardRange, sliceQueries, type Shard } from "../core/shard.js";
import type { CandidateQuerySource } from "../core/types.js";
import { openDataset, type Dataset } from "../data/dataset.js";
import { splitProvenance } from "./score-provenance.js";
import { filesDigest, writeOutputProvenance } from "./shard-provenance.js";
import type { SplitName } from "../io/manifest.js";
import { NpyWriter } from "../io/npy.js";
import { recordRun } from "../runs/index.js";
import { scoreCandidateQueries } from "./candidate-scoring.js";
import { MAP_ABOVE_BYTES } from "../train/mapped-table.js";
import { loadTrainedModel, readModelConfig, type TrainedModel } from "../train/trained-model.js";
import { scoresFile } from "../io/artefacts.js";

export interface ScoreStageInput {
  modelDir: string;
  dataDir: string;
  split: SplitName;
  threads?: number | undefined;
  /** queries per native call and per write (default SCORE_CHUNK) */
  chunk?: number | undefined;
  /** output path (default <model-dir>/scores-<split>.npy) */
  out?: string | undefined;
  /** replace an existing file at `out` (a path outside the model folder may be a user's file) */
  force?: boolean;
  /** score only this shard's queries -> <out>.shard-i-of-n.npy (kgc merge joins them) */
  shard?: Shard | undefined;
  /** entity.npy above this many bytes is memory-mapped, not read (default MAP_ABOVE_BYTES) */
  mapAboveBytes?: number | undefined;
  command: readonly string[];
}

/**
 * Queries per native call: each call allocates its working buffers afresh, so larger chunks page-fault
 * less (20,000 x 1,001 synthetic queries, TransE-L2: 12.6 CPU-s instead of 14.9 at 4,096); two chunks of
 * scores sit in memory (16,384 x 1,001 float32 = 66 MB each).
 */
export const SCORE_CHUNK = 16_384;

export interface ScoreStageResult {
  outPath: string;
  queries: number;
  width: number;
  seconds: number;
  scoresPerSecond: number;
}

export async function scoreStage(input: ScoreStageInput): Promise<ScoreStageResult> {
  const saved = readModelConfig(input.modelDir); // a missing or corrupt model directory is named before what the split lacks
  const ds = openDataset(input.dataDir);
  try {
    const queries = ds.queryRows(input.split);
    if (!queries) throw new KgcError(`${input.dataDir} (${input.split})`, "the split has no candidate queries to score");
    try {
      const model = loadTrainedModel(input.modelDir, ds, saved, input.mapAboveBytes ?? MAP_ABOVE_BYTES); // a large entity.npy is memory-mapped: it may exceed the RAM
      const threads = input.threads ?? model.config.threads ?? availableParallelism();
      const unsharded = input.out ?? join(input.modelDir, scoresFile(input.split));
      const outPath = input.shard ? shardPath(unsharded, input.shard) : unsharded;
      prepareFileOutput(outPath);
      if (input.out !== undefined && !input.force && existsSync(outPath)) throw new KgcError(outPath, "exists; pass --force to replace it");
      return await withOutputLock(outPath, "score", () => scoreInto(input, ds, model, queries, threads, outPath));
    } finally {
      queries.close();
    }
  } finally {
    ds.close();
  }
}

async function scoreInto(input: ScoreStageInput, ds: Dataset, model: TrainedModel, all: CandidateQuerySource, threads: number, outPath: string): Promise<ScoreStageResult> {
  const range = input.shard ? shardRange(input.shard, all.head.length) : null;
  const queries = range ? sliceQueries(all, range) : all;
  const Q = queries.head.length;
  const K = queries.width;
  const config = { split: input.split, modelDir: input.modelDir, ...(input.shard ? { shard: formatShard(input.shard) } : {}) };
  return recordRun({ stage: "score", dataset: ds.name, model: model.config.model, config, command: input.command }, async (run) => {
    const writer = new NpyWriter(outPath, "<f4", [Q, K]);
    const progress = startProgress(`score ${input.split}`, Q, "queries");
    const t0 = performance.now();
    try {
      await scoreCandidateQueries(nativeBackend(), model.tables, queries, threads, input.chunk ?? SCORE_CHUNK, ({ start, count, scores }) => {
        writer.write(scores);
        progress.update(start + count);
      });
      writer.close();
      // lets the ensemble check query order; a shard's also lets merge check that every shard scored this model
      const modelFiles = ["config.json", "relation.npy", "entity.npy"].map((f) => join(input.modelDir, f));
      writeOutputProvenance(outPath, splitProvenance(ds, input.split), range && input.shard ? { ...input.shard, ...range, settings: { model: filesDigest(modelFiles) } } : null);
      progress.stop();
      const seconds = (performance.now() - t0) / 1000;
      const result = { outPath, queries: Q, width: K, seconds, scoresPerSecond: (Q * K) / seconds };
      run.logMetrics({ scores_per_s: result.scoresPerSecond, seconds });
      await run.addArtefact(outPath);
      return result;
    } catch (err) {
      progress.stop();
      writer.abort();
      throw err;
    }
  });
}
