/**
 * The train stage's out-of-core path (config memoryGb, or partitions + buffer): plans P and C,
 * trains the partitioned tables (partitioned.ts) and writes the same model folder an in-memory
 * run writes (entity.npy streamed partition by partition, relation.npy, config.json with the
 * plan, metrics.jsonl), so score, eval and smooth read it unchanged.
 */
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { Backend } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { info } from "../core/log.js";
import type { Dataset } from "../data/dataset.js";
import { DatasetFiles } from "../io/manifest.js";
import { NpyWriter, writeNpy } from "../io/npy.js";
import { ENTITY_TABLE, RELATION_TABLE } from "../io/artefacts.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import { getInteraction } from "../models/registry.js";
import { recordRun } from "../runs/index.js";
import { checkModelFolder, commitModel, logTrainingRecord, markModelFolder, startRunningMetrics, writeRunningConfig } from "./model-folder.js";
import { planPartitions } from "./partition-plan.js";
import { PARTITIONS_DIR, trainPartitioned } from "./partitioned.js";
import { CHECKPOINT_MANIFEST, PartitionStore } from "./partition-store.js";
import { createTables } from "./tables.js";
import type { TrainStageInput, TrainStageResult } from "./train.js";

/** True when the config asks for out-of-core training. */
export function isOutOfCore(c: TrainStageInput["config"]): boolean {
  return c.memoryGb !== undefined || c.partitions !== undefined || c.buffer !== undefined;
}

export async function trainOutOfCoreLocked(input: TrainStageInput, backend: Backend, ds: Dataset, outDir: string): Promise<TrainStageResult> {
  const c = input.config;
  const m = getInteraction(c.model);
  const unsupported: [boolean, string, string][] = [
    [backend.name !== "native", "--backend", "out-of-core training runs on the native backend"],
    [c.encoder === "concat", "--encoder", "out-of-core training supports the shallow encoder only"],
    [c.filterNegatives, "filterNegatives", "filtered negatives need the whole adjacency in memory: not supported out of core"],
    [c.subsampling, "subsampling", "sub-sampling weights are not supported out of core"],
    [c.training !== "negatives", "training", `${c.training} scores every entity: out-of-core training trains shared negatives`],
    [c.reciprocal, "reciprocal", "reciprocal relations are not supported out of core"],
  ];
  for (const [bad, field, why] of unsupported) if (bad) throw new KgcError(field, why);
  const manifestPath = join(outDir, PARTITIONS_DIR, CHECKPOINT_MANIFEST);
  if (input.resume && !existsSync(manifestPath)) throw new KgcError(manifestPath, "--resume: no out-of-core checkpoint here");
  checkModelFolder(outDir, input.resume, input.force ?? false);
  const numTriples = ds.manifest.splits.train.triples;
  if (numTriples === 0) throw new KgcError(input.dataDir, "the train split is empty");
  const rowFloats = c.dim + 1 + (c.optimizer === "adam" ? 2 * c.dim : 0);
  const plan = planPartitions({ numEntities: ds.numEntities, numTriples, rowFloats, memoryGb: c.memoryGb, partitions: c.partitions, buffer: c.buffer });
  const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;
  info(`out of core: ${plan.partitions} partitions, buffer ${plan.buffer} (${c.memoryGb !== undefined ? `picked for --memory-gb ${c.memoryGb}` : "as given"}); estimated resident ${gb(plan.residentBytes)}, partition files ${gb(plan.partBytes * plan.partitions)} on disk (up to twice that between checkpoints)`);
  const tables = createTables({
    interaction: m, dim: c.dim, block: c.block, gamma: c.gamma, encoder: "shallow",
    numEntities: plan.buffer * plan.partSize, numRelations: ds.numRelations, entityFeatures: null, relationFeatures: null, seed: c.seed,
  }, c.optimizer);
  const fingerprint = datasetFingerprint(ds);
  const identity = { fingerprint, model: m.name, dim: c.dim, block: c.block, optimizer: c.optimizer, numEntities: ds.numEntities, numRelations: ds.numRelations, partitions: plan.partitions, partSize: plan.partSize };
  if (input.resume) new PartitionStore(join(outDir, PARTITIONS_DIR)).resumable(identity); // refused before anything is written
  markModelFolder(outDir);
  const resolved = { ...c, partitions: plan.partitions, buffer: plan.buffer };
  writeRunningConfig(outDir, { ...resolved, backend: backend.name, device: backend.device, dataset: ds.name, data: input.dataDir, fingerprint });
  info("out of core: sampled validation during training is off (the buffer holds only some entities); run kgc eval on the result");
  return recordRun({ stage: "train", dataset: ds.name, model: m.name, config: { ...resolved, backend: backend.name, device: backend.device }, command: input.command }, async (run) => {
    const result = await trainPartitioned({
      outDir, trainPath: join(ds.dir, DatasetFiles.triples("train")), numTriples, tables, config: c, backend, plan, resume: input.resume,
      identity,
      onLog: (r) => logTrainingRecord(outDir, run, r),
      onStart(step) {
        startRunningMetrics(outDir, input.resume ? step : null);
      },
    });
    info(`out of core: ${result.epochs.toFixed(2)} epochs, ${result.loads} partition loads, ${(result.swapWaitMs / 1000).toFixed(1)} s waiting for swaps`);
    // entity.npy from the partition files, one partition in memory at a time
    const staged = join(outDir, `${ENTITY_TABLE}.partitioned-${process.pid}`);
    const writer = new NpyWriter(staged, "<f4", [ds.numEntities, c.dim]);
    try {
      for (let p = 0; p < plan.partitions; p++) {
        const rows = await result.buffer.readRows(p);
        const real = Math.min(plan.partSize, ds.numEntities - p * plan.partSize);
        writer.write(rows.subarray(0, real * c.dim));
      }
      writer.close();
    } catch (err) {
      writer.abort();
      throw err;
    }
    const files = commitModel(outDir, (at) => {
      const entity = join(outDir, ENTITY_TABLE), relation = join(outDir, RELATION_TABLE);
      renameSync(staged, at(entity));
      writeNpy(at(relation), "<f4", [tables.relation.numRows, tables.relation.raw], tables.relation.rows);
      return [entity, relation];
    });
    for (const f of files) await run.addArtefact(f);
    return { outDir, step: result.step, loss: result.lastLoss, posPerSecond: result.posPerSecond };
  });
}
