/**
 * Loading a trained model directory (what the train stage wrote: config.json, entity.npy,
 * relation.npy and, for the concat encoder, <side>-W.npy / <side>-b.npy) as ModelTables any
 * backend can score, checked against the dataset it is about to be evaluated on. The concat encoder
 * is applied by the kernel itself (W [feature ; row] + b), so eval and train share one encoder.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import { readNpyFloat32, readNpyHeader } from "../io/npy.js";
import { loadFeatures } from "./frozen-features.js";
import { parseTrainConfig, type TrainConfig } from "../models/config.js";
import type { EncoderTables, ModelTables } from "../models/model-tables.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import { getInteraction } from "../models/registry.js";
import { mapFloat32Table } from "./mapped-table.js";
import { createTables } from "./tables.js";
import { ENTITY_TABLE, MODEL_CONFIG, RELATION_TABLE, encoderBiasFile, encoderWeightFile, type TableSide } from "../io/artefacts.js";

export interface TrainedModel {
  tables: ModelTables;
  config: TrainConfig;
  /** the dataset name recorded at training time */
  dataset: string;
}

/** Keys train adds to config.json beside the TrainConfig fields. */
const PROVENANCE_KEYS = ["backend", "device", "dataset", "data", "fingerprint", "numEntities", "numRelations"] as const;

/** A model directory's config.json: the TrainConfig fields and what train added beside them. */
export interface SavedModelConfig {
  config: TrainConfig;
  provenance: Record<string, unknown>;
}

export function readModelConfig(modelDir: string): SavedModelConfig {
  const path = join(modelDir, MODEL_CONFIG);
  if (!existsSync(path)) throw new KgcError(modelDir, "not a trained model directory (no config.json); train one with `kgc train`");
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new KgcError(path, `corrupt config (${(err as Error).message})`);
  }
  const provenance: Record<string, unknown> = {};
  const rest: Record<string, unknown> = { ...raw };
  for (const k of PROVENANCE_KEYS) {
    provenance[k] = raw[k];
    delete rest[k];
  }
  return { config: parseTrainConfig(rest, path), provenance };
}

/** Reads one float32 table, checking shape [rows, width] and that every value is finite. */
function readTable(path: string, rows: number, width: number, what: string): Float32Array {
  if (!existsSync(path)) throw new KgcError(path, `missing ${what} file`);
  let t: { shape: number[]; data: Float32Array };
  try {
    t = readNpyFloat32(path);
  } catch (err) {
    if (err instanceof KgcError) throw new KgcError(path, `corrupt ${what} file (${err.problem})`);
    throw new KgcError(path, `corrupt ${what} file (${(err as Error).message})`);
  }
  const shape = t.shape.length === 1 ? [t.shape[0]!, 1] : t.shape;
  if (shape.length !== 2 || shape[0] !== rows || shape[1] !== width) {
    throw new KgcError(path, `${what} has shape (${t.shape.join(", ")}), expected (${rows}, ${width})`);
  }
  return t.data;
}

function adopt(e: EncoderTables, dir: string, side: TableSide, out: number): void {
  if (!e.mapped) e.rows.set(readTable(join(dir, side === "entity" ? ENTITY_TABLE : RELATION_TABLE), e.numRows, e.raw, `${side} embedding`));
  if (!e.concat) return;
  e.W!.set(readTable(join(dir, encoderWeightFile(side)), out, e.featDim! + e.raw, `${side} encoder weight`));
  e.b!.set(readTable(join(dir, encoderBiasFile(side)), out, 1, `${side} encoder bias`));
}

/**
 * Loads a model directory for scoring `ds`; a model of another dataset is refused. `saved`: the
 * directory's config.json when the caller has already read it. An entity.npy larger than
 * `mapAboveBytes` is memory-mapped, not read (mapped-table.ts; the tables can then only be
 * scored, natively): score, eval and predict pass MAP_ABOVE_BYTES, stages that change the table
 * (smooth) read it whatever its size.
 */
export function loadTrainedModel(modelDir: string, ds: Dataset, saved: SavedModelConfig = readModelConfig(modelDir), mapAboveBytes = Number.POSITIVE_INFINITY): TrainedModel {
  const { config: c, provenance } = saved;
  const trainedOn = typeof provenance["dataset"] === "string" ? (provenance["dataset"] as string) : "?";
  const fp = provenance["fingerprint"];
  if (typeof fp === "string" && fp !== datasetFingerprint(ds)) {
    throw new KgcError(modelDir, `trained on dataset '${trainedOn}' whose entities, relations or train triples differ from ${ds.dir} ('${ds.name}')`);
  }
  if (fp === undefined && trainedOn !== "?" && trainedOn !== ds.name) {
    throw new KgcError(modelDir, `trained on dataset '${trainedOn}', not '${ds.name}' (${ds.dir})`);
  }
  const entityPath = join(modelDir, ENTITY_TABLE);
  if (existsSync(entityPath)) {
    let rows = -1;
    try {
      rows = readNpyHeader(entityPath).rows;
    } catch {
      /* reported by readTable below */
    }
    if (rows >= 0 && rows !== ds.numEntities) {
      throw new KgcError(entityPath, `has ${rows} entity rows but ${ds.dir} has ${ds.numEntities} entities: the model was trained on another dataset`);
    }
  }
  const m = getInteraction(c.model);
  const concat = c.encoder === "concat";
  if (concat && (!ds.manifest.entityFeatures || !ds.manifest.relationFeatures)) {
    throw new KgcError(modelDir, `the model uses the concat encoder but ${ds.dir} has no features`);
  }
  const tables = createTables({
    interaction: m, dim: c.dim, block: c.block, gamma: c.gamma, encoder: c.encoder,
    numEntities: ds.numEntities, numRelations: c.reciprocal ? 2 * ds.numRelations : ds.numRelations,
    entityFeatures: concat ? loadFeatures(ds.manifest.entityFeatures!.path, ds.numEntities) : null,
    relationFeatures: concat ? loadFeatures(ds.manifest.relationFeatures!.path, ds.numRelations) : null, seed: null,
    mappedEntities: existsSync(entityPath) && statSync(entityPath).size > mapAboveBytes ? mapFloat32Table(entityPath, ds.numEntities, c.dim, "entity embedding") : null,
  }, "adagrad"); // scoring: no row Adam moments to allocate, no initialisation (the files fill every table)
  adopt(tables.entity, modelDir, "entity", c.dim);
  if (c.reciprocal) {
    tables.reciprocal = true;
    const relationPath = join(modelDir, RELATION_TABLE);
    const rows = existsSync(relationPath) ? readNpyHeader(relationPath).rows : -1;
    if (rows === ds.numRelations) throw new KgcError(join(modelDir, MODEL_CONFIG), `says reciprocal: true but ${RELATION_TABLE} has ${rows} rows, one per relation (a reciprocal model has ${2 * rows}): the model was trained without reciprocal relations`);
  }
  adopt(tables.relation, modelDir, "relation", m.relationWidth(c.dim, c.block));
  return { tables, config: c, dataset: trainedOn };
}
