/**
 * Out-of-core training at scale, through the CLI (one JSON line per measurement on stdout):
 *
 * 1. accuracy: on a copy small enough for both modes (`kgc data synth`, default 20k entities,
 *    400k triples), TransE-L2 trained in memory and out of core (--partitions 4 --buffer 2) for
 *    the same number of epochs; OGB candidate MRR on the validation queries of each.
 * 2. throughput: on the large set (default 1M entities, 10M triples, d = 200), in-memory and
 *    out-of-core runs interleaved (mem, ooc, mem, ooc), one epoch each; positives/s as the
 *    trainer reports it (out of core: swaps, bucket reads and remaps included; bucketing and
 *    initialisation excluded, they are reported apart) and the wall time of the whole command.
 * 3. memory: peak RSS (GNU time) of the out-of-core run under --memory-gb G against G, and of
 *    the in-memory run beside it.
 *
 * Datasets are generated into --work (reused when present). The machine is shared: figures are
 * noisy, hence the interleaving.
 *
 *   node dist/bench/scale.bench.js [--work DIR] [--entities N] [--triples N] [--memory-gb G] [--epochs E] [--threads T]
 *     [--big-steps S (default: one epoch of the large set)] [--reps K (default 2)] [--skip-small]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/scale.bench.js [--work DIR] [--entities N] [--triples N] [--memory-gb G] [--epochs E] [--threads T] [--dim D] [--big-steps S] [--reps K] [--skip-small]";
const cli = benchArgs(USAGE, {
  work: { type: "string" }, entities: { type: "string" }, triples: { type: "string" }, "memory-gb": { type: "string" },
  epochs: { type: "string" }, threads: { type: "string" }, dim: { type: "string" }, "big-steps": { type: "string" }, reps: { type: "string" }, "skip-small": { type: "boolean", default: false },
});
const KGC = fileURLToPath(new URL("../src/cli/kgc.js", import.meta.url));
const work = cli.work ?? "/tmp/kgc-bench-scale";
const bigE = positive(USAGE, "entities", cli.entities ?? "1000000");
const bigN = positive(USAGE, "triples", cli.triples ?? "10000000");
const memoryGb = positive(USAGE, "memory-gb", cli["memory-gb"] ?? "1");
const epochs = positive(USAGE, "epochs", cli.epochs ?? "5");
const threads = cli.threads ?? "2";
const dim = cli.dim ?? "200";
const B = 1000;
const reps = positive(USAGE, "reps", cli.reps ?? "2");

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value: Number(value.toPrecision(6)), unit }) + "\n");
}

interface Run {
  stderr: string;
  stdout: string;
  rssGb: number;
  seconds: number;
}

/** Runs kgc under GNU time; fails loudly on a non-zero exit. */
function kgc(args: string[]): Run {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %M %e", process.execPath, KGC, ...args], { cwd: work, encoding: "utf8", env: { ...process.env, KGC_REGISTRY: join(work, "registry.sqlite") } });
  const m = /TIME (\d+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`kgc ${args.join(" ")} failed:\n${r.stderr}`);
  return { stderr: r.stderr, stdout: r.stdout, rssGb: (Number(m[1]) * 1024) / 1e9, seconds: Number(m[2]) };
}

function dataset(name: string, entities: number, triples: number): string {
  if (!existsSync(join(work, "data", name, "manifest.json"))) {
    if (!existsSync(join(work, `raw-${name}`, "meta.json"))) kgc(["data", "synth", "--out", `raw-${name}`, "--entities", String(entities), "--relations", "100", "--train", String(triples), "--valid", "2000", "--test", "2000", "--candidates", "101", "--feature-dim", "4", "--force"]);
    kgc(["data", "import", "--ogb", `raw-${name}`, "--name", name, "--out", "data", "--force"]);
  }
  return `data/${name}`;
}

const trainTriples = (data: string): number => (JSON.parse(readFileSync(join(work, data, "manifest.json"), "utf8")) as { splits: { train: { triples: number } } }).splits.train.triples;

function train(data: string, out: string, steps: number, extra: string[]): Run & { posPerS: number } {
  const r = kgc(["train", "--data", data, "--model", "transe-l2", "--dim", dim, "--batch", String(B), "--negatives", "1000", "--threads", threads, "--steps", String(steps), "--out", out, "--force", "--set", "validEvery=0", "--set", "checkpointEvery=0", "--set", "checkpointMinutes=0", ...extra]);
  const m = /(\d+) positives\/s/.exec(r.stderr);
  return { ...r, posPerS: Number(m?.[1] ?? NaN) };
}

function mrr(data: string, modelDir: string): number {
  const r = kgc(["eval", "--model-dir", modelDir, "--data", data, "--split", "valid", "--protocol", "candidates", "--json"]);
  return (JSON.parse(r.stdout) as { candidates: { ogb: { mrr: number } } }).candidates.ogb.mrr;
}

mkdirSync(work, { recursive: true });
const ooc = ["--partitions", "4", "--buffer", "2"];

// 1. accuracy on the small copy, same epochs
if (!cli["skip-small"]) accuracyOnSmallCopy();
function accuracyOnSmallCopy(): void {
  const small = dataset("small", 20000, 400000);
  const smallSteps = Math.round((epochs * trainTriples(small)) / B);
  const smallCfg = { entities: 20000, triples: trainTriples(small), epochs, dim, B, N: 1000, threads, model: "transe-l2" };
  const memSmall = train(small, "m-mem", smallSteps, []);
  const oocSmall = train(small, "m-ooc", smallSteps, ooc);
  const mMem = mrr(small, "m-mem/small/transe-l2"), mOoc = mrr(small, "m-ooc/small/transe-l2");
  emit("valid MRR in memory", smallCfg, mMem, "mrr");
  emit("valid MRR out of core (P=4, C=2)", smallCfg, mOoc, "mrr");
  emit("valid MRR difference (ooc - memory)", smallCfg, mOoc - mMem, "mrr");
  emit("throughput ratio ooc/memory (small copy)", smallCfg, oocSmall.posPerS / memSmall.posPerS, "ratio");
}

// 2 + 3. throughput and memory on the large set, interleaved
const big = dataset("big", bigE, bigN);
const bigSteps = cli["big-steps"] ? positive(USAGE, "big-steps", cli["big-steps"]) : Math.round(trainTriples(big) / B); // default: one epoch
const bigCfg = { entities: bigE, triples: trainTriples(big), dim, B, N: 1000, threads, memoryGb, model: "transe-l2", steps: bigSteps };
const mem: Run[] = [], out: Run[] = [];
const memPos: number[] = [], oocPos: number[] = [];
for (let rep = 0; rep < reps; rep++) {
  const a = train(big, "m-mem", bigSteps, []);
  mem.push(a);
  memPos.push(a.posPerS);
  const b = train(big, "m-ooc", bigSteps, ["--memory-gb", String(memoryGb)]);
  out.push(b);
  oocPos.push(b.posPerS);
  if (rep === 0) {
    const plan = /out of core: (\d+) partitions, buffer (\d+)/.exec(b.stderr);
    emit("plan picked for the budget", { ...bigCfg, partitions: Number(plan?.[1]), buffer: Number(plan?.[2]) }, Number(plan?.[1]), "partitions");
  }
}
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
emit("in-memory positives/s", bigCfg, med(memPos), "pos/s");
emit("out-of-core positives/s", bigCfg, med(oocPos), "pos/s");
emit("throughput ratio ooc/memory (large)", { ...bigCfg, each: oocPos.map((p, i) => p / memPos[i]!) }, med(oocPos) / med(memPos), "ratio");
emit("in-memory wall time (whole command, --big-steps steps)", bigCfg, med(mem.map((r) => r.seconds)), "s");
emit("out-of-core wall time (whole command, --big-steps steps)", bigCfg, med(out.map((r) => r.seconds)), "s");
emit("out-of-core peak RSS", bigCfg, Math.max(...out.map((r) => r.rssGb)), "GB");
emit("out-of-core peak RSS within budget", bigCfg, Math.max(...out.map((r) => r.rssGb)) <= memoryGb ? 1 : 0, "bool");
emit("in-memory peak RSS", bigCfg, Math.max(...mem.map((r) => r.rssGb)), "GB");
