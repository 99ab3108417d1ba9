/**
 * The features stage benchmark. One JSON line per measurement on stdout, then the table on stderr.
 *
 *   node dist/bench/features.bench.js [--work DIR] [--models DIR] [--quick] [--no-fb15k] [--threads T]
 *   (--work: where generated and imported datasets are kept between runs, default os.tmpdir()/kgc-bench-features)
 *
 * 1. Rankers (candidate MRR on valid, realistic ties: src/eval/ogb-metric.ts candidateMrr): each
 *    feature of `kgc features` alone, the popularity baseline (train in-degree of the candidate) and
 *    every <models>/<ds>/<model>/scores-valid.npy that exists (DeepWalk, smoothed models, ...), on
 *    the synthetic default (data/synth when `make` made it, else generated into --work) and on
 *    FB15k-237 imported with 1,000 sampled candidates per query.
 * 2. Throughput: all features of one split of a large synthetic graph (1M entities, 8M triples,
 *    10k queries x 1,001 candidates; --quick: 300k, 2M, 4k) in a child process at 1 thread (the
 *    baseline) and at --threads, same run: stage wall time (CSR load + tables + per-query kernels
 *    and writes), CPU time, parallel efficiency, peak RSS; then the extrapolation to WikiKG90M's
 *    test split by wall time and by CPU time, and its memory by a model whose per-edge profile
 *    ratio is measured on the graph (printed with the arithmetic on stderr).
 *    Re-measure on an idle machine: node dist/bench/features.bench.js --no-fb15k --threads 2
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openDataset } from "../src/data/dataset.js";
import { candidateMrr } from "../src/eval/ogb-metric.js";
import { featureFileName, featuresStage, PRIOR_FEATURES } from "../src/features/index.js";
import { readNpyFloat32 } from "../src/io/npy.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/features.bench.js [--work DIR] [--models DIR] [--quick] [--no-fb15k] [--threads T]";
const self = fileURLToPath(import.meta.url);
const KGC = fileURLToPath(new URL("../src/cli/kgc.js", import.meta.url));
const FB15K = "/work/shared/datasets/FB15k-237";

/** WikiKG90M v1 (SEED-SOLUTION §0): the test split the extrapolation is for */
const WIKIKG = { triples: 504_220_369, entities: 87_143_637, relations: 1_315, testQueries: 1_359_303, candidates: 1_001 };

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ what, config, value: Number(value.toPrecision(4)), unit })}\n`);
}

function kgc(args: string[], env: NodeJS.ProcessEnv): void {
  const r = spawnSync(process.execPath, [KGC, ...args], { stdio: ["ignore", "inherit", "inherit"], env });
  if (r.status !== 0) throw new Error(`kgc ${args.join(" ")} failed (${r.status})`);
}

interface ChildResult {
  queries: number;
  edges: number;
  /** the whole stage: CSR load, tables, per-query kernels and writes, manifest */
  wallSeconds: number;
  tableSeconds: number;
  featureSeconds: number;
  /** user + system CPU time of the whole stage (all threads): on a shared machine the steadier figure */
  cpuSeconds: number;
  maxRssMB: number;
}

/** Child mode: the features stage on one dataset, then its own peak RSS. */
async function child(dataDir: string, threads: number): Promise<ChildResult> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const r = await featuresStage({ dataDir, split: "valid", threads, command: ["bench"] });
  const wallSeconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  const ds = openDataset(dataDir);
  const edges = ds.manifest.splits.train.triples;
  ds.close();
  return { queries: r.queries, edges, wallSeconds, tableSeconds: r.tableSeconds, featureSeconds: r.featureSeconds, cpuSeconds: (used.user + used.system) / 1e6, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

function runChild(dataDir: string, threads: number, env: NodeJS.ProcessEnv): ChildResult {
  const r = spawnSync(process.execPath, [self, "--child", dataDir, String(threads)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env });
  if (r.status !== 0) throw new Error(`features child on ${dataDir} failed`);
  return JSON.parse(r.stdout) as ChildResult;
}

/** candidate MRR of every ranker on a dataset's valid split: [ranker, kind, MRR] */
function rankers(dataDir: string, modelsRoot: string): Array<[string, string, number]> {
  const ds = openDataset(dataDir);
  const q = ds.queries("valid");
  const inCsr = ds.adjacency("in");
  if (!q?.correctIndex) throw new Error(`${dataDir}: valid has no answers`);
  const scores = new Float32Array(q.candidates.length); // shape: [Q, K]
  for (let i = 0; i < scores.length; i++) scores[i] = inCsr.indptr[q.candidates[i]! + 1]! - inCsr.indptr[q.candidates[i]!]!;
  const rows: Array<[string, string, number]> = [["popularity (train in-degree)", "baseline", candidateMrr(scores, q.correctIndex).mrr]];
  for (const f of PRIOR_FEATURES) {
    const s = readNpyFloat32(join(ds.dir, "features", featureFileName("valid", f.name))).data;
    rows.push([f.name, f.candidateListLeakage ? "feature (candidate-list leakage)" : "feature", candidateMrr(s, q.correctIndex).mrr]);
  }
  const modelDir = join(modelsRoot, ds.name);
  if (existsSync(modelDir)) {
    for (const m of readdirSync(modelDir).sort()) {
      const path = join(modelDir, m, "scores-valid.npy");
      if (existsSync(path)) rows.push([`model ${m}`, "model", candidateMrr(readNpyFloat32(path).data, q.correctIndex).mrr]);
    }
  }
  ds.close();
  return rows;
}

/**
 * Peak memory on WikiKG90M's test split by component, over the query phase (after the build the
 * tables hold the CSR neighbor arrays only): entries per edge of the relation profiles are measured
 * on `dir`, the list-count ratio (0.14 of Q x K kept) is the synthetic default's (unknown on
 * WikiKG90M). The same model at `dir`'s sizes is printed beside its measured peak RSS.
 */
function memoryModel(dir: string, threads: number, measuredMB: number): void {
  const ds = openDataset(dir);
  const E = ds.numEntities;
  let entries = 0;
  for (const d of ["out", "in"] as const) {
    const csr = ds.adjacency(d);
    const seen = new Int32Array(ds.numRelations).fill(-1); // [R] last entity that had the relation
    for (let e = 0; e < E; e++) {
      for (let k = csr.indptr[e]!; k < csr.indptr[e + 1]!; k++) {
        const r = csr.relation[k]!;
        if (seen[r] !== e) entries++;
        seen[r] = e;
      }
    }
  }
  const edges = ds.manifest.splits.train.triples;
  const q = ds.manifest.splits.valid;
  ds.close();
  const perEdge = entries / edges;
  const GB = 1e9;
  const parts = (n: number, m: number, queries: number, K: number): Array<[string, number]> => [
    ["CSR neighbor arrays, both directions (4 B x 2 x edges)", (8 * m) / GB],
    ["node records (16 B x entities)", (16 * n) / GB],
    [`relation profiles (8 B x ${perEdge.toFixed(3)} entries per edge, measured)`, (8 * perEdge * m) / GB],
    ["candidates, whole split (4 B x Q x K)", (4 * queries * K) / GB],
    ["list counts (8 B x 0.14 x Q x K, synthetic default's ratio)", (8 * 0.14 * queries * K) / GB],
    [`per-thread marks + bits (16.25 B x entities x ${threads})`, (16.25 * n * threads) / GB],
    ["output buffers (2 x 14 x 2,048 x K x 4 B)", (2 * 14 * 2048 * K * 4) / GB],
  ];
  const here = parts(E, edges, q.queries, q.candidatesPerQuery).reduce((a, [, b]) => a + b, 0);
  const wiki = parts(WIKIKG.entities, WIKIKG.triples, WIKIKG.testQueries, WIKIKG.candidates);
  const total = wiki.reduce((a, [, b]) => a + b, 0);
  const overhead = Math.max(0, measuredMB / 1024 - here); // Node, V8 heap, code, the rest
  process.stderr.write(`\nmemory model at ${dir}: ${here.toFixed(2)} GB vs measured peak RSS ${(measuredMB / 1024).toFixed(2)} GB (the rest, ${overhead.toFixed(2)} GB, taken as fixed overhead)\n`);
  for (const [what, gb] of wiki) process.stderr.write(`  WikiKG90M ${what}: ${gb.toFixed(2)} GB\n`);
  process.stderr.write(`  total ${total.toFixed(2)} + ${overhead.toFixed(2)} overhead = ${(total + overhead).toFixed(2)} GB\n`);
  emit("features: relation-profile entries per training edge", { from: dir }, perEdge, "entries/edge");
  emit("extrapolated WikiKG90M test split, peak memory (model, query phase)", { threads, assumes: "list counts 0.14 of Q x K; build phase also holds the CSR indptr and relation arrays" }, total + overhead, "GB");
  // the build phase: the JS CSR whole (indptr 8 B x entities, neighbor and relation 4 B x edges, both
  // directions) and the node records and profiles being built
  const build = (16 * WIKIKG.entities + 16 * WIKIKG.triples + 16 * WIKIKG.entities + 8 * perEdge * WIKIKG.triples) / GB;
  process.stderr.write(`  build phase: CSR ${((16 * WIKIKG.entities + 16 * WIKIKG.triples) / GB).toFixed(2)} + node records + profiles = ${build.toFixed(2)} + ${overhead.toFixed(2)} GB\n`);
  emit("extrapolated WikiKG90M, peak memory (model, table build)", { assumes: "whole CSR in memory while the tables are built" }, build + overhead, "GB");
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--child");
  if (at >= 0) {
    process.stdout.write(JSON.stringify(await child(process.argv[at + 1]!, Number(process.argv[at + 2]))));
    return;
  }
  const cli = benchArgs(USAGE, {
    work: { type: "string", default: join(tmpdir(), "kgc-bench-features") },
    models: { type: "string", default: "models" },
    quick: { type: "boolean", default: false },
    "no-fb15k": { type: "boolean", default: false },
    threads: { type: "string" },
  });
  const threads = Math.round(positive(USAGE, "threads", cli.threads ?? String(Math.min(2, availableParallelism()))));
  const work = resolve(cli.work);
  mkdirSync(work, { recursive: true });
  const env = { ...process.env, KGC_REGISTRY: join(work, "registry.sqlite") };

  // 1. rankers
  const datasets: Array<[string, string]> = [];
  const made = resolve("data/synth");
  if (existsSync(join(made, "manifest.json"))) datasets.push(["synth", made]);
  else {
    if (!existsSync(join(work, "data/synth/manifest.json"))) {
      kgc(["data", "synth", "--out", join(work, "raw/synth")], env);
      kgc(["data", "import", "--ogb", join(work, "raw/synth"), "--name", "synth", "--out", join(work, "data")], env);
    }
    datasets.push(["synth", join(work, "data/synth")]);
  }
  if (!cli["no-fb15k"]) {
    if (!existsSync(join(work, "data/fb15k237/manifest.json"))) kgc(["data", "import", "--tsv", FB15K, "--name", "fb15k237", "--out", join(work, "data"), "--candidates", "1000"], env);
    datasets.push(["fb15k237", join(work, "data/fb15k237")]);
  }
  const table = new Map<string, { kind: string; mrr: Map<string, number> }>();
  for (const [name, dir] of datasets) {
    const r = runChild(dir, threads, env);
    emit("features stage, valid split", { dataset: name, threads, queries: r.queries, edges: r.edges }, r.queries / r.featureSeconds, "queries/s");
    for (const [ranker, kind, mrr] of rankers(dir, resolve(cli.models))) {
      emit("ranker alone, valid candidate MRR", { dataset: name, ranker, kind }, mrr, "MRR");
      const row = table.get(ranker) ?? { kind, mrr: new Map<string, number>() };
      row.mrr.set(name, mrr);
      table.set(ranker, row);
    }
  }

  // 2. throughput on the largest synthetic graph, 2 threads and the 1-thread baseline
  const big = cli.quick ? { entities: 300_000, train: 2_000_000, valid: 4_000 } : { entities: 1_000_000, train: 8_000_000, valid: 10_000 };
  const bigName = `synth-${big.entities}-${big.train}`;
  const bigDir = join(work, "data", bigName);
  if (!existsSync(join(bigDir, "manifest.json"))) {
    kgc(["data", "synth", "--out", join(work, "raw", bigName), "--entities", String(big.entities), "--relations", "1000", "--train", String(big.train), "--valid", String(big.valid), "--test", "100", "--feature-dim", "8"], env);
    kgc(["data", "import", "--ogb", join(work, "raw", bigName), "--name", bigName, "--out", join(work, "data")], env);
  }
  const runs = new Map<number, ChildResult>();
  for (const t of threads === 1 ? [1] : [1, threads]) {
    const r = runChild(bigDir, t, env);
    runs.set(t, r);
    const config = { dataset: bigName, threads: t, queries: r.queries, candidates: 1001, edges: r.edges };
    emit("features: stage wall time (CSR load, tables, kernels, writes)", config, r.wallSeconds, "s");
    emit("features: tables (node records, profiles, R x R walks, list counts)", config, r.tableSeconds, "s");
    emit("features: per-query kernels + writes", config, r.featureSeconds, "s");
    emit("features: queries per second", config, r.queries / r.featureSeconds, "queries/s");
    emit("features: CPU time of the stage (all threads)", config, r.cpuSeconds, "s");
    emit("features: cores busy (CPU time / wall time)", config, r.cpuSeconds / r.wallSeconds, "cores");
    emit("features: peak RSS", config, r.maxRssMB, "MB");
  }
  const one = runs.get(1)!;
  const m = runs.get(threads)!;
  if (threads > 1) {
    // on a shared machine a thread may wait for a core: the CPU-time ratio says whether the threads
    // added work (1.0 = none), the wall-clock efficiency what this run actually got
    emit("features: parallel efficiency, stage wall time (T1 / (T x Tt))", { threads, from: bigName }, one.wallSeconds / (threads * m.wallSeconds), "ratio");
    emit("features: parallel efficiency, per-query phase", { threads, from: bigName }, one.featureSeconds / (threads * m.featureSeconds), "ratio");
    emit("features: CPU time at T threads / at 1 thread", { threads, from: bigName }, m.cpuSeconds / one.cpuSeconds, "ratio");
  }
  // everything but the per-query phase (CSR load, tables, list counts) scales with the edges, the
  // per-query phase with the queries (same candidates per query)
  const edgeScale = WIKIKG.triples / m.edges;
  const queryScale = WIKIKG.testQueries / m.queries;
  const fixed = m.wallSeconds - m.featureSeconds;
  const wallAt = fixed * edgeScale + m.featureSeconds * queryScale;
  process.stderr.write(`\nWikiKG90M test split, ${threads} threads, wall clock as measured: (${m.wallSeconds.toFixed(1)} - ${m.featureSeconds.toFixed(1)}) s x ${WIKIKG.triples} / ${m.edges} edges = ${(fixed * edgeScale).toFixed(0)} s; ` +
    `queries ${m.featureSeconds.toFixed(1)} s x ${WIKIKG.testQueries} / ${m.queries} = ${(m.featureSeconds * queryScale).toFixed(0)} s; total ${(wallAt / 60).toFixed(1)} min\n`);
  emit("extrapolated WikiKG90M test split, all features (wall clock as measured)", { threads, from: bigName, assumes: "non-query phases linear in edges, same per-query cost" }, wallAt / 60, "min");
  // the same by CPU time on 2 free cores, taking the 1-thread run's CPU (no waiting for cores; the
  // T-thread run's CPU ratio above says whether threads add work)
  const cpuScale = one.cpuSeconds / one.wallSeconds;
  const oneAt = (one.wallSeconds - one.featureSeconds) * edgeScale + one.featureSeconds * queryScale;
  const cpuAt = (oneAt * cpuScale) / 2;
  process.stderr.write(`by CPU time on 2 free cores: 1 thread extrapolated ${(oneAt / 60).toFixed(1)} min x ${cpuScale.toFixed(2)} cores busy / 2 = ${(cpuAt / 60).toFixed(1)} min\n`);
  emit("extrapolated WikiKG90M test split, all features (1-thread CPU time / 2 cores)", { from: bigName }, cpuAt / 60, "min");
  memoryModel(bigDir, threads, m.maxRssMB);
  process.stderr.write(`\n| ranker | kind | ${datasets.map(([n]) => n).join(" | ")} |\n|---|---|${datasets.map(() => "---:|").join("")}\n`);
  for (const [ranker, row] of table) {
    process.stderr.write(`| ${ranker} | ${row.kind} | ${datasets.map(([n]) => (row.mrr.has(n) ? row.mrr.get(n)!.toFixed(4) : "–")).join(" | ")} |\n`);
  }
}

await main();
