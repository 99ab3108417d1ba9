/**
 * Scoring at scale (one JSON line per measurement on stdout): `kgc score` memory-maps entity.npy and
 * reads candidate rows per chunk, so neither the entity table nor the split's candidate table has
 * to fit in the process.
 *
 * 1. paths: on one trained model, in this process, the table read into memory (loadTrainedModel)
 *    against the table memory-mapped (what score and eval do), interleaved (memory, mapped, memory,
 *    mapped); load seconds and scores/s of the test split, 1 thread, for a small model and the
 *    large one.
 * 2. the CLI: `kgc score --shard i/n` of the large model under GNU time, polling the child's
 *    /proc status: peak RSS (mapped file pages included: they are page cache, the kernel reclaims
 *    them), peak anonymous RSS (the process's own memory), both against entity.npy's size;
 *    scores/s and the extrapolated time for WikiKG90M's 1.36M x 1,001 test candidates.
 *
 * 3. the disk under the mapping: entity.npy's pages evicted (dd iflag=nocache), then random 4 KB
 *    reads (what a page fault on a mapped row costs when the table is larger than the page cache)
 *    and sequential 16 MB reads, 5 s each; with them, the same extrapolation when the table does
 *    not fit in the page cache (WikiKG90M: 70 GB against ~20 GB of cache, uniform candidates).
 *
 * Datasets (`kgc data synth`, feature width 4) and models (TransE-L2, d = 200; the large one
 * trained out of core under --memory-gb 1, a few hundred steps: the figures are about I/O and
 * compute, not accuracy) are made in --work and reused when present.
 *
 *   node dist/bench/score-scale.bench.js [--work DIR] [--entities N] [--queries Q] [--shards n] [--reps K]
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeBackend } from "../src/backends/index.js";
import { openDataset } from "../src/data/dataset.js";
import { scoreCandidateQueries } from "../src/eval/candidate-scoring.js";
import { DatasetFiles } from "../src/io/manifest.js";
import { SCORE_CHUNK } from "../src/eval/score.js";
import { loadTrainedModel, readModelConfig } from "../src/train/trained-model.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/score-scale.bench.js [--work DIR] [--entities N] [--queries Q] [--shards n] [--reps K]";
const cli = benchArgs(USAGE, { work: { type: "string" }, entities: { type: "string" }, queries: { type: "string" }, shards: { type: "string" }, reps: { type: "string" } });
const KGC = fileURLToPath(new URL("../src/cli/kgc.js", import.meta.url));
const work = cli.work ?? "/tmp/kgc-bench-score-scale";
const bigE = positive(USAGE, "entities", cli.entities ?? "4000000");
const queries = positive(USAGE, "queries", cli.queries ?? "40000");
const shards = positive(USAGE, "shards", cli.shards ?? "2");
const reps = positive(USAGE, "reps", cli.reps ?? "2");
const DIM = 200, K = 1001;
const WIKIKG90M_TEST = 1_359_303;
const env = { ...process.env, KGC_REGISTRY: join(work, "registry.sqlite") };

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value: Number(value.toPrecision(6)), unit }) + "\n");
}

function kgc(args: string[]): void {
  const r = spawnSync(process.execPath, [KGC, ...args], { cwd: work, encoding: "utf8", env });
  if (r.status !== 0) throw new Error(`kgc ${args.join(" ")} failed:\n${r.stderr}`);
}

/** A synthetic dataset and a TransE-L2 model on it (reused when present); returns [data, modelDir]. */
function model(name: string, entities: number, extra: string[]): [string, string] {
  const data = `data/${name}`, dir = `models/${name}/transe-l2`;
  if (!existsSync(join(work, data, "manifest.json"))) {
    if (!existsSync(join(work, `raw-${name}`, "meta.json"))) {
      kgc(["data", "synth", "--out", `raw-${name}`, "--entities", String(entities), "--relations", "100", "--train", String(entities), "--valid", "2000", "--test", String(queries), "--candidates", String(K), "--feature-dim", "4", "--seed", "7", "--force"]);
    }
    kgc(["data", "import", "--ogb", `raw-${name}`, "--name", name, "--out", "data", "--force"]);
  }
  if (!existsSync(join(work, dir, "entity.npy"))) {
    kgc(["train", "--data", data, "--model", "transe-l2", "--dim", String(DIM), "--batch", "1000", "--negatives", "200", "--steps", "400", "--threads", "1", "--out", "models", "--force",
      "--set", "validEvery=0", "--set", "checkpointEvery=0", "--set", "checkpointMinutes=0", ...extra]);
  }
  return [join(work, data), join(work, dir)];
}

/** Loads the model (read or mapped) and scores the test split on 1 thread; seconds of each. */
async function scoreInProcess(data: string, dir: string, mapped: boolean): Promise<{ load: number; score: number; checksum: number }> {
  const ds = openDataset(data);
  const rows = ds.queryRows("test")!;
  try {
    const t0 = performance.now();
    const m = loadTrainedModel(dir, ds, readModelConfig(dir), mapped ? 0 : Number.POSITIVE_INFINITY);
    const t1 = performance.now();
    let checksum = 0;
    await scoreCandidateQueries(nativeBackend(), m.tables, rows, 1, SCORE_CHUNK, ({ scores }) => {
      checksum += scores[0]! + scores[scores.length - 1]!;
    });
    return { load: (t1 - t0) / 1000, score: (performance.now() - t1) / 1000, checksum };
  } finally {
    rows.close();
    ds.close();
  }
}

async function comparePaths(label: string, data: string, dir: string): Promise<void> {
  const entityBytes = statSync(join(dir, "entity.npy")).size;
  const cfg = { model: label, entityBytes, queries, K, dim: DIM, threads: 1 };
  const runs: Record<"memory" | "mapped", { load: number; score: number; checksum: number }[]> = { memory: [], mapped: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const path of ["memory", "mapped"] as const) runs[path].push(await scoreInProcess(data, dir, path === "mapped"));
  }
  if (runs.memory.some((r) => r.checksum !== runs.mapped[0]!.checksum) || runs.mapped.some((r) => r.checksum !== runs.mapped[0]!.checksum)) throw new Error("the two paths scored differently");
  const best = (a: { load: number; score: number }[], k: "load" | "score"): number => Math.min(...a.map((r) => r[k]));
  for (const path of ["memory", "mapped"] as const) {
    emit(`load seconds (${path})`, cfg, best(runs[path], "load"), "s");
    emit(`scores per second (${path})`, cfg, (queries * K) / best(runs[path], "score"), "scores/s");
  }
  emit("scoring time ratio mapped/memory (load + score, the better of each)", cfg,
    (best(runs.mapped, "load") + best(runs.mapped, "score")) / (best(runs.memory, "load") + best(runs.memory, "score")), "ratio");
}

/** kB fields of /proc/<pid>/status, or null when the process is gone. */
function procStatus(pid: number): Record<string, number> | null {
  try {
    const out: Record<string, number> = {};
    for (const m of readFileSync(`/proc/${pid}/status`, "utf8").matchAll(/^(\w+):\s+(\d+) kB$/gm)) out[m[1]!] = Number(m[2]);
    return out;
  } catch {
    return null;
  }
}

/** `kgc score --shard i/n` under GNU time, its node child's RssAnon / RssFile polled every 50 ms. */
async function scoreShard(data: string, dir: string, index: number): Promise<{ seconds: number; scoreSeconds: number; rssKb: number; anonKb: number; fileKb: number }> {
  const args = ["-f", "TIME %M %e", process.execPath, KGC, "score", "--model-dir", dir, "--data", data, "--split", "test", "--threads", "1", "--shard", `${index}/${shards}`];
  const child = spawn("/usr/bin/time", args, { cwd: work, env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "", anonKb = 0, fileKb = 0;
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const poll = setInterval(() => {
    let children = "";
    try {
      children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim();
    } catch {
      return;
    }
    const s = children ? procStatus(Number(children.split(" ")[0])) : null;
    if (s) {
      anonKb = Math.max(anonKb, s["RssAnon"] ?? 0);
      fileKb = Math.max(fileKb, s["RssFile"] ?? 0);
    }
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(poll);
  const m = /TIME (\d+) ([\d.]+)\s*$/.exec(stderr);
  const stage = /scored \d+ queries x \d+ candidates in ([\d.]+) s/.exec(stderr);
  if (code !== 0 || !m || !stage) throw new Error(`kgc score --shard ${index}/${shards} failed:\n${stderr}`);
  return { seconds: Number(m[2]), scoreSeconds: Number(stage[1]), rssKb: Number(m[1]), anonKb, fileKb };
}

/** Evicts `path` from the page cache, then reads it for `seconds`: random 4 KB blocks or sequential 16 MB chunks; reads/s and MB/s. */
function coldReads(path: string, random: boolean, seconds: number): { perSecond: number; mbPerSecond: number } {
  const evict = spawnSync("dd", [`if=${path}`, "iflag=nocache", "count=0"], { encoding: "utf8" });
  if (evict.status !== 0) throw new Error(`dd iflag=nocache failed: ${evict.stderr}`);
  const size = statSync(path).size;
  const block = random ? 4096 : 16 << 20;
  const buf = Buffer.allocUnsafe(block);
  const fd = openSync(path, "r");
  let reads = 0, bytes = 0, offset = 0;
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < seconds * 1000 && (random || offset < size)) {
      const at = random ? Math.floor(Math.random() * Math.floor(size / block)) * block : offset;
      const n = readSync(fd, buf, 0, block, at);
      offset += n;
      bytes += n;
      reads++;
    }
  } finally {
    closeSync(fd);
  }
  const s = (performance.now() - t0) / 1000;
  return { perSecond: reads / s, mbPerSecond: bytes / s / 1e6 };
}

mkdirSync(work, { recursive: true });
const [smallData, smallDir] = model("small", 100_000, []);
const [bigData, bigDir] = model("big", bigE, ["--memory-gb", "1"]);

// 1. the two loading paths, same model, same process, interleaved
await comparePaths("small (100k entities)", smallData, smallDir);
await comparePaths(`large (${bigE} entities)`, bigData, bigDir);

// 2. the CLI, sharded, peak memory against the table
const entityBytes = statSync(join(bigDir, "entity.npy")).size;
const candidateBytes = statSync(join(bigData, DatasetFiles.candidates("test"))).size;
let rate = 0;
for (let i = 0; i < Math.min(shards, 2); i++) {
  const r = await scoreShard(bigData, bigDir, i);
  const shardQueries = Math.floor(queries / shards) + (i < queries % shards ? 1 : 0);
  const cfg = { entities: bigE, dim: DIM, queries: shardQueries, K, shard: `${i}/${shards}`, threads: 1, entityGb: entityBytes / 1e9, candidateGb: candidateBytes / 1e9 };
  emit("kgc score --shard: whole command", cfg, r.seconds, "s");
  emit("kgc score --shard: scores per second (whole command)", cfg, (shardQueries * K) / r.seconds, "scores/s");
  emit("kgc score --shard: scores per second (the stage's scoring loop)", cfg, (shardQueries * K) / r.scoreSeconds, "scores/s");
  emit("kgc score --shard: peak RSS (GNU time; mapped file pages included)", cfg, (r.rssKb * 1024) / 1e9, "GB");
  emit("kgc score --shard: peak anonymous RSS (polled)", cfg, (r.anonKb * 1024) / 1e9, "GB");
  emit("kgc score --shard: peak file-backed RSS (polled)", cfg, (r.fileKb * 1024) / 1e9, "GB");
  emit("kgc score --shard: peak anonymous RSS / entity.npy", cfg, (r.anonKb * 1024) / entityBytes, "ratio");
  rate = Math.max(rate, (shardQueries * K) / r.scoreSeconds);
}
const cores = 2;
const wiki = { rate, queries: WIKIKG90M_TEST, K };
emit("extrapolated: WikiKG90M test scoring, 1.36M x 1,001 at d = 200, TransE-L2, 1 core (candidate rows in the page cache)", wiki, (WIKIKG90M_TEST * K) / rate / 3600, "h");
emit(`extrapolated: the same with --shard i/${cores} on ${cores} cores of one machine`, wiki, (WIKIKG90M_TEST * K) / rate / cores / 3600, "h");

// 3. the disk when the table does not fit in the page cache
const entityPath = join(bigDir, "entity.npy");
const randomReads = coldReads(entityPath, true, 5);
const sequential = coldReads(entityPath, false, 5);
emit("cold random 4 KB reads of entity.npy (1 thread)", { entityGb: entityBytes / 1e9 }, randomReads.perSecond, "reads/s");
emit("cold sequential 16 MB reads of entity.npy", { entityGb: entityBytes / 1e9 }, sequential.mbPerSecond, "MB/s");
const missShare = 1 - 20 / 70; // WikiKG90M's 70 GB table against ~20 GB of page cache, candidates uniform over the entities
const pagesPerRow = 1 + (DIM * 4) / 4096; // a row of 800 bytes straddles two 4 KB pages one time in ~5
const perCore = 1 / (1 / rate + (missShare * pagesPerRow) / randomReads.perSecond);
emit("extrapolated: WikiKG90M test scoring when the table exceeds the page cache (uniform candidates, a fault per missed page), 1 core", { ...wiki, missShare, pagesPerRow, readsPerSecond: randomReads.perSecond }, (WIKIKG90M_TEST * K) / perCore / 3600, "h");
