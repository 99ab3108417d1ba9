/**
 * Training throughput of the native engine (positive triples per second) for every registered
 * model at d = 200: B = 1000 / N = 1000 and B = 1024 / N = 256, 1 and 2 threads, shallow and
 * concat encoders, next to the PyTorch reference trainer (../shared/bench/torch_kge.py, Debian
 * python3-torch with jemalloc, 2 threads) measured in the same run. One JSON line per measurement
 * on stdout ({what, config, value, unit}); a summary table on stderr.
 *
 * Then (not in --quick) a learning sanity check: 1000 steps on Kinship, Nations and UMLS, filtered
 * test MRR next to a random model's.
 *
 *   node dist/bench/train.bench.js [--quick] [--models a,b] [--seconds S] [--no-baseline] [--no-accuracy]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { nativeBackend, type TrainJob } from "../src/backends/index.js";
import { nativeBuildInfo, nativePeakFlops } from "../src/backends/native/binding.js";
import { Rng } from "../src/core/rng.js";
import { randomTriples } from "./random-triples.js";
import { newCounters } from "../src/train/checkpoint.js";
import { getInteraction, interactionNames } from "../src/models/registry.js";
import { createTables, type EncoderKind } from "../src/train/tables.js";
import { shortRun } from "./accuracy.js";
import { parseTrainConfig } from "../src/models/config.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/train.bench.js [--quick] [--models a,b] [--seconds S] [--no-baseline] [--no-accuracy]";
const cli = benchArgs(USAGE, {
  quick: { type: "boolean", default: false }, models: { type: "string" }, seconds: { type: "string" },
  "no-baseline": { type: "boolean", default: false }, "no-accuracy": { type: "boolean", default: false },
});
const quick = cli.quick;
const seconds = positive(USAGE, "seconds", cli.seconds ?? (quick ? "1" : "3"));
const models = cli.models?.split(",") ?? (quick ? ["transe-l2", "rotate"] : interactionNames());
const settings = quick ? [{ B: 1000, N: 1000 }] : [{ B: 1000, N: 1000 }, { B: 1024, N: 256 }];
const encoders: EncoderKind[] = quick ? ["shallow"] : ["shallow", "concat"];
const threadCounts = [1, 2];
const DIM = 200;
// FB15k-237's shape; throughput does not depend on which triples they are
const E = 14541, R = 237, TRIPLES = 272115, FEAT = 768;

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value: Number(value.toPrecision(6)), unit }) + "\n");
}

const data = randomTriples(7, TRIPLES, E, R);
const rng = new Rng(8);
const features = (rows: number): { data: Uint16Array; dim: number } => ({ data: Uint16Array.from({ length: rows * FEAT }, () => 0x2000 + rng.int(0x1800)), dim: FEAT });
const entityFeatures = features(E), relationFeatures = features(R);

interface Measurement {
  posPerS: number;
  stepsPerS: number;
  /** positives per CPU-second of this process: independent of other load on the machine */
  posPerCpuS: number;
  /** CPU seconds per wall second this process got (<= threads; less when the machine is busy) */
  cores: number;
}

async function measure(model: string, B: number, N: number, encoder: EncoderKind, threads: number): Promise<Measurement> {
  const m = getInteraction(model);
  const config = parseTrainConfig({ model, dim: DIM, batch: B, negatives: N, encoder, steps: 1 });
  const tables = createTables({
    interaction: m, dim: DIM, block: config.block, gamma: config.gamma, encoder, numEntities: E, numRelations: R,
    entityFeatures: encoder === "concat" ? entityFeatures : null, relationFeatures: encoder === "concat" ? relationFeatures : null, seed: 1,
  }, config.optimizer);
  const backend = nativeBackend();
  const job: TrainJob = { tables, config: { ...config, threads }, data, known: null, counters: newCounters(threads, 1) };
  await backend.train(job, 2 * threads, 1); // warm-up: scratch buffers, page faults
  let steps = 0, chunk = threads;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const c0 = performance.now();
    steps += (await backend.train(job, chunk, 1)).steps;
    chunk = Math.max(threads, Math.round((chunk / Math.max((performance.now() - c0) / 1000, 1e-3)) * 0.25));
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { stepsPerS: steps / s, posPerS: (steps * B) / s, posPerCpuS: (steps * B) / cpuS, cores: cpuS / s };
}

const TORCH_NAME: Record<string, string> = { "transe-l2": "TransE_l2", "transe-l1": "TransE_l1", rotate: "RotatE", distmult: "DistMult", complex: "ComplEx" };

function torchBaseline(model: string, B: number, N: number): number | null {
  const script = process.env["KGC_TORCH_BENCH"] ?? fileURLToPath(new URL("../../../shared/bench/torch_kge.py", import.meta.url));
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
  if (!existsSync(script)) return null;
  const env = { ...process.env, ...(existsSync(jemalloc) ? { LD_PRELOAD: jemalloc } : {}) };
  const r = spawnSync(python, [script, "--mode", "bench", "--model", TORCH_NAME[model]!, "--dim", String(DIM), "--batch", String(B), "--neg", String(N),
    "--opt", "adagrad", "--lr", "0.1", "--threads", "2", "--warmup-steps", "1", "--bench-s", String(quick ? 4 : 10)], { env, encoding: "utf8" });
  const match = /pos_triples\/s=(\d+)/.exec(r.stdout ?? "");
  if (!match) {
    process.stderr.write(`torch baseline ${model} failed: ${(r.stderr ?? "").split("\n").slice(-3).join(" ")}\n`);
    return null;
  }
  return Number(match[1]);
}

const build = nativeBuildInfo();
const peak = nativePeakFlops(0.5);
emit("peak fp32 FLOP/s of one core (FMA chains, measured now)", { simd: build.simd }, peak, "FLOP/s");
const rows: string[] = [];
const ours = new Map<string, number>();
for (const model of models) {
  for (const { B, N } of settings) {
    for (const encoder of encoders) {
      for (const threads of threadCounts) {
        const r = await measure(model, B, N, encoder, threads);
        const config = { model, dim: DIM, batch: B, negatives: N, encoder, threads, gemm: build.gemm };
        emit("kgc train throughput", config, r.posPerS, "pos_triples/s");
        emit("kgc train throughput per CPU-second", config, r.posPerCpuS, "pos_triples/cpu_s");
        emit("CPU cores obtained", config, r.cores, "cores");
        const blockFlops = 6 * B * N * DIM * r.stepsPerS; // forward + two backward passes over the B x N x d block
        emit("B x N x d block FLOP fraction of peak", config, blockFlops / (peak * threads), "fraction");
        ours.set(`${model}/${B}/${N}/${encoder}/${threads}`, r.posPerS);
        const scaling = threads === 2 ? ` scaling ${(r.posPerS / ours.get(`${model}/${B}/${N}/${encoder}/1`)!).toFixed(2)}x` : "";
        const perCpu = `${Math.round(r.posPerCpuS)} pos/cpu-s on ${r.cores.toFixed(2)} cores`;
        rows.push(`${model.padEnd(10)} B=${B} N=${N} ${encoder.padEnd(7)} T=${threads}: ${Math.round(r.posPerS).toString().padStart(8)} pos/s, ${(blockFlops / 1e9).toFixed(1)} GFLOP/s (${((100 * blockFlops) / (peak * threads)).toFixed(0)}% of peak), ${perCpu}${scaling}`);
        if (threads === 2) emit("thread scaling 1 -> 2", { model, dim: DIM, batch: B, negatives: N, encoder }, r.posPerS / ours.get(`${model}/${B}/${N}/${encoder}/1`)!, "ratio");
      }
    }
  }
}
if (!cli["no-baseline"]) {
  for (const model of models.filter((m) => TORCH_NAME[m])) {
    for (const { B, N } of settings) {
      const base = torchBaseline(model, B, N);
      if (base === null) continue;
      const config = { model, dim: DIM, batch: B, negatives: N, threads: 2, optimizer: "sparse adagrad" };
      emit("pytorch reference throughput", config, base, "pos_triples/s");
      const mine = ours.get(`${model}/${B}/${N}/shallow/2`)!;
      emit("kgc / pytorch speed-up (shallow, 2 threads each)", config, mine / base, "ratio");
      rows.push(`${model.padEnd(10)} B=${B} N=${N} pytorch T=2: ${Math.round(base).toString().padStart(8)} pos/s -> kgc ${(mine / base).toFixed(1)}x`);
    }
  }
}
if (!quick && !cli["no-accuracy"]) {
  const root = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
  for (const ds of ["Kinship", "Nations", "UMLS"]) {
    if (!existsSync(root + ds)) continue;
    for (const model of ["rotate", "note", "transe-l2"]) {
      const r = await shortRun(root + ds, model, 1000, 2);
      const config = { dataset: ds, model, dim: 200, batch: 512, negatives: 128, steps: 1000, threads: 2 };
      emit("filtered test MRR after a short run", config, r.mrr, "mrr");
      emit("filtered test MRR of a random model", config, r.random, "mrr");
      rows.push(`${ds.padEnd(8)} ${model.padEnd(10)} 1000 steps (${r.seconds.toFixed(1)} s): filtered test MRR ${r.mrr.toFixed(3)} (random ${r.random.toFixed(3)})`);
    }
  }
}
process.stderr.write(`\nkgc train throughput (gemm: ${build.gemm}, simd: ${build.simd}, peak ${(peak / 1e9).toFixed(0)} GFLOP/s per core)\n${rows.join("\n")}\n`);
