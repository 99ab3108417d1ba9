/**
 * The `kgc evaluate` stage: OGB's WikiKG90M evaluator for a top-10 file (npy or the submission
 * npz) against a split's answers — shape and dtype checks, then MRR with OGB's rule that any row
 * repeating an index makes the MRR 0 (ogbMrr).
 */
import { KgcError } from "../core/errors.js";
import { openDataset } from "../data/dataset.js";
import type { SplitName } from "../io/manifest.js";
import { recordRun } from "../runs/index.js";
import { ogbMrr, type OgbMetrics } from "../eval/index.js";
import { readPrediction } from "./prediction.js";

export interface EvaluatePredictionInput {
  predPath: string;
  dataDir: string;
  split: SplitName;
  command: readonly string[];
}

export interface EvaluatePredictionResult extends OgbMetrics {
  dataset: string;
  split: SplitName;
  queries: number;
}

export async function evaluatePrediction(input: EvaluatePredictionInput): Promise<EvaluatePredictionResult> {
  const ds = openDataset(input.dataDir);
  try {
    const queries = ds.queries(input.split);
    if (!queries) throw new KgcError(`${input.dataDir} (${input.split})`, "the split has no candidate queries");
    if (!queries.correctIndex) throw new KgcError(`${input.dataDir} (${input.split})`, "the split's answers are hidden: nothing to evaluate against");
    const top10 = readPrediction(input.predPath, queries.head.length);
    const metrics = ogbMrr(top10, queries.correctIndex, queries.width, input.predPath);
    await recordRun({ stage: "evaluate", dataset: ds.name, config: { pred: input.predPath, split: input.split }, command: input.command }, (run) => {
      run.logMetrics({ mrr: metrics.mrr, hits1: metrics.hits1, hits10: metrics.hits10, duplicate_rows: metrics.duplicateRows.length });
    });
    return { ...metrics, dataset: ds.name, split: input.split, queries: queries.head.length };
  } finally {
    ds.close();
  }
}
