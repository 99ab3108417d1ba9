/**
 * Does post-smoothing help? Each model is trained briefly with its tuned config
 * (models/tuned/<dataset>/<model>.json), evaluated (filtered test MRR, both directions), smoothed
 * with each --smooth setting (alpha:hops) and the smoothed folder evaluated the same way. One JSON
 * line per figure; a table at the end on stderr. All through the `kgc` CLI, as a user would.
 *
 *   node dist/bench/smoothing.bench.js [--datasets fb15k-237,wn18rr] [--models transe-l2,rotate,quate,ote]
 *     [--minutes 2] [--threads 1] [--smooth 0.97:10,0.99:2] [--out DIR]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/smoothing.bench.js [--datasets fb15k-237,wn18rr] [--models transe-l2,rotate,quate,ote] [--minutes 2] [--threads 1] [--smooth 0.97:10,0.99:2] [--out DIR]";
const cli = benchArgs(USAGE, {
  datasets: { type: "string", default: "fb15k-237,wn18rr" }, models: { type: "string", default: "transe-l2,rotate,quate,ote" },
  minutes: { type: "string", default: "2" }, threads: { type: "string", default: "1" }, smooth: { type: "string", default: "0.97:10,0.99:2" }, out: { type: "string" },
});
const MINUTES = positive(USAGE, "minutes", cli.minutes);
const THREADS = String(Math.round(positive(USAGE, "threads", cli.threads)));
const SETTINGS = cli.smooth.split(",").map((s) => s.split(":")).map(([a, h]) => ({ alpha: Number(a), hops: Number(h) }));
const ROOT = cli.out ?? mkdtempSync(join(tmpdir(), "kgc-smoothing-bench-"));
const SHARED = process.env["KGC_SHARED_DATASETS"] ?? fileURLToPath(new URL("../../../shared/datasets", import.meta.url));
const TSV_NAME: Record<string, string> = { "fb15k-237": "FB15k-237", wn18rr: "WN18RR" };
const KGC = join(import.meta.dirname, "../src/cli/kgc.js");

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

function kgc(...a: string[]): void {
  const r = spawnSync(process.execPath, [KGC, ...a], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, KGC_REGISTRY: join(ROOT, "registry.sqlite") } });
  if (r.status !== 0) throw new Error(`kgc ${a.join(" ")} failed (exit ${r.status})`);
}

function filteredTestMrr(modelDir: string, data: string): number {
  kgc("eval", "--model-dir", modelDir, "--data", data, "--split", "test", "--protocol", "filtered", "--threads", THREADS);
  return (JSON.parse(readFileSync(join(modelDir, "eval-test.json"), "utf8")) as { filtered: { overall: { mrr: number } } }).filtered.overall.mrr;
}

const table: string[] = [];
for (const dataset of cli.datasets.split(",")) {
  const data = join(ROOT, "data", dataset);
  if (!existsSync(join(data, "manifest.json"))) kgc("data", "import", "--tsv", join(SHARED, TSV_NAME[dataset] ?? dataset), "--name", dataset, "--out", join(ROOT, "data"));
  for (const model of cli.models.split(",")) {
    const modelDir = join(ROOT, "models", dataset, model);
    const config = join("models", "tuned", dataset, `${model}.json`);
    kgc("train", "--data", data, "--model", model, "--config", existsSync(config) ? config : join("models", `${model}.json`), "--out", join(ROOT, "models"),
      "--minutes", String(MINUTES), "--threads", THREADS, "--set", "validEvery=0", "--seed", "1");
    const before = filteredTestMrr(modelDir, data);
    const base = { dataset, model, minutes: MINUTES, threads: Number(THREADS) };
    emit("filtered test MRR, trained", base, before, "MRR");
    const cells = [`${dataset.padEnd(10)} ${model.padEnd(10)} ${before.toFixed(4)}`];
    for (const s of SETTINGS) {
      const t0 = performance.now();
      kgc("smooth", "--model-dir", modelDir, "--alpha", String(s.alpha), "--hops", String(s.hops), "--threads", THREADS);
      const seconds = (performance.now() - t0) / 1000;
      const after = filteredTestMrr(`${modelDir}-smooth`, data);
      emit("filtered test MRR, smoothed", { ...base, ...s }, after, "MRR");
      emit("kgc smooth wall time (process)", { ...base, ...s }, seconds, "s");
      cells.push(`a ${s.alpha} k ${s.hops}: ${after.toFixed(4)} (${after >= before ? "+" : ""}${(after - before).toFixed(4)})`);
    }
    table.push(cells.join("  "));
    process.stderr.write(table[table.length - 1] + "\n");
  }
}
process.stderr.write(`\nfiltered test MRR before / after smoothing (${MINUTES} min training, ${THREADS} thread(s)):\n${table.join("\n")}\n`);
