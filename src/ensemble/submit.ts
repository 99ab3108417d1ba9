/**
 * The `kgc submit` stage: the ensemble's ranked test top-10 → ensemble/<ds>/t_pred_wikikg90m.npz,
 * exactly OGB's file (WikiKG90MEvaluator.save_test_submission: np.savez_compressed with key
 * t_pred_top10, int16, shape (test queries, 10), every index in [0, K)). A file breaking any rule,
 * or repeating an index in a row (OGB would score it 0), is refused and nothing is written.
 */
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import { openDataset } from "../data/dataset.js";
import { writeNpz } from "../io/npz.js";
import { recordRun } from "../runs/index.js";
import { OGB_TOP } from "../eval/index.js";
import { checkSubmittable, readPrediction, SUBMISSION_KEY } from "./prediction.js";
import { EnsembleFiles } from "./weights.js";

export interface SubmitStageInput {
  dataDir: string;
  /** folder of test-top10.npy and the submission (default ensemble/<ds>) */
  ensembleDir?: string | undefined;
  command: readonly string[];
}

export interface SubmitStageResult {
  path: string;
  queries: number;
}

export async function submitStage(input: SubmitStageInput): Promise<SubmitStageResult> {
  const ds = openDataset(input.dataDir);
  try {
    const info = ds.manifest.splits.test;
    if (info.queries === 0) throw new KgcError(`${input.dataDir} (test)`, "the test split has no candidate queries to submit");
    if (info.candidatesPerQuery > 32767) throw new KgcError(`${input.dataDir} (test)`, `${info.candidatesPerQuery} candidates per query do not fit OGB's int16 indices`);
    const dir = input.ensembleDir ?? join("ensemble", ds.name);
    const source = join(dir, EnsembleFiles.top10("test"));
    const top10 = readPrediction(source, info.queries);
    checkSubmittable(top10, info.candidatesPerQuery, source);
    const path = join(dir, EnsembleFiles.submission);
    await recordRun({ stage: "submit", dataset: ds.name, config: { ensembleDir: dir }, command: input.command }, async (run) => {
      writeNpz(path, { [SUBMISSION_KEY]: { dtype: "<i2", shape: [info.queries, OGB_TOP], data: Int16Array.from(top10) } }, { compress: true });
      await run.addArtefact(path);
    });
    return { path, queries: info.queries };
  } finally {
    ds.close();
  }
}
