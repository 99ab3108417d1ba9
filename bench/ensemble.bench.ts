/**
 * The ensemble's weight search. One JSON line per measurement on stdout ({what, config, value, unit}).
 *
 * 1. Speed: M inputs × Q queries × K candidates of generated scores with signal (bench/ensemble-
 *    scores.ts; default 20 × 20,000 × 1,001, the target ≤ 60 s): the one-off pruning pass,
 *    then one weight search on all queries per method. Baselines in the same run: the MRR of equal
 *    weights (the seed's blend) and of the best single input, the time of one objective
 *    evaluation on the unpruned arrays (blend Q·K·M values, rank the true candidate), measured on a
 *    slice and scaled to Q, and the plain-TS objective and line search (objective-reference.ts)
 *    beside the native ones the searches use.
 * 2. Accuracy, when trained models with scores-valid.npy exist (`--data DIR --models a,b,...`
 *    folders, comma- or space-separated): `ensemble fit` with 5 head-grouped folds; held-out vs in-sample MRR of the ensemble
 *    and the best single model.
 *
 *   node dist/bench/ensemble.bench.js [--inputs 20] [--queries 20000] [--methods coordinate,nelder-mead,cmaes]
 *                                     [--data data/synth --models models/synth/rotate,models/synth/transe-l2]
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fitStage } from "../src/ensemble/fit.js";
import { allQueries, Blend, lineSearch, mrrAt, mrrsAt } from "../src/ensemble/objective.js";
import { referenceLineSearch, referenceMrr } from "../src/ensemble/objective-reference.js";
import { buildRankProblem, type RowSource } from "../src/ensemble/rank-problem.js";
import { getSearchMethod } from "../src/ensemble/search.js";
import { benchArgs, positive } from "./args.js";
import { GeneratedScores } from "./ensemble-scores.js";

const USAGE = "usage: node dist/bench/ensemble.bench.js [--inputs 20] [--queries 20000] [--methods coordinate,nelder-mead,cmaes] [--data DIR --models DIR,DIR]";
const cli = benchArgs(USAGE, {
  inputs: { type: "string", default: "20" },
  queries: { type: "string", default: "20000" },
  methods: { type: "string", default: "coordinate,nelder-mead,cmaes" },
  data: { type: "string" },
  models: { type: "string" },
});
const M = Math.round(positive(USAGE, "inputs", cli.inputs));
const Q = Math.round(positive(USAGE, "queries", cli.queries));
const K = 1001;

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

/** Times the source's own reads (generation), so the pruning pass can be reported without them. */
class TimedSource implements RowSource {
  seconds = 0;
  constructor(readonly inner: RowSource) {}
  get inputCount(): number {
    return this.inner.inputCount;
  }
  get queries(): number {
    return this.inner.queries;
  }
  get width(): number {
    return this.inner.width;
  }
  read(start: number, count: number, out: Float32Array[]): void {
    const t0 = performance.now();
    this.inner.read(start, count, out);
    this.seconds += (performance.now() - t0) / 1000;
  }
}

/** Baseline: one objective evaluation on unpruned rows (blend, rank the true candidate), seconds per query. */
function unprunedEvaluation(source: RowSource, correct: Int32Array, weights: Float64Array, slice: number): number {
  const rows = Array.from({ length: M }, () => new Float32Array(slice * K));
  source.read(0, slice, rows);
  const blend = new Float64Array(K);
  const t0 = performance.now();
  let sum = 0;
  for (let q = 0; q < slice; q++) {
    blend.fill(0);
    for (let m = 0; m < M; m++) for (let j = 0; j < K; j++) blend[j]! += weights[m]! * rows[m]![q * K + j]!;
    const t = correct[q]!;
    let ahead = 0;
    for (let j = 0; j < K; j++) if (blend[j]! > blend[t]! || (blend[j] === blend[t] && j < t)) ahead++;
    sum += ahead < 10 ? 1 / (ahead + 1) : 0;
  }
  void sum;
  return (performance.now() - t0) / 1000 / slice;
}

const config = { inputs: M, queries: Q, candidates: K };
const generated = new GeneratedScores(M, Q, K, 1);
const equalWeights = new Float64Array(M).fill(1 / M);
emit("objective evaluation, unpruned (baseline; 1,000-query slice scaled to Q)", config, unprunedEvaluation(generated, generated.correctIndex, equalWeights, Math.min(Q, 1000)) * Q, "s");
const timed = new TimedSource(generated);
let t0 = performance.now();
const problem = buildRankProblem(timed, generated.correctIndex);
const pruneSeconds = (performance.now() - t0) / 1000 - timed.seconds;
emit("pruning pass (reading the generated rows excluded)", config, pruneSeconds, "s");
emit("contested candidates kept per query", config, problem.tieAhead.length / Q, "candidates");
const queries = allQueries(problem);
/** Seconds per call of fn, the mean of `repeats` calls. */
function secondsPerCall(repeats: number, fn: () => void): number {
  const start = performance.now();
  for (let i = 0; i < repeats; i++) fn();
  return (performance.now() - start) / 1000 / repeats;
}
const threads = { ...config, threads: availableParallelism() };
emit("objective evaluation, pruned, plain TS (baseline)", config, secondsPerCall(3, () => referenceMrr(problem, equalWeights, queries)), "s");
emit("objective evaluation, pruned, native", threads, secondsPerCall(10, () => mrrAt(problem, equalWeights, queries)), "s");
const generation = Array.from({ length: 12 }, (_, b) => equalWeights.map((w, m) => w * (1 + ((b * 7 + m) % 5))));
emit("objective evaluation, pruned, native, per weight vector in a batch of 12 (a CMA-ES generation)", threads, secondsPerCall(3, () => mrrsAt(problem, generation, queries)) / 12, "s");
const blend = new Blend(problem, equalWeights, queries);
emit("line search along one weight, plain TS (baseline)", config, secondsPerCall(3, () => referenceLineSearch(blend, 0)), "s");
emit("line search along one weight, native", threads, secondsPerCall(10, () => lineSearch(blend, 0)), "s");
const equalMrr = mrrAt(problem, equalWeights, queries);
emit("MRR, equal weights (baseline: the seed's blend)", config, equalMrr, "MRR");
const bestSingle = Math.max(...mrrsAt(problem, Array.from({ length: M }, (_, m) => equalWeights.map((_, k) => (k === m ? 1 : 0))), queries));
emit("MRR, best single input (baseline)", config, bestSingle, "MRR");
const active = Array.from({ length: M }, (_, m) => m);
for (const method of cli.methods.split(",")) {
  const search = getSearchMethod(method);
  t0 = performance.now();
  const weights = search({ problem, queries, active, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  emit("weight search time (one fit on all queries, after pruning)", { ...config, method }, seconds, "s");
  emit("weight search time including the pruning pass", { ...config, method }, seconds + pruneSeconds, "s");
  emit("MRR, fitted weights (in-sample)", { ...config, method }, mrrAt(problem, weights, queries), "MRR");
}

if (cli.data && cli.models) {
  const models = cli.models.split(/[ ,]+/).filter((dir) => existsSync(join(dir, "scores-valid.npy")));
  if (models.length === 0) {
    process.stderr.write(`no scores-valid.npy in ${cli.models}: skipped the accuracy part (train and score models first, e.g. make bench-ensemble)\n`);
  } else {
    for (const method of cli.methods.split(",")) {
      const r = await fitStage({
        dataDir: cli.data, split: "valid", inputs: models, features: "none", normalise: "query-minmax", search: method, folds: 5, relationGroups: 0, seed: 42,
        out: join("ensemble", "bench", method), command: process.argv.slice(1),
      });
      const accuracyConfig = { data: cli.data, models: models.map((m) => m.split("/").pop()), method, folds: 5 };
      const singles = r.ablation.rows.filter((row) => row.inputs.length === 1);
      const best = singles.reduce((a, b) => (b.heldOutMrr > a.heldOutMrr ? b : a));
      emit("held-out MRR, best single model (baseline)", { ...accuracyConfig, model: best.label }, best.heldOutMrr, "MRR");
      emit("held-out MRR, ensemble of models (5-fold, head-grouped)", accuracyConfig, r.weights.heldOutMrr, "MRR");
      emit("in-sample MRR, ensemble of models", accuracyConfig, r.weights.inSampleMrr, "MRR");
      emit("ensemble fit time (5 folds + final fit + ablation)", accuracyConfig, r.seconds, "s");
    }
  }
}
