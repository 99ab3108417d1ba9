/**
 * The eval stage: a trained model directory + a prepared dataset -> <model-dir>/eval-<split>.json
 * (and the run registry). Protocols: "filtered" (link prediction against every entity, both
 * directions, known answers of train ∪ valid ∪ test removed, realistic ties, per relation and
 * direction) and "candidates" (the split's candidate rows: OGB's top-10 MRR and the rank among all
 * K); "both" runs each protocol the split supports and fails only when it supports neither.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { nativeBackend } from "../backends/index.js";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { Side } from "../core/types.js";
import { openDataset } from "../data/dataset.js";
import { buildFilterIndex } from "../data/filter-index.js";
import type { SplitName } from "../io/manifest.js";
import { recordRun } from "../runs/index.js";
import { candidateEvaluation, type CandidateEvaluation } from "./candidate-eval.js";
import { filteredRanking } from "./filtered-ranking.js";
import type { RankMetrics } from "./metrics.js";
import { MAP_ABOVE_BYTES } from "../train/mapped-table.js";
import { loadTrainedModel, readModelConfig } from "../train/trained-model.js";
import { evalReportFile } from "../io/artefacts.js";

export type EvalProtocol = "filtered" | "candidates" | "both";

export interface EvalStageInput {
  modelDir: string;
  dataDir: string;
  split: SplitName;
  protocol: EvalProtocol;
  threads?: number | undefined;
  /** argv, for the registry */
  /** entity.npy above this many bytes is memory-mapped, not read (default MAP_ABOVE_BYTES) */
  mapAboveBytes?: number | undefined;
  command: readonly string[];
}

export interface EvalReport {
  model: string;
  dataset: string;
  split: SplitName;
  /** null when not run */
  filtered: (RankMetrics & { seconds: number; queries: number }) | null;
  candidates: (CandidateEvaluation & { seconds: number }) | null;
  outPath: string;
}

/** The flat metrics logged to the registry. */
export function headlineMetrics(r: EvalReport): Record<string, number> {
  const m: Record<string, number> = {};
  if (r.filtered) {
    const o = r.filtered.overall;
    Object.assign(m, { filtered_mrr: o.mrr, filtered_mr: o.meanRank, filtered_hits1: o.hits1, filtered_hits3: o.hits3, filtered_hits10: o.hits10 });
  }
  if (r.candidates) {
    const c = r.candidates;
    Object.assign(m, { candidate_mrr: c.candidates.mrr, candidate_mr: c.candidates.meanRank, candidate_hits10: c.candidates.hits10 });
    if (c.ogb) Object.assign(m, { ogb_mrr: c.ogb.mrr, ogb_duplicate_rows: c.ogb.duplicateRows.length });
  }
  return m;
}

export async function evalStage(input: EvalStageInput): Promise<EvalReport> {
  const saved = readModelConfig(input.modelDir); // a missing or corrupt model directory is named before what the split lacks
  const ds = openDataset(input.dataDir);
  try {
    const info = ds.manifest.splits[input.split];
    const wantFiltered = input.protocol !== "candidates";
    const wantCandidates = input.protocol !== "filtered";
    const canFiltered = info.triples > 0;
    const canCandidates = info.queries > 0 && info.hasAnswers;
    const where = `${input.dataDir} (${input.split})`;
    if (input.protocol === "filtered" && !canFiltered) throw new KgcError(where, "the split has no known triples to rank (filtered protocol)");
    if (input.protocol === "candidates" && !canCandidates) {
      throw new KgcError(where, info.queries === 0 ? "the split has no candidate queries (candidate protocol)" : "the split's candidate answers are hidden (candidate protocol)");
    }
    if (input.protocol === "both" && !canFiltered && !canCandidates) throw new KgcError(where, "the split has neither known triples nor answered candidate queries");
    const model = loadTrainedModel(input.modelDir, ds, saved, input.mapAboveBytes ?? MAP_ABOVE_BYTES); // a large entity.npy is memory-mapped: it may exceed the RAM
    const threads = input.threads ?? model.config.threads ?? availableParallelism();
    const backend = nativeBackend(); // scores a model trained by any backend: the tables are the same
    return await recordRun({ stage: "eval", dataset: ds.name, model: model.config.model, config: { split: input.split, protocol: input.protocol, modelDir: input.modelDir }, command: input.command }, async (run) => {
      const report: EvalReport = { model: model.config.model, dataset: ds.name, split: input.split, filtered: null, candidates: null, outPath: join(input.modelDir, evalReportFile(input.split)) };
      if (wantFiltered && canFiltered) {
        const t0 = performance.now();
        const parts = await ds.allTriples();
        const triples = await ds.triples(input.split);
        const metrics = await filteredRanking({
          backend, tables: model.tables, triples, threads, label: `filtered ${input.split}`,
          tailFilter: buildFilterIndex(parts, ds.numRelations, Side.Tail), headFilter: buildFilterIndex(parts, ds.numRelations, Side.Head),
        });
        report.filtered = { ...metrics, seconds: (performance.now() - t0) / 1000, queries: 2 * triples.length };
      }
      if (wantCandidates && canCandidates) {
        const t0 = performance.now();
        const queries = ds.queryRows(input.split)!;
        try {
          const c = await candidateEvaluation(backend, model.tables, queries, threads, where);
          report.candidates = { ...c, seconds: (performance.now() - t0) / 1000 };
        } finally {
          queries.close();
        }
      }
      writeFileAtomic(report.outPath, JSON.stringify(report, null, 2) + "\n");
      run.logMetrics(headlineMetrics(report));
      await run.addArtefact(report.outPath);
      return report;
    });
  } finally {
    ds.close();
  }
}
