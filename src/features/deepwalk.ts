/**
 * The deepwalk stage (DeepWalk, Perozzi et al. 2014; the KDD Cup winner's §2.1): uniform random
 * walks over the undirected entity graph of the training triples (relations ignored), then
 * skip-gram with negative sampling over the walks, both native and threaded (Hogwild). Walks are
 * generated inside the training threads in chunks, never stored: walk w is a pure function of
 * (seed, w), so every epoch replays the same corpus, as word2vec does with a file.
 *
 * Output: <outRoot>/<ds>/deepwalk/, laid out like a trained model so `kgc score` and `kgc eval`
 * read it unchanged: it is a DistMult model whose relation rows are all ones, so
 * score(h, r, c) = sum_k h_k * 1 * c_k = <h, c> (the seed's reading: relation ignored). With
 * --similarity cosine the entity rows are L2-normalised first (score = cos(h, c)).
 * Files: entity.npy [E, dim] (the skip-gram input vectors), relation.npy [R, dim] (ones),
 * config.json (the scorer's view), deepwalk.json (the settings and throughput of this run).
 */
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { nativeCountOccurrences, nativeTrainSgns, type SgnsSettings, type WalkGraph } from "../backends/native/walk-binding.js";
import { withAtomicDir, writeFileAtomic } from "../core/atomic.js";
import { check } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import { openDataset } from "../data/dataset.js";
import { writeNpy } from "../io/npy.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import { recordRun } from "../runs/index.js";
import { withPolledProgress } from "./polled-progress.js";
import { walkGraph } from "./walk-graph.js";
import { ENTITY_TABLE, MODEL_CONFIG, RELATION_TABLE } from "../io/artefacts.js";

export type Similarity = "dot" | "cosine";

/** Settings; the defaults are DeepWalk's (walk length 40, 10 walks per node, d = 128) and word2vec's (window 5, 5 negatives, 5 epochs, lr 0.025 -> 0.0001). */
export interface DeepwalkOptions {
  walkLength: number;
  walksPerNode: number;
  window: number;
  dim: number;
  negatives: number;
  epochs: number;
  lr: number;
  minLr: number;
  threads: number;
  seed: number;
  similarity: Similarity;
}

export const DEEPWALK_DEFAULTS: DeepwalkOptions = {
  walkLength: 40, walksPerNode: 10, window: 5, dim: 128, negatives: 5, epochs: 5, lr: 0.025, minLr: 0.0001,
  threads: availableParallelism(), seed: 0, similarity: "dot",
};

/** Checks every setting, naming the CLI flag at fault. */
export function checkDeepwalkOptions(o: DeepwalkOptions): void {
  const positive: [keyof DeepwalkOptions, string][] = [["walkLength", "--walk-length"], ["walksPerNode", "--walks-per-node"], ["window", "--window"], ["dim", "--dim"], ["epochs", "--epochs"], ["threads", "--threads"]];
  for (const [key, flag] of positive) check(Number.isInteger(o[key]) && (o[key] as number) > 0, flag, `must be a positive integer, got ${String(o[key])}`);
  check(o.threads <= 256, "--threads", "must be at most 256");
  check(Number.isInteger(o.negatives) && o.negatives >= 0, "--negatives", `must be an integer >= 0, got ${o.negatives}`);
  check(Number.isFinite(o.lr) && o.lr > 0, "--lr", `must be a positive number, got ${o.lr}`);
  check(Number.isFinite(o.minLr) && o.minLr >= 0 && o.minLr <= o.lr, "--min-lr", `must be in [0, lr = ${o.lr}], got ${o.minLr}`);
  check(Number.isSafeInteger(o.seed) && o.seed >= 0, "--seed", `must be a non-negative integer, got ${o.seed}`);
  check(o.similarity === "dot" || o.similarity === "cosine", "--similarity", `must be dot or cosine, got ${String(o.similarity)}`);
}

export interface DeepwalkStageInput {
  dataDir: string;
  /** root of model outputs: the stage writes <outRoot>/<ds>/deepwalk/ */
  outRoot: string;
  options: DeepwalkOptions;
  command: readonly string[];
}

export interface DeepwalkResult {
  outDir: string;
  walks: number;
  pairs: number;
  tokens: number;
  seconds: number;
  walksPerSecond: number;
  pairsPerSecond: number;
}

/** Embeddings from walks + skip-gram, in memory. shape: [numNodes, dim] (the input vectors). seconds: counting + training; trainSeconds: training alone */
export async function trainDeepwalk(graph: WalkGraph, o: DeepwalkOptions, onProgress?: (walksDone: number, total: number) => void): Promise<{ embedding: Float32Array; pairs: number; tokens: number; walks: number; seconds: number; trainSeconds: number }> {
  checkDeepwalkOptions(o);
  const settings: SgnsSettings = {
    dim: o.dim, window: o.window, negatives: o.negatives, walkLength: o.walkLength, numWalks: o.walksPerNode * graph.numNodes,
    epochs: o.epochs, lr: o.lr, minLr: o.minLr, threads: o.threads, seed: o.seed,
  };
  const t0 = performance.now();
  const counts = await nativeCountOccurrences(graph, settings);
  // word2vec's init: input rows U(-0.5, 0.5) / dim, output rows zero
  const input = new Float32Array(graph.numNodes * o.dim);
  const rng = new Rng(o.seed);
  for (let i = 0; i < input.length; i++) input[i] = (rng.next() - 0.5) / o.dim;
  const output = new Float32Array(input.length);
  const cell = new Float64Array(1);
  const total = settings.numWalks * o.epochs;
  const t1 = performance.now();
  const r = await withPolledProgress(cell, (done) => onProgress?.(done, total), nativeTrainSgns(graph, settings, input, output, counts, cell));
  const t2 = performance.now();
  return { embedding: input, pairs: r.pairs, tokens: r.tokens, walks: total, seconds: (t2 - t0) / 1000, trainSeconds: (t2 - t1) / 1000 };
}

/** Rows scaled to unit L2 norm (zero rows stay zero), in place. shape: [rows, dim] */
export function normaliseRows(e: Float32Array, dim: number): Float32Array {
  for (let off = 0; off < e.length; off += dim) {
    let n2 = 0;
    for (let k = off; k < off + dim; k++) n2 += e[k]! * e[k]!;
    const inv = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    for (let k = off; k < off + dim; k++) e[k]! *= inv;
  }
  return e;
}

export async function deepwalkStage(input: DeepwalkStageInput): Promise<DeepwalkResult> {
  const o = input.options;
  checkDeepwalkOptions(o);
  const ds = openDataset(input.dataDir);
  try {
    const graph = walkGraph(ds);
    const outDir = join(input.outRoot, ds.name || basename(input.dataDir), "deepwalk");
    return await recordRun({ stage: "deepwalk", dataset: ds.name, model: "deepwalk", config: o, command: input.command }, async (run) => {
      const progress = startProgress("deepwalk", o.walksPerNode * ds.numEntities * o.epochs, "walks");
      let r: Awaited<ReturnType<typeof trainDeepwalk>>;
      try {
        r = await trainDeepwalk(graph, o, (done) => progress.update(done));
      } finally {
        progress.stop();
      }
      if (o.similarity === "cosine") normaliseRows(r.embedding, o.dim);
      const result: DeepwalkResult = {
        outDir, walks: r.walks, pairs: r.pairs, tokens: r.tokens, seconds: r.seconds,
        walksPerSecond: r.walks / r.seconds, pairsPerSecond: r.pairs / r.seconds,
      };
      // the scorer's view: DistMult with all-ones relation rows (steps = walks trained, for the schema's budget field)
      const scorerConfig = { model: "distmult", dim: o.dim, encoder: "shallow", threads: o.threads, seed: o.seed, steps: r.walks, dataset: ds.name, data: input.dataDir, fingerprint: datasetFingerprint(ds) };
      const files = [ENTITY_TABLE, RELATION_TABLE, MODEL_CONFIG, "deepwalk.json"];
      await withAtomicDir(outDir, (tmp) => {
        writeNpy(join(tmp, ENTITY_TABLE), "<f4", [ds.numEntities, o.dim], r.embedding);
        writeNpy(join(tmp, RELATION_TABLE), "<f4", [ds.numRelations, o.dim], new Float32Array(ds.numRelations * o.dim).fill(1));
        writeFileAtomic(join(tmp, MODEL_CONFIG), JSON.stringify(scorerConfig, null, 2) + "\n");
        const { outDir: _o, ...figures } = result;
        writeFileAtomic(join(tmp, "deepwalk.json"), JSON.stringify({ settings: o, ...figures, score: o.similarity === "cosine" ? "cos(h, c)" : "<h, c>" }, null, 2) + "\n");
      });
      run.logMetrics({ walks_per_s: result.walksPerSecond, pairs_per_s: result.pairsPerSecond, seconds: result.seconds });
      for (const f of files) await run.addArtefact(join(outDir, f));
      return result;
    });
  } finally {
    ds.close();
  }
}
