/**
 * DeepWalk throughput and quality beside gensim's Word2Vec, in the same run on the SAME walks:
 * kgc writes its walk corpus (walk w = f(seed, w)) to a file, gensim 4.2 (/usr/bin/python3,
 * bench/gensim-word2vec.py) trains skip-gram on it with the same settings (sg, negative sampling,
 * window, epochs, alpha -> min_alpha, sample 0), and kgc trains on the same walks regenerated in
 * its threads. Both at 1 thread / 1 worker (per core) unless --threads. Reported: walk generation
 * walks/s, training walks/s and (centre, context) pairs/s of each, and each embedding alone as a
 * ranker of the valid candidates (OGB top-10 MRR; dot and cosine). kgc and gensim alternate
 * --repeats times (the machine is shared: the ratio of neighbouring runs is the steadier figure).
 * One JSON line each.
 *
 *   node dist/bench/deepwalk.bench.js [--data data/synth] [--quick] [--threads 1] [--epochs 1] [--repeats 2]
 *   (no --data: a synthetic dataset of --entities entities and 20 triples each is generated in a temp folder)
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeWalks } from "../src/backends/native/walk-binding.js";
import { openDataset } from "../src/data/dataset.js";
import { candidateMrr, ogbMrr, topK } from "../src/eval/ogb-metric.js";
import { DEEPWALK_DEFAULTS, normaliseRows, trainDeepwalk, type DeepwalkOptions } from "../src/features/deepwalk.js";
import { walkGraph } from "../src/features/walk-graph.js";
import { readNpyFloat32 } from "../src/io/npy.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/deepwalk.bench.js [--data DIR] [--entities 20000] [--quick] [--threads 1] [--epochs 1] [--walks-per-node 10] [--dim 128] [--repeats 2] [--no-gensim]";
const cli = benchArgs(USAGE, {
  data: { type: "string" }, entities: { type: "string", default: "20000" }, quick: { type: "boolean", default: false },
  threads: { type: "string", default: "1" }, epochs: { type: "string", default: "1" }, "walks-per-node": { type: "string" },
  dim: { type: "string", default: "128" }, repeats: { type: "string", default: "2" }, "no-gensim": { type: "boolean", default: false },
});
const KGC = join(import.meta.dirname, "../src/cli/kgc.js");
const GENSIM = join(import.meta.dirname, "../../bench/gensim-word2vec.py");
const tmp = mkdtempSync(join(tmpdir(), "kgc-deepwalk-bench-"));

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

function kgc(...a: string[]): void {
  const r = spawnSync(process.execPath, [KGC, ...a], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, KGC_REGISTRY: join(tmp, "registry.sqlite") } });
  if (r.status !== 0) throw new Error(`kgc ${a.join(" ")} failed (exit ${r.status})`);
}

function syntheticDataset(entities: number): string {
  kgc("data", "synth", "--out", join(tmp, "raw"), "--entities", String(entities), "--relations", "50", "--train", String(entities * 20),
    "--valid", "2000", "--test", "10", "--feature-dim", "4", "--seed", "42");
  kgc("data", "import", "--ogb", join(tmp, "raw"), "--name", "synth-bench", "--out", join(tmp, "data"));
  return join(tmp, "data", "synth-bench");
}

/** The walk corpus as text (one walk per line), written in chunks; returns walks/s of generation alone. */
async function writeWalks(path: string, graph: ReturnType<typeof walkGraph>, o: DeepwalkOptions): Promise<number> {
  const total = o.walksPerNode * graph.numNodes, chunk = 20000;
  const out = createWriteStream(path);
  let genMs = 0;
  for (let first = 0; first < total; first += chunk) {
    const n = Math.min(chunk, total - first);
    const t0 = performance.now();
    const walks = nativeWalks(graph, o.seed, o.walkLength, first, n);
    genMs += performance.now() - t0;
    const lines: string[] = [];
    for (let w = 0; w < n; w++) {
      const row = Array.from(walks.subarray(w * o.walkLength, (w + 1) * o.walkLength));
      const end = row.indexOf(-1);
      lines.push((end === -1 ? row : row.slice(0, end)).join(" "));
    }
    if (!out.write(lines.join("\n") + "\n")) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return total / (genMs / 1000);
}

/** OGB top-10 MRR and full candidate MRR of <h, c> (or cos) over the valid queries. */
function candidateQuality(dataDir: string, embedding: Float32Array, dim: number, cosine: boolean): { ogb: number; mrr: number } {
  const e = cosine ? normaliseRows(Float32Array.from(embedding), dim) : embedding;
  const ds = openDataset(dataDir);
  try {
    const q = ds.queries("valid");
    if (!q || !q.correctIndex) throw new Error(`${dataDir}: no answered valid queries`);
    const K = q.width;
    const scores = new Float32Array(q.head.length * K); // shape: [Q, K]
    for (let i = 0; i < q.head.length; i++) {
      const h = q.head[i]! * dim;
      for (let j = 0; j < K; j++) {
        const c = q.candidates[i * K + j]! * dim;
        let s = 0;
        for (let k = 0; k < dim; k++) s += e[h + k]! * e[c + k]!;
        scores[i * K + j] = s;
      }
    }
    return { ogb: ogbMrr(topK(scores, 10, K), q.correctIndex, K).mrr, mrr: candidateMrr(scores, q.correctIndex).mrr };
  } finally {
    ds.close();
  }
}

try {
  const dataDir = cli.data ?? syntheticDataset(Math.round(positive(USAGE, "entities", cli.quick ? "5000" : cli.entities)));
  const threads = Math.round(positive(USAGE, "threads", cli.threads));
  const repeats = Math.round(positive(USAGE, "repeats", cli.repeats));
  const o: DeepwalkOptions = {
    ...DEEPWALK_DEFAULTS, threads, seed: 1, epochs: Math.round(positive(USAGE, "epochs", cli.epochs)), dim: Math.round(positive(USAGE, "dim", cli.dim)),
    walksPerNode: Math.round(positive(USAGE, "walks-per-node", cli["walks-per-node"] ?? (cli.quick ? "4" : "10"))),
  };
  const ds = openDataset(dataDir);
  const graph = walkGraph(ds);
  const config = { dataset: ds.name, entities: ds.numEntities, edges: graph.out.neighbor.length, walkLength: o.walkLength, walksPerNode: o.walksPerNode, window: o.window, dim: o.dim, negatives: o.negatives, epochs: o.epochs, threads };
  ds.close();

  const walksFile = join(tmp, "walks.txt");
  emit("walk generation (native, 1 thread)", config, await writeWalks(walksFile, graph, o), "walks/s");

  const gensimRun = (): { embedding: Float32Array; r: { vocab_seconds: number; train_seconds: number; words: number; walks: number } } => {
    const vecPath = join(tmp, "gensim.npy");
    const g = spawnSync("/usr/bin/python3", [GENSIM, walksFile, vecPath, String(graph.numNodes), String(o.dim), String(o.window), String(o.negatives), String(o.epochs), String(o.lr), String(o.minLr), "1", String(threads)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (g.status !== 0) throw new Error(`gensim baseline failed (exit ${g.status})`);
    return { r: JSON.parse(g.stdout.trim().split("\n").pop()!) as { vocab_seconds: number; train_seconds: number; words: number; walks: number }, embedding: readNpyFloat32(vecPath).data };
  };
  // kgc and gensim alternate, so a change of load on the shared machine hits both
  let kgcEmbedding: Float32Array = new Float32Array(0), gensimEmbedding: Float32Array | null = null;
  for (let rep = 0; rep < repeats; rep++) {
    const k = await trainDeepwalk(graph, o);
    kgcEmbedding = k.embedding;
    const c = { ...config, rep };
    emit("kgc skip-gram training", c, k.walks / k.trainSeconds, "walks/s");
    emit("kgc skip-gram training", c, k.pairs / k.trainSeconds, "pairs/s");
    emit("kgc skip-gram training", c, k.tokens / k.trainSeconds, "words/s");
    emit("kgc occurrence count + training", c, k.seconds, "s");
    if (cli["no-gensim"]) continue;
    const { r, embedding } = gensimRun();
    gensimEmbedding = embedding;
    // the same corpus and window rule: gensim trains the same number of pairs in expectation
    emit("gensim Word2Vec training", c, (r.walks * o.epochs) / r.train_seconds, "walks/s");
    emit("gensim Word2Vec training", c, k.pairs / r.train_seconds, "pairs/s");
    emit("gensim Word2Vec training", c, (r.words * o.epochs) / r.train_seconds, "words/s");
    emit("gensim build_vocab + training", c, r.vocab_seconds + r.train_seconds, "s");
    emit("kgc / gensim training speed", c, r.train_seconds / k.trainSeconds, "ratio");
  }
  for (const [who, e] of [["kgc", kgcEmbedding], ["gensim", gensimEmbedding]] as const) {
    if (!e) continue;
    for (const cosine of [false, true]) {
      const q = candidateQuality(dataDir, e, o.dim, cosine);
      emit(`${who} DeepWalk alone, valid OGB MRR (${cosine ? "cosine" : "dot"})`, config, q.ogb, "MRR");
      emit(`${who} DeepWalk alone, valid candidate MRR (${cosine ? "cosine" : "dot"})`, config, q.mrr, "MRR");
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
