/**
 * The train stage: data/<ds> + a config -> <out>/<ds>/<model>/ with entity.npy, relation.npy
 * (learned rows; plus encoder weights for concat), config.json, metrics.jsonl and checkpoint/.
 * It holds the lock on the model folder for the whole run, keeps the previous good model until
 * the new one is complete (model-folder.ts), and is recorded in the run registry.
 */
import { existsSync } from "node:fs";
import { totalmem } from "node:os";
import { basename, join } from "node:path";
import { pickBackend, type Backend, type TrainJob } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { withOutputLock } from "../core/output-lock.js";
import { checkArtefactName } from "../core/safe-names.js";
import { info } from "../core/log.js";
import { openDataset, type Dataset } from "../data/dataset.js";
import { writeNpy } from "../io/npy.js";
import { checkOneToNMemory, type TrainConfig } from "../models/config.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import type { ModelTables } from "../models/model-tables.js";
import { getInteraction } from "../models/registry.js";
import { recordRun } from "../runs/index.js";
import { loadCheckpoint, newCounters, readCheckpointMeta, saveCheckpoint } from "./checkpoint.js";
import { loadFeatures } from "./frozen-features.js";
import { appendRunningMetrics, commitModel, checkModelFolder, logTrainingRecord, markModelFolder, startRunningMetrics, writeRunningConfig } from "./model-folder.js";
import { sampledCandidateRanking, sampledRanking } from "./sampled-validation.js";
import { lrSchedule } from "./schedule.js";
import { distinctQueries, withReciprocals } from "./reciprocal.js";
import { subsamplingWeights } from "./subsampling.js";
import { createTables } from "./tables.js";
import { isOutOfCore, trainOutOfCoreLocked } from "./train-out-of-core.js";
import { runTrainingLoop, type TrainLogRecord } from "./trainer.js";
import { CHECKPOINT_DIR, ENTITY_TABLE, RELATION_TABLE, encoderBiasFile, encoderWeightFile } from "../io/artefacts.js";

export interface TrainStageInput {
  dataDir: string;
  /** root of model outputs; the run writes <outRoot>/<dataset>/<model>/ */
  outRoot: string;
  config: TrainConfig;
  /** the compute backend's name (src/backends/pick-backend.ts): native | tfjs */
  backend: string;
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

export async function trainStage(input: TrainStageInput): Promise<TrainStageResult> {
  const m = getInteraction(input.config.model);
  const backend = await pickBackend(input.backend);
  try {
    const unsupported = backend.unsupported(input.config);
    if (unsupported.length > 0) throw new KgcError("--backend", `${backend.name} cannot train this config: ${unsupported.join("; ")}`);
    const ds = openDataset(input.dataDir);
    try {
      const dsName = checkArtefactName(ds.name || basename(ds.dir), join(ds.dir, "manifest.json"));
      const outDir = join(input.outRoot, dsName, m.name);
      return await withOutputLock(outDir, "train", () => trainLocked(input, backend, ds, outDir));
    } finally {
      ds.close();
    }
  } finally {
    backend.dispose();
  }
}

async function trainLocked(input: TrainStageInput, backend: Backend, ds: Dataset, outDir: string): Promise<TrainStageResult> {
  const c = input.config;
  const m = getInteraction(c.model);
  const concat = c.encoder === "concat";
  if (concat && (!ds.manifest.entityFeatures || !ds.manifest.relationFeatures)) {
    const missing = !ds.manifest.entityFeatures ? "entity" : "relation";
    throw new KgcError(input.dataDir, `encoder 'concat' needs ${missing} features but the dataset has none (use --encoder shallow)`);
  }
  checkOneToNMemory(c, ds.numEntities);
  if (isOutOfCore(c)) return trainOutOfCoreLocked(input, backend, ds, outDir);
  if (input.resume && !existsSync(join(outDir, CHECKPOINT_DIR, "meta.json"))) throw new KgcError(join(outDir, CHECKPOINT_DIR), "--resume: no checkpoint here");
  if (input.resume && c.steps !== undefined) {
    const at = readCheckpointMeta(outDir).step;
    if (at >= c.steps) throw new KgcError("--steps", `the checkpoint in ${outDir} is already at step ${at}, so a budget of ${c.steps} steps is reached; give --steps above ${at} to train on`);
  }
  checkModelFolder(outDir, input.resume, input.force ?? false);
  const numRelations = c.reciprocal ? 2 * ds.numRelations : ds.numRelations;
  checkTableMemory(c.dim, ds.numEntities, numRelations, c.optimizer);
  const train = await ds.triples("train");
  if (train.length === 0) throw new KgcError(input.dataDir, "the train split is empty");
  const valid = await ds.triples("valid");
  const validQueries = ds.manifest.splits.valid.hasAnswers ? ds.queries("valid") : null;
  const tables: ModelTables = createTables({
    interaction: m, dim: c.dim, block: c.block, gamma: c.gamma, encoder: c.encoder,
    numEntities: ds.numEntities, numRelations,
    // the tfjs backend needs the features as typed arrays; the native one maps large files
    entityFeatures: concat ? loadFeatures(ds.manifest.entityFeatures!.path, ds.numEntities, backend.name !== "native") : null,
    relationFeatures: concat ? loadFeatures(ds.manifest.relationFeatures!.path, ds.numRelations, backend.name !== "native") : null, seed: c.seed,
    adagradInit: c.adagradInit,
  }, c.optimizer);
  if (c.reciprocal) tables.reciprocal = true;
  // reciprocal: the triples and their inverses; KvsAll: their distinct (h, r) queries
  const both = c.reciprocal ? withReciprocals(train, ds.numRelations) : train;
  const examples = c.training === "KvsAll" ? distinctQueries(both, numRelations) : both;
  const job: TrainJob = {
    tables, config: c, counters: newCounters(c.threads, c.seed),
    data: { length: examples.length, head: examples.head, relation: examples.relation, tail: examples.tail, perm: Int32Array.from({ length: examples.length }, (_, i) => i) },
    known: c.filterNegatives || c.training === "KvsAll" ? { out: ds.adjacency("out"), in: ds.adjacency("in") } : null,
  };
  if (c.subsampling) job.data.posWeight = subsamplingWeights(examples, numRelations);

  let resumeStep: number | null = null;
  if (input.resume) {
    const meta = loadCheckpoint(outDir, job);
    resumeStep = meta.step;
    if (meta.threads !== c.threads) info(`resume: checkpoint used ${meta.threads} threads, now ${c.threads}; the continuation is not bit-identical`);
    info(`resuming ${m.name} from step ${resumeStep}`);
  }
  info(`backend ${backend.name}: ${backend.device}`);
  markModelFolder(outDir);
  // the run in progress writes beside the last good config and metrics (model-folder.ts)
  writeRunningConfig(outDir, { ...c, backend: backend.name, device: backend.device, dataset: ds.name, data: input.dataDir, fingerprint: datasetFingerprint(ds) });
  startRunningMetrics(outDir, resumeStep);

  return recordRun({ stage: "train", dataset: ds.name, model: m.name, config: { ...c, backend: backend.name, device: backend.device }, command: input.command }, async (run) => {
    const result = await runTrainingLoop({
      backend, job, label: `train ${m.name}`,
      stopStep: c.steps ?? null, budgetMs: c.minutes !== undefined ? c.minutes * 60000 : null,
      lrSchedule: lrSchedule(c),
      checkpointEvery: c.checkpointEvery, checkpointMs: c.checkpointMinutes * 60000,
      validEvery: valid.length > 0 || validQueries ? c.validEvery : 0, logEvery: c.logEvery,
      onLog: (r: TrainLogRecord) => logTrainingRecord(outDir, run, r),
      async onValidate(step: number) {
        const v = validQueries
          ? await sampledCandidateRanking(backend, tables, validQueries, c.validSample, c.seed + step, c.threads)
          : await sampledRanking(backend, tables, valid, c.validSample, c.seed + step, c.threads);
        const kind = validQueries ? "candidates" : "raw";
        const record = { [`valid_mrr_${kind}_sampled`]: v.mrr, [`valid_hits10_${kind}_sampled`]: v.hits10 };
        appendRunningMetrics(outDir, { step, ...record });
        run.logMetrics(record, step);
        return { mrr: v.mrr };
      },
      async onCheckpoint() {
        await saveCheckpoint(outDir, job);
      },
    });
    await saveCheckpoint(outDir, job);
    const files = commitModel(outDir, (at) => writeOutputs(outDir, tables, at));
    for (const f of files) await run.addArtefact(f);
    return { outDir, step: result.step, loss: result.lastLoss, posPerSecond: result.posPerSecond };
  });
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
function writeOutputs(outDir: string, tables: ModelTables, at: (finalPath: string) => string): string[] {
  const files: string[] = [];
  for (const [name, file, e] of [["entity", ENTITY_TABLE, tables.entity], ["relation", RELATION_TABLE, tables.relation]] as const) {
    const path = join(outDir, file);
    writeNpy(at(path), "<f4", [e.numRows, e.raw], e.rows);
    files.push(path);
    if (e.W) {
      const featDim = e.featDim!;
      const w = join(outDir, encoderWeightFile(name)), b = join(outDir, encoderBiasFile(name));
      writeNpy(at(w), "<f4", [e.b!.length, featDim + e.raw], e.W);
      writeNpy(at(b), "<f4", [e.b!.length], e.b!);
      files.push(w, b);
    }
  }
  return files;
}
