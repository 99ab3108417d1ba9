/**
 * The typed door to the addon's graph-walk kernels (src/native/walk/): random walks, skip-gram
 * with negative sampling, relation-aware smoothing and the concat encoder applied to every row.
 * Lengths, ranges and the CSR are checked here (with binding.ts's checks) before the call;
 * problems throw KgcError. C++ signatures are given above each declaration.
 */
import type { Csr } from "../../data/csr.js";
import { checkLen, need } from "../checks.js";
import type { FeatureMatrix } from "../../models/model-tables.js";
import { checkAdjacency, checkFeatures, checkModel, loadAddon, nativeModelWidths } from "./binding.js";

/** The undirected entity graph of the training triples: both CSR directions of src/data/csr.ts. */
export interface WalkGraph {
  numNodes: number;
  numRelations: number;
  out: Csr;
  in: Csr;
}

export interface SgnsSettings {
  dim: number;
  window: number;
  negatives: number;
  walkLength: number;
  /** walks per epoch: walksPerNode x numNodes (walk w starts at entity w % numNodes) */
  numWalks: number;
  epochs: number;
  lr: number;
  minLr: number;
  threads: number;
  /** integer in [0, 2^53) */
  seed: number;
}

export interface SmoothSettings {
  model: string;
  dim: number;
  block: number;
  gamma: number;
  phaseScale: number;
  alpha: number;
  hops: number;
  threads: number;
}

/** Concat encoder tables of one side (src/native/common/encoder.h). */
export interface ConcatEncoder {
  numRows: number;
  raw: number;
  out: number;
  featDim: number;
  /** shape: [numRows, raw] */
  rows: Float32Array;
  /** shape: [numRows, featDim]; float16 bits or float32, in memory or mapped */
  feat: FeatureMatrix;
  /** shape: [out, featDim + raw] */
  W: Float32Array;
  /** shape: [out] */
  b: Float32Array;
}

interface WalkAddon {
  // void walkCorpus(graph, seed, walkLength, first, count, out)
  walkCorpus(graph: WalkGraph, seed: number, walkLength: number, first: number, count: number, out: Int32Array): void;
  // Promise<void> countOccurrences(graph, config, counts)
  countOccurrences(graph: WalkGraph, config: SgnsSettings, counts: Float64Array): Promise<void>;
  // Promise<{pairs, tokens}> trainSgns(graph, config, input, output, counts, progress)
  trainSgns(graph: WalkGraph, config: SgnsSettings, input: Float32Array, output: Float32Array, counts: Float64Array, progress: Float64Array): Promise<{ pairs: number; tokens: number }>;
  // void sgnsStep(input, output, dim, context, centre, negatives, lr)
  sgnsStep(input: Float32Array, output: Float32Array, dim: number, context: number, centre: number, negatives: Int32Array, lr: number): void;
  // Promise<void> smooth(job, entity, relation, graph, progress)
  smooth(job: SmoothSettings & { numEntities: number; numRelations: number }, entity: Float32Array, relation: Float32Array, graph: WalkGraph, progress: Float64Array): Promise<void>;
  // void encodeRows(encoder, X, threads)
  encodeRows(encoder: ConcatEncoder, X: Float32Array, threads: number): void;
}

const addon = (): WalkAddon => loadAddon() as WalkAddon;
const validatedGraphs = new WeakSet<WalkGraph>();

function checkGraph(g: WalkGraph): void {
  if (validatedGraphs.has(g)) return;
  need(Number.isInteger(g.numNodes) && g.numNodes > 0 && g.numNodes < 2 ** 31, "graph.numNodes", "must be a positive int32");
  for (const side of ["out", "in"] as const) checkAdjacency(g[side], g.numNodes, g.numRelations, `csr-${side}`);
  validatedGraphs.add(g);
}

function checkThreads(threads: number): void {
  need(Number.isInteger(threads) && threads >= 1 && threads <= 256, "threads", "must be an integer in [1, 256]");
}

function checkSgns(g: WalkGraph, c: SgnsSettings): void {
  checkGraph(g);
  checkThreads(c.threads);
  for (const k of ["dim", "window", "walkLength", "epochs"] as const) need(Number.isInteger(c[k]) && c[k] > 0, k, "must be a positive integer");
  need(Number.isInteger(c.negatives) && c.negatives >= 0, "negatives", "must be an integer >= 0");
  need(Number.isInteger(c.numWalks) && c.numWalks >= 0, "numWalks", "must be an integer >= 0");
  need(c.lr > 0 && c.minLr >= 0 && c.minLr <= c.lr, "lr", "needs 0 <= minLr <= lr and lr > 0");
  need(Number.isSafeInteger(c.seed) && c.seed >= 0, "seed", "must be a non-negative integer");
}

/** Walks first .. first + count - 1 of the corpus, padded with -1 after a dead end. shape: [count, walkLength] */
export function nativeWalks(g: WalkGraph, seed: number, walkLength: number, first: number, count: number): Int32Array {
  checkGraph(g);
  need(Number.isInteger(walkLength) && walkLength > 0, "walkLength", "must be a positive integer");
  need(Number.isSafeInteger(seed) && seed >= 0, "seed", "must be a non-negative integer");
  need(Number.isInteger(first) && first >= 0 && Number.isInteger(count) && count >= 0, "walks", "first and count must be integers >= 0");
  const out = new Int32Array(count * walkLength);
  addon().walkCorpus(g, seed, walkLength, first, count, out);
  return out;
}

/** How often each entity occurs in one epoch of the corpus. shape: [numNodes] */
export async function nativeCountOccurrences(g: WalkGraph, c: SgnsSettings): Promise<Float64Array> {
  checkSgns(g, c);
  const counts = new Float64Array(g.numNodes);
  await addon().countOccurrences(g, c, counts);
  return counts;
}

/**
 * Trains the input and output tables in place, off the main thread; `progress[0]` holds the
 * walks done so far while it runs. shape: input, output [numNodes, dim]; counts [numNodes]
 */
export async function nativeTrainSgns(
  g: WalkGraph, c: SgnsSettings, input: Float32Array, output: Float32Array, counts: Float64Array, progress: Float64Array,
): Promise<{ pairs: number; tokens: number }> {
  checkSgns(g, c);
  checkLen(input, g.numNodes * c.dim, "input");
  checkLen(output, g.numNodes * c.dim, "output");
  checkLen(counts, g.numNodes, "counts");
  checkLen(progress, 1, "progress");
  return addon().trainSgns(g, c, input, output, counts, progress);
}

/** One word2vec update of the pair (context, centre) with the given negatives. shape: input, output [rows, dim] */
export function nativeSgnsStep(input: Float32Array, output: Float32Array, dim: number, context: number, centre: number, negatives: Int32Array, lr: number): void {
  need(Number.isInteger(dim) && dim > 0 && input.length % dim === 0 && output.length === input.length, "dim", "tables must be [rows, dim] of equal size");
  const rows = input.length / dim;
  for (const [what, id] of [["context", context], ["centre", centre], ...Array.from(negatives, (n, i) => [`negatives[${i}]`, n] as const)] as const) {
    need(Number.isInteger(id) && id >= 0 && id < rows, what, `id ${id} is outside [0, ${rows})`);
  }
  addon().sgnsStep(input, output, dim, context, centre, negatives, lr);
}

/**
 * Smooths `entity` in place over the graph (src/native/walk/smoothing.h), off the main thread;
 * `progress[0]` counts (hop, entity) updates. shape: entity [numNodes, dim]; relation [numRelations, relationWidth]
 */
export async function nativeSmooth(g: WalkGraph, s: SmoothSettings, entity: Float32Array, relation: Float32Array, progress: Float64Array): Promise<void> {
  checkModel(s.model);
  checkGraph(g);
  checkThreads(s.threads);
  need(s.alpha > 0 && s.alpha <= 1, "alpha", `must be in (0, 1], got ${s.alpha}`);
  need(Number.isInteger(s.hops) && s.hops >= 0, "hops", `must be an integer >= 0, got ${s.hops}`);
  const widths = nativeModelWidths(s.model, s.dim, s.block);
  checkLen(entity, g.numNodes * s.dim, "entity");
  checkLen(relation, g.numRelations * widths.relation, "relation");
  checkLen(progress, 1, "progress");
  await addon().smooth({ ...s, numEntities: g.numNodes, numRelations: g.numRelations }, entity, relation, g, progress);
}

/** Every row through the concat encoder, x = W [f ; u] + b, on `threads` threads. shape: [numRows, out] */
export function nativeEncodeRows(e: ConcatEncoder, threads: number): Float32Array {
  checkThreads(threads);
  need(Number.isInteger(e.numRows) && e.numRows > 0 && e.raw > 0 && e.out > 0 && e.featDim > 0, "encoder", "needs positive numRows, raw, out and featDim");
  checkLen(e.rows, e.numRows * e.raw, "encoder.rows");
  checkFeatures(e.feat, e.numRows * e.featDim, "encoder.feat");
  checkLen(e.W, e.out * (e.featDim + e.raw), "encoder.W");
  checkLen(e.b, e.out, "encoder.b");
  const X = new Float32Array(e.numRows * e.out);
  addon().encodeRows(e, X, threads);
  return X;
}
