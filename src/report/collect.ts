/**
 * What the report shows, gathered from the run registry and the artefacts its runs recorded: each
 * model folder (found through its train/eval/score runs' artefacts) with its metrics.jsonl and
 * eval-<split>.json, and each ensemble folder (its runs' artefacts, else ensemble/<dataset>/) with
 * weights.json and ablation.json. A missing or unreadable artefact becomes a message the page
 * shows in its section, never a failure of the report.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { KgcError } from "../core/errors.js";
import { readAblation, readEnsembleWeights, EnsembleFiles, type Ablation, type EnsembleWeights } from "../ensemble/weights.js";
import type { RankMetrics } from "../eval/index.js";
import type { RunRegistry, RunSummary } from "../runs/index.js";
import { MODEL_METRICS } from "../io/artefacts.js";

export interface ModelArtefacts {
  dataset: string;
  model: string;
  dir: string;
  /** metrics.jsonl lines: step and the values logged at it */
  metrics: Record<string, number>[];
  /** eval-<split>.json reports that have a filtered protocol with per-relation figures */
  evals: { split: string; filtered: RankMetrics }[];
  /** problems met reading the folder, one line each */
  problems: string[];
}

export interface EnsembleArtefacts {
  dataset: string;
  dir: string;
  weights: EnsembleWeights | null;
  ablation: Ablation | null;
  problems: string[];
}

export interface ReportData {
  registry: string;
  runs: RunSummary[];
  models: ModelArtefacts[];
  ensembles: EnsembleArtefacts[];
}

function readModel(dataset: string, model: string, dir: string): ModelArtefacts {
  const out: ModelArtefacts = { dataset, model, dir, metrics: [], evals: [], problems: [] };
  const metricsPath = join(dir, MODEL_METRICS);
  if (existsSync(metricsPath)) {
    readFileSync(metricsPath, "utf8").split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      try {
        out.metrics.push(JSON.parse(line) as Record<string, number>);
      } catch {
        out.problems.push(`${metricsPath}: line ${i + 1} is not JSON`);
      }
    });
  } else out.problems.push(`${metricsPath}: absent`);
  for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => /^eval-[\w-]+\.json$/.test(n)).sort() : []) {
    try {
      const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as { split: string; filtered: RankMetrics | null };
      if (r.filtered?.byRelation) out.evals.push({ split: r.split, filtered: r.filtered });
    } catch (err) {
      out.problems.push(`${join(dir, f)}: unreadable (${(err as Error).message})`);
    }
  }
  return out;
}

function readEnsemble(dataset: string, dir: string): EnsembleArtefacts {
  const out: EnsembleArtefacts = { dataset, dir, weights: null, ablation: null, problems: [] };
  const attempt = <T>(file: string, read: (p: string) => T): T | null => {
    const path = join(dir, file);
    if (!existsSync(path)) {
      out.problems.push(`${path}: absent (run \`kgc ensemble fit\`)`);
      return null;
    }
    try {
      return read(path);
    } catch (err) {
      out.problems.push(err instanceof KgcError ? err.message : `${path}: ${(err as Error).message}`);
      return null;
    }
  };
  out.weights = attempt(EnsembleFiles.weights, readEnsembleWeights);
  out.ablation = attempt(EnsembleFiles.ablation, readAblation);
  return out;
}

/** @param dataset only this dataset's runs and artefacts, or every dataset when null */
export function collectReport(registry: RunRegistry, dataset: string | null): ReportData {
  const runs = registry.listRuns(dataset ? { dataset } : {});
  const modelDirs = new Map<string, { dataset: string; model: string }>();
  const ensembleDirs = new Map<string, string>();
  for (const run of runs) {
    if (!["train", "eval", "score", "ensemble"].includes(run.stage) && !run.stage.startsWith("ensemble")) continue;
    for (const a of registry.getRun(run.id).artefacts) {
      const name = basename(a.path);
      if (name === EnsembleFiles.weights || name === EnsembleFiles.ablation) ensembleDirs.set(dirname(a.path), run.dataset);
      else if (run.model && (name === MODEL_METRICS || /^eval-.*\.json$/.test(name) || /^scores-.*\.npy$/.test(name))) modelDirs.set(dirname(a.path), { dataset: run.dataset, model: run.model });
    }
  }
  for (const ds of new Set([...runs.map((r) => r.dataset), ...(dataset ? [dataset] : [])])) {
    const dir = join(process.cwd(), "ensemble", ds); // the ensemble stage's default folder, for runs that recorded no artefact
    if (![...ensembleDirs.values()].includes(ds)) ensembleDirs.set(dir, ds);
  }
  const byName = <T extends { dataset: string; dir: string }>(a: T, b: T): number => a.dataset.localeCompare(b.dataset) || a.dir.localeCompare(b.dir);
  return {
    registry: registry.path,
    runs,
    models: [...modelDirs].filter(([dir]) => existsSync(dir)).map(([dir, m]) => readModel(m.dataset, m.model, dir)).sort(byName),
    ensembles: [...ensembleDirs].map(([dir, ds]) => readEnsemble(ds, dir)).sort(byName),
  };
}
