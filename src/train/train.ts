/**
 * The train stage: data/<ds> + a config -> <out>/<ds>/<model>/ with entity.npy, relation.npy
 * (learned rows; plus encoder weights for concat), config.json, metrics.jsonl and checkpoint/.
 * It holds the lock on the model folder for the whole run, keeps the previous good model until
 * the new one is complete (model-folder.ts), and is recorded in the run registry.
 */
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { basename, join } from "node:path";
import type { NativeSpec, NativeTrainConfig } from "../backends/native/binding.js";
import { KgcError } from "../core/errors.js";
import { withOutputLock } from "../core/output-lock.js";
import { checkArtefactName } from "../core/safe-names.js";
import { info } from "../core/log.js";
import type { Triples } from "../core/types.js";
import { openDataset, type Dataset } from "../data/dataset.js";
import { loadFeatures } from "./frozen-features.js";
import { writeNpy } from "../io/npy.js";
import { openRegistry } from "../runs/index.js";
import { loadCheckpoint, newCounters, readCheckpointMeta, saveCheckpoint } from "./checkpoint.js";
import type { TrainConfig } from "../models/config.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import { appendRunningMetrics, commitModel, checkModelFolder, markModelFolder, startRunningMetrics, writeRunningConfig } from "./model-folder.js";
import { getInteraction } from "../models/registry.js";
import { createSpec } from "./tables.js";
import { runTrainingLoop, type LrSchedule, type TrainLogRecord } from "./trainer.js";
import { sampledCandidateRanking, sampledRanking } from "../eval/validate.js";

export interface TrainStageInput {
  dataDir: string;
  /** root of model outputs; the run writes <outRoot>/<dataset>/<model>/ */
  outRoot: string;
  config: TrainConfig;
  resume: boolean;
  /** argv, for the registry */
  command: readonly string[];
  /** train over an existing model in the output folder (kept until the new one is complete) */
  force?: boolean;
}

export interface TrainStageResult {
  outDir: string;
  step: number;
  loss: number;
  posPerSecond: number;
}

export function nativeTrainConfig(c: TrainConfig): NativeTrainConfig {
  return {
    batch: c.batch, negatives: c.negatives, negChunk: c.negChunk, dataNegatives: c.dataNegatives, lossKind: c.loss === "margin" ? 1 : 0, advTemp: c.advTemp, margin: c.margin,
    reg: c.reg, rowOptimizer: c.optimizer === "adam" ? 1 : 0, lr: c.lr, denseLr: c.denseLr, beta1: 0.9, beta2: 0.999, adamEps: 1e-8,
  };
}

function lrSchedule(c: TrainConfig): LrSchedule | null {
  if (c.lrDecay === 1) return null;
  return c.lrDecayAt === undefined ? { kind: "every", factor: c.lrDecay, interval: c.lrDecayInterval } : { kind: "once", factor: c.lrDecay, at: c.lrDecayAt };
}

/** RotatE's sub-sampling weights: 1 / sqrt(#(h, r) + #(t, r^-1)), counts starting at 4. shape: [n] */
export function subsamplingWeights(t: Triples, numRelations: number): Float32Array {
  const hr = new Map<number, number>(), tr = new Map<number, number>();
  for (let i = 0; i < t.length; i++) {
    const a = t.head[i]! * numRelations + t.relation[i]!, b = t.tail[i]! * numRelations + t.relation[i]!;
    hr.set(a, (hr.get(a) ?? 4) + 1);
    tr.set(b, (tr.get(b) ?? 4) + 1);
  }
  const w = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) w[i] = 1 / Math.sqrt(hr.get(t.head[i]! * numRelations + t.relation[i]!)! + tr.get(t.tail[i]! * numRelations + t.relation[i]!)!);
  return w;
}

export async function trainStage(input: TrainStageInput): Promise<TrainStageResult> {
  const m = getInteraction(input.config.model);
  const ds = openDataset(input.dataDir);
  try {
    const dsName = checkArtefactName(ds.name || basename(ds.dir), join(ds.dir, "manifest.json"));
    const outDir = join(input.outRoot, dsName, m.name);
    return await withOutputLock(outDir, "train", () => trainLocked(input, ds, outDir));
  } finally {
    ds.close();
  }
}

async function trainLocked(input: TrainStageInput, ds: Dataset, outDir: string): Promise<TrainStageResult> {
  const c = input.config;
  const m = getInteraction(c.model);
  const concat = c.encoder === "concat";
  if (concat && (!ds.manifest.entityFeatures || !ds.manifest.relationFeatures)) {
    const missing = !ds.manifest.entityFeatures ? "entity" : "relation";
    throw new KgcError(input.dataDir, `encoder 'concat' needs ${missing} features but the dataset has none (use --encoder shallow)`);
  }
  if (input.resume && !existsSync(join(outDir, "checkpoint", "meta.json"))) throw new KgcError(join(outDir, "checkpoint"), "--resume: no checkpoint here");
  if (input.resume && c.steps !== undefined) {
    const at = readCheckpointMeta(outDir).step;
    if (at >= c.steps) throw new KgcError("--steps", `the checkpoint in ${outDir} is already at step ${at}, so a budget of ${c.steps} steps is reached; give --steps above ${at} to train on`);
  }
  checkModelFolder(outDir, input.resume, input.force ?? false);
  checkTableMemory(c.dim, ds.numEntities, ds.numRelations, c.optimizer);
  const train = await ds.triples("train");
  if (train.length === 0) throw new KgcError(input.dataDir, "the train split is empty");
  const valid = await ds.triples("valid");
  const validQueries = ds.manifest.splits.valid.hasAnswers ? ds.queries("valid") : null;
  const spec: NativeSpec = createSpec({
    interaction: m, dim: c.dim, block: c.block, gamma: c.gamma, encoder: c.encoder,
    numEntities: ds.numEntities, numRelations: ds.numRelations,
    entityFeatures: concat ? loadFeatures(ds.manifest.entityFeatures!.path, ds.numEntities) : null,
    relationFeatures: concat ? loadFeatures(ds.manifest.relationFeatures!.path, ds.numRelations) : null, seed: c.seed,
  }, nativeTrainConfig(c));
  spec.data = { length: train.length, head: train.head, relation: train.relation, tail: train.tail, perm: Int32Array.from({ length: train.length }, (_, i) => i) };
  if (c.subsampling) spec.data.posWeight = subsamplingWeights(train, ds.numRelations);
  if (c.filterNegatives) spec.known = { out: ds.adjacency("out"), in: ds.adjacency("in") };

  let counters = newCounters(c.threads, c.seed);
  let resumeStep: number | null = null;
  if (input.resume) {
    const restored = loadCheckpoint(outDir, spec, c.threads);
    counters = restored.counters;
    resumeStep = restored.meta.step;
    if (restored.meta.threads !== c.threads) info(`resume: checkpoint used ${restored.meta.threads} threads, now ${c.threads}; the continuation is not bit-identical`);
    info(`resuming ${m.name} from step ${resumeStep}`);
  }
  markModelFolder(outDir);
  // the run in progress writes beside the last good config and metrics (model-folder.ts)
  writeRunningConfig(outDir, { ...c, dataset: ds.name, data: input.dataDir, fingerprint: datasetFingerprint(ds) });
  startRunningMetrics(outDir, resumeStep);

  const registry = openRegistry();
  const run = registry.startRun({ stage: "train", dataset: ds.name, model: m.name, config: c, command: input.command });
  try {
    const result = await runTrainingLoop({
      spec, counters, threads: c.threads, label: `train ${m.name}`,
      stopStep: c.steps ?? null, budgetMs: c.minutes !== undefined ? c.minutes * 60000 : null,
      lrSchedule: lrSchedule(c),
      checkpointEvery: c.checkpointEvery, checkpointMs: c.checkpointMinutes * 60000,
      validEvery: valid.length > 0 || validQueries ? c.validEvery : 0, logEvery: c.logEvery,
      onLog(r: TrainLogRecord) {
        appendRunningMetrics(outDir, { step: r.step, loss: r.loss, pos_per_s: r.posPerSecond, seconds: r.seconds });
        run.logMetrics({ loss: r.loss, pos_per_s: r.posPerSecond }, r.step);
      },
      onValidate(step: number) {
        const v = validQueries ? sampledCandidateRanking(spec, validQueries, c.validSample, c.seed + step) : sampledRanking(spec, valid, c.validSample, c.seed + step);
        const kind = validQueries ? "candidates" : "raw";
        const record = { [`valid_mrr_${kind}_sampled`]: v.mrr, [`valid_hits10_${kind}_sampled`]: v.hits10 };
        appendRunningMetrics(outDir, { step, ...record });
        run.logMetrics(record, step);
        return { mrr: v.mrr };
      },
      async onCheckpoint() {
        await saveCheckpoint(outDir, spec, counters, c.threads);
      },
    });
    await saveCheckpoint(outDir, spec, counters, c.threads);
    const files = commitModel(outDir, (at) => writeOutputs(outDir, spec, at));
    for (const f of files) await run.addArtefact(f);
    run.finish();
    return { outDir, step: result.step, loss: result.lastLoss, posPerSecond: result.posPerSecond };
  } catch (err) {
    run.fail(err);
    throw err;
  } finally {
    registry.close();
  }
}

/**
 * Refuses a table that cannot be allocated, naming what it would need (a typed array holds at
 * most 2^32 - 1 elements here; rows, optimizer state and the Adam moments come on top).
 */
function checkTableMemory(dim: number, numEntities: number, numRelations: number, optimizer: "adagrad" | "adam"): void {
  const values = dim * Math.max(numEntities, numRelations);
  const copies = optimizer === "adam" ? 3 : 1;
  const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  const needed = 4 * dim * (numEntities + numRelations) * copies;
  if (values > 2 ** 32 - 1) throw new KgcError("--dim", `${dim} × ${Math.max(numEntities, numRelations).toLocaleString("en-US")} rows is ${values.toExponential(2)} floats in one table, above the 2^32 - 1 a table can hold (it would need ${gib(needed)}); lower --dim`);
  if (needed > totalmem()) throw new KgcError("--dim", `${dim} needs ${gib(needed)} for the tables, more than this machine's ${gib(totalmem())} of memory; lower --dim`);
}

/**
 * entity.npy / relation.npy = learned rows [rows, raw]; concat adds <side>-W.npy and <side>-b.npy.
 * Each is written to `at(final)` (a temporary name that commitModel renames); returns the finals.
 */
function writeOutputs(outDir: string, spec: NativeSpec, at: (finalPath: string) => string): string[] {
  const files: string[] = [];
  for (const [name, e] of [["entity", spec.entity], ["relation", spec.relation]] as const) {
    const path = join(outDir, `${name}.npy`);
    writeNpy(at(path), "<f4", [e.numRows, e.raw], e.rows);
    files.push(path);
    if (e.W) {
      const featDim = e.featDim!;
      writeNpy(at(join(outDir, `${name}-W.npy`)), "<f4", [e.b!.length, featDim + e.raw], e.W);
      writeNpy(at(join(outDir, `${name}-b.npy`)), "<f4", [e.b!.length], e.b!);
      files.push(join(outDir, `${name}-W.npy`), join(outDir, `${name}-b.npy`));
    }
  }
  return files;
}
