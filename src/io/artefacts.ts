/**
 * The names of a model folder's artefacts, defined once: train writes them, eval, score, smooth,
 * deepwalk, the ensemble and the report read them (models/<ds>/<model>/).
 */
import type { SplitName } from "./manifest.js";

/** the resolved TrainConfig plus provenance (dataset, fingerprint, backend, device) */
export const MODEL_CONFIG = "config.json";
/** learned rows: float32 [numEntities, raw] and [numRelations, raw] */
export const ENTITY_TABLE = "entity.npy";
export const RELATION_TABLE = "relation.npy";
/** one JSON line per logEvery steps and per sampled validation */
export const MODEL_METRICS = "metrics.jsonl";
/** the folder --resume continues from */
export const CHECKPOINT_DIR = "checkpoint";

export type TableSide = "entity" | "relation";

/** concat encoder x = W [feature ; row] + b: W float32 [out, featDim + raw] */
export const encoderWeightFile = (side: TableSide): string => `${side}-W.npy`;
/** b float32 [out] */
export const encoderBiasFile = (side: TableSide): string => `${side}-b.npy`;
/** every candidate of a split's queries scored: float32 [Q, K] */
export const scoresFile = (split: SplitName): string => `scores-${split}.npy`;
/** the eval stage's report */
export const evalReportFile = (split: SplitName): string => `eval-${split}.json`;
