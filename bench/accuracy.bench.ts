/**
 * Accuracy benchmark (issue 5): for each model and dataset (FB15k-237, WN18RR), train with a
 * wall-clock budget (default 30 minutes, 2 threads; config models/tuned/<dataset>/<model>.json,
 * else models/<model>.json) with `kgc train`, evaluate with `kgc eval --protocol filtered`, and
 * print the filtered test MRR / Hits@10 beside the published figures. On the synthetic default
 * (data/synth), every model's candidate MRR next to a popularity baseline (candidates ranked by
 * train in-degree). One JSON line per measurement on stdout; the table on stderr.
 *
 *   node dist/bench/accuracy.bench.js [--minutes 30] [--threads 2] [--models rotate,transe-l2]
 *       [--datasets fb15k-237,wn18rr] [--synth-minutes 5] [--no-synth] [--out models]
 *       [--eval-only]   (evaluate what <out>/<dataset>/<model>/ already holds)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDataset } from "../src/data/dataset.js";
import { candidateMrr, ogbMrr, topK } from "../src/eval/ogb-metric.js";
import type { EvalReport } from "../src/eval/eval.js";
import { benchArgs, positive } from "./args.js";

const USAGE = `usage: node dist/bench/accuracy.bench.js [--minutes 30] [--threads 2] [--models rotate,transe-l2]
    [--datasets fb15k-237,wn18rr] [--synth-minutes 5] [--no-synth] [--out models] [--eval-only]`;
const parsed = benchArgs(USAGE, {
  minutes: { type: "string", default: "30" }, "synth-minutes": { type: "string", default: "5" }, threads: { type: "string", default: "2" },
  out: { type: "string", default: "models" }, models: { type: "string", default: "rotate,transe-l1,transe-l2,distmult,complex,quate,ote,note" },
  datasets: { type: "string", default: "fb15k-237,wn18rr" }, "no-synth": { type: "boolean", default: false },
  "eval-only": { type: "boolean", default: false },
});
const MINUTES = positive(USAGE, "minutes", parsed.minutes);
const SYNTH_MINUTES = positive(USAGE, "synth-minutes", parsed["synth-minutes"]);
const THREADS = parsed.threads;
const OUT = parsed.out;
const MODELS = parsed.models.split(",");
const DATASETS = parsed.datasets.split(",").filter(Boolean); // --datasets "": synthetic only
// the shared datasets sit beside the project checkout (../shared/datasets)
const SHARED = process.env["KGC_SHARED_DATASETS"] ?? fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
const KGC = ["dist/src/cli/kgc.js"];

/** Published filtered test MRR (source in the label). */
const PUBLISHED: Record<string, Record<string, [number, string]>> = {
  "fb15k-237": {
    rotate: [0.338, "RotatE (Sun et al. 2019)"],
    "transe-l1": [0.332, "TransE self-adv. (Sun et al. 2019)"],
    "transe-l2": [0.332, "TransE self-adv. (Sun et al. 2019)"],
    quate: [0.311, "QuatE no N3 (Zhang et al. 2019)"],
    ote: [0.351, "OTE (Tang et al. 2020)"],
    note: [0.361, "GC-OTE (Tang et al. 2020)"],
    distmult: [0.343, "DistMult (Ruffinelli et al. 2020)"],
    complex: [0.348, "ComplEx (Ruffinelli et al. 2020)"],
  },
  wn18rr: {
    rotate: [0.476, "RotatE (Sun et al. 2019)"],
    "transe-l1": [0.226, "TransE self-adv. (Sun et al. 2019)"],
    "transe-l2": [0.226, "TransE self-adv. (Sun et al. 2019)"],
    quate: [0.481, "QuatE no N3 (Zhang et al. 2019)"],
    ote: [0.485, "OTE (Tang et al. 2020)"],
    note: [0.491, "GC-OTE (Tang et al. 2020)"],
    distmult: [0.452, "DistMult (Ruffinelli et al. 2020)"],
    complex: [0.475, "ComplEx (Ruffinelli et al. 2020)"],
  },
};
const TSV_NAME: Record<string, string> = { "fb15k-237": "FB15k-237", wn18rr: "WN18RR" };

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

function kgc(...a: string[]): void {
  const r = spawnSync(process.execPath, [...KGC, ...a], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`kgc ${a.join(" ")} failed (exit ${r.status})`);
}

function ensureDataset(name: string): string {
  const dir = join("data", name);
  if (existsSync(join(dir, "manifest.json"))) return dir;
  if (name === "synth") throw new Error("data/synth is missing: run `make` first");
  kgc("data", "import", "--tsv", join(SHARED, TSV_NAME[name] ?? name), "--name", name, "--out", "data", "--candidates", "1000");
  return dir;
}

function configFor(dataset: string, model: string): string {
  const tuned = join("models", "tuned", dataset, `${model}.json`);
  return existsSync(tuned) ? tuned : join("models", `${model}.json`);
}

/** The config's training mode (negatives, 1vsAll, KvsAll) and loss when not the default, for the table. */
function trainingOf(configPath: string): string {
  const c = JSON.parse(readFileSync(configPath, "utf8")) as { training?: string; reciprocal?: boolean; loss?: string };
  return `${c.training ?? "negatives"}${c.reciprocal ? "+rec" : ""}${c.loss && c.loss !== "logsigmoid" ? `/${c.loss}` : ""}`;
}

function trainAndEval(dataset: string, model: string, minutes: number, protocol: "filtered" | "candidates", split: "valid" | "test" = "test"): EvalReport {
  const data = ensureDataset(dataset);
  const modelDir = join(OUT, dataset, model);
  if (!parsed["eval-only"]) {
    kgc("train", "--data", data, "--model", model, "--config", configFor(dataset, model), "--out", OUT, "--minutes", String(minutes), "--threads", THREADS, "--set", "validEvery=0");
  }
  kgc("eval", "--model-dir", modelDir, "--data", data, "--split", split, "--protocol", protocol, "--threads", THREADS);
  return JSON.parse(readFileSync(join(modelDir, `eval-${split}.json`), "utf8")) as EvalReport;
}

/** Candidates ranked by train in-degree (ties realistic). */
function popularityBaseline(dataDir: string): { mrr: number; ogb: number } {
  const ds = openDataset(dataDir);
  try {
    const q = ds.queries("valid");
    if (!q || !q.correctIndex) throw new Error(`${dataDir}: no answered candidate queries`);
    const indptr = ds.adjacency("in").indptr;
    const scores = new Float32Array(q.candidates.length); // shape: [Q, K]
    for (let i = 0; i < scores.length; i++) scores[i] = indptr[q.candidates[i]! + 1]! - indptr[q.candidates[i]!]!;
    return { mrr: candidateMrr(scores, q.correctIndex).mrr, ogb: ogbMrr(topK(scores, 10, q.width), q.correctIndex, q.width).mrr };
  } finally {
    ds.close();
  }
}

const rows: string[] = [];
for (const dataset of DATASETS) {
  for (const model of MODELS) {
    try {
      const r = trainAndEval(dataset, model, MINUTES, "filtered");
      const o = r.filtered!.overall;
      const [pub, source] = PUBLISHED[dataset]?.[model] ?? [Number.NaN, "-"];
      const training = trainingOf(configFor(dataset, model));
      const config = { dataset, model, minutes: MINUTES, threads: Number(THREADS), config: configFor(dataset, model), training };
      emit("filtered test MRR", config, o.mrr, "MRR");
      emit("filtered test Hits@10", config, o.hits10, "fraction");
      emit("published filtered test MRR", { dataset, model, source }, pub, "MRR");
      rows.push(`${dataset.padEnd(10)} ${model.padEnd(10)} ${training.padEnd(19)} MRR ${o.mrr.toFixed(3)}  H@10 ${o.hits10.toFixed(3)}  published ${Number.isNaN(pub) ? "  -  " : pub.toFixed(3)} (${source})  gap ${(o.mrr - pub).toFixed(3)}`);
    } catch (err) {
      rows.push(`${dataset.padEnd(10)} ${model.padEnd(10)} FAILED: ${(err as Error).message}`);
    }
  }
}
if (!parsed["no-synth"]) {
  const data = ensureDataset("synth");
  const base = popularityBaseline(data);
  emit("candidate MRR, popularity baseline", { dataset: "synth" }, base.mrr, "MRR");
  rows.push(`synth      popularity candidate MRR ${base.mrr.toFixed(3)}  OGB MRR ${base.ogb.toFixed(3)}`);
  for (const model of MODELS) {
    try {
      const r = trainAndEval("synth", model, SYNTH_MINUTES, "candidates", "valid");
      const c = r.candidates!;
      emit("candidate valid MRR", { dataset: "synth", model, minutes: SYNTH_MINUTES }, c.candidates.mrr, "MRR");
      rows.push(`synth      ${model.padEnd(10)} candidate MRR ${c.candidates.mrr.toFixed(3)}  OGB MRR ${(c.ogb?.mrr ?? Number.NaN).toFixed(3)}  (popularity ${base.mrr.toFixed(3)})`);
    } catch (err) {
      rows.push(`synth      ${model.padEnd(10)} FAILED: ${(err as Error).message}`);
    }
  }
}
process.stderr.write(`\naccuracy (filtered test MRR; ${MINUTES} min per model and dataset, ${THREADS} threads)\n${rows.join("\n")}\n`);
