/**
 * The `kgc ensemble fit` stage: score files of a split with answers (validation) → weights found
 * without gradients, cross-validated over head-grouped folds → ensemble/<ds>/weights.json, and the
 * ablation ladder (each input alone, models, + smoothing and DeepWalk, + features, + the two
 * candidate-list features) → ensemble/<ds>/ablation.json, both written atomically.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { openDataset } from "../data/dataset.js";
import { splitProvenance } from "../eval/index.js";
import type { SplitName } from "../io/manifest.js";
import { recordRun } from "../runs/index.js";
import { crossValidate, relationGroupsOf, type FitSetting } from "./cross-validate.js";
import { headGroupedFolds } from "./folds.js";
import { mrrsAt } from "./objective.js";
import { buildRankProblem, type RowSource } from "./rank-problem.js";
import { describeInput, featureFiles, InputRows, inputFamily, type InputFamily } from "./score-inputs.js";
import { getSearchMethod } from "./search.js";
import { EnsembleFiles, NormalisationSchema, type Ablation, type EnsembleInput, type EnsembleWeights, type Normalisation } from "./weights.js";

export interface FitStageInput {
  dataDir: string;
  split: SplitName;
  /** model folders and feature npy files */
  inputs: readonly string[];
  /** all | none | comma-separated feature names (data/<ds>/features/<split>-<name>.npy) */
  features: string;
  /** a method for every input, and/or name=method entries, comma-separated */
  normalise: string;
  search: string;
  folds: number;
  /** fit on the split's first N queries only (the seed searched on the first 5,000); default all */
  maxQueries?: number | undefined;
  relationGroups: number;
  seed: number;
  /** output folder (default ensemble/<ds>) */
  out?: string | undefined;
  command: readonly string[];
}

export interface FitStageResult {
  weights: EnsembleWeights;
  ablation: Ablation;
  weightsPath: string;
  ablationPath: string;
  seconds: number;
}

/** `query-rank` or `query-minmax,rotate=query-rank`: a default and per-input overrides. */
export function parseNormalise(spec: string): (name: string) => Normalisation {
  let fallback: Normalisation = "query-minmax";
  const byName = new Map<string, Normalisation>();
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, method] = part.includes("=") ? part.split("=", 2) as [string, string] : [null, part];
    const parsed = NormalisationSchema.safeParse(method);
    if (!parsed.success) throw new KgcError("--normalise", `unknown method '${method}' (known: ${NormalisationSchema.options.join(", ")})`);
    if (name === null) fallback = parsed.data;
    else byName.set(name, parsed.data);
  }
  return (name) => byName.get(name) ?? fallback;
}

const LADDER: { label: string; families: InputFamily[] }[] = [
  { label: "models", families: ["model"] },
  { label: "models + smoothing + DeepWalk", families: ["model", "smoothed", "deepwalk"] },
  { label: "+ features", families: ["model", "smoothed", "deepwalk", "feature"] },
  { label: "+ candidate-list features", families: ["model", "smoothed", "deepwalk", "feature", "candidate-feature"] },
];

/** The first `count` rows of a source. */
function firstRows(source: RowSource, count: number): RowSource {
  return { inputCount: source.inputCount, queries: count, width: source.width, read: (start, n, out) => source.read(start, n, out) };
}

export async function fitStage(input: FitStageInput): Promise<FitStageResult> {
  const t0 = performance.now();
  const search = getSearchMethod(input.search);
  const normaliseOf = parseNormalise(input.normalise);
  const ds = openDataset(input.dataDir);
  try {
    const queries = ds.queries(input.split);
    if (!queries) throw new KgcError(`${input.dataDir} (${input.split})`, "the split has no candidate queries to fit on");
    if (!queries.correctIndex) throw new KgcError(`${input.dataDir} (${input.split})`, "the split's answers are hidden: fit on a split with answers (valid)");
    const files = [...input.inputs, ...featureFiles(join(ds.dir, "features"), input.split, input.features)];
    if (files.length === 0) throw new KgcError("--input", "no inputs: give model folders with --input or features with --features");
    const inputs: EnsembleInput[] = files.map((f) => describeInput(f, input.split, "query-minmax"));
    for (const i of inputs) i.normalisation = normaliseOf(i.name);
    const names = new Set<string>();
    for (const i of inputs) {
      if (names.has(i.name)) throw new KgcError(i.path, `input name '${i.name}' given twice`);
      names.add(i.name);
    }
    const expected = splitProvenance(ds, input.split);
    const rows = new InputRows(inputs, input.split, expected);
    const fitQueries = Math.min(rows.queries, input.maxQueries ?? rows.queries);
    let problem;
    try {
      inputs.forEach((i, m) => {
        if (i.normalisation === "global-minmax") Object.assign(i, rows.range(m, 1024));
      });
      // only the fitted queries are read and pruned (the demo fits on 5,000 of 20,000)
      problem = buildRankProblem(firstRows(rows, fitQueries), queries.correctIndex.subarray(0, fitQueries));
    } finally {
      rows.close();
    }
    const setting: FitSetting = {
      problem,
      relation: queries.relation,
      relationGroups: relationGroupsOf(queries.relation.subarray(0, fitQueries), input.relationGroups),
      folds: headGroupedFolds(queries.head.subarray(0, fitQueries), input.folds, input.seed),
      fitQueries,
      method: search,
      seed: input.seed,
    };
    const all = inputs.map((_, m) => m);
    return await recordRun({ stage: "ensemble-fit", dataset: ds.name, config: { ...input, command: undefined }, command: input.command }, async (run) => {
      const fitted = crossValidate(setting, all);
      const allQueries = Int32Array.from({ length: fitQueries }, (_, q) => q);
      const singles = mrrsAt(problem, all.map((m) => all.map((k) => (k === m ? 1 : 0))), allQueries); // nothing fitted: held-out = in-sample
      const rowsOut: Ablation["rows"] = inputs.map((i, m) => ({ label: i.name, inputs: [i.name], heldOutMrr: singles[m]!, inSampleMrr: singles[m]! }));
      let previous = "";
      for (const step of LADDER) {
        const active = all.filter((m) => step.families.includes(inputFamily(inputs[m]!)));
        const key = active.join(",");
        if (active.length === 0 || key === previous) continue;
        previous = key;
        const cv = active.length === all.length ? fitted : crossValidate(setting, active);
        rowsOut.push({ label: step.label, inputs: active.map((m) => inputs[m]!.name), heldOutMrr: cv.heldOutMrr, inSampleMrr: cv.inSampleMrr });
      }
      const outDir = input.out ?? join("ensemble", ds.name);
      const weights: EnsembleWeights = {
        format: "kgc-ensemble/1",
        dataset: ds.name,
        fingerprint: expected.fingerprint,
        split: input.split,
        queries: rows.queries,
        fittedQueries: fitQueries,
        width: queries.width,
        inputs,
        groups: fitted.groups,
        search: input.search,
        folds: fitted.folds,
        heldOutMrr: fitted.heldOutMrr,
        inSampleMrr: fitted.inSampleMrr,
        createdAt: new Date().toISOString(),
      };
      const ablation: Ablation = { format: "kgc-ablation/1", dataset: ds.name, rows: rowsOut };
      const weightsPath = join(outDir, EnsembleFiles.weights);
      const ablationPath = join(outDir, EnsembleFiles.ablation);
      writeFileAtomic(ablationPath, JSON.stringify(ablation, null, 2) + "\n");
      writeFileAtomic(weightsPath, JSON.stringify(weights, null, 2) + "\n");
      const seconds = (performance.now() - t0) / 1000;
      run.logMetrics({ held_out_mrr: fitted.heldOutMrr, in_sample_mrr: fitted.inSampleMrr, contested_candidates: problem.tieAhead.length, seconds });
      await run.addArtefact(weightsPath);
      await run.addArtefact(ablationPath);
      return { weights, ablation, weightsPath, ablationPath, seconds };
    });
  } finally {
    ds.close();
  }
}
