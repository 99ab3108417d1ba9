/**
 * Training throughput of the 1-N modes (1vsAll: each query against all 14,541 entities of
 * FB15k-237's shape) beside the shared-negative mode (B 1024, N 256) in the same run, per model,
 * d = 200, 1 thread, the two modes alternated `--rounds` times so both see the same machine load.
 * Reported as queries/s, scored (query, entity) pairs/s and the fraction of one core's measured
 * FMA peak that the scoring block's FLOPs (forward + two backward GEMM-shaped passes: 6 d per
 * pair) reach; and, from 1vsAll at B 512 and B 128, the per-step cost that does not scale with B
 * (the dense walk over the entity table: zeroing its gradient, updating every row). One JSON line
 * per measurement on stdout; a table on stderr.
 *
 *   node dist/bench/train-one-to-n.bench.js [--models distmult,complex,transe-l2,rotate] [--seconds 3] [--rounds 2]
 */
import { nativeBackend, type TrainJob } from "../src/backends/index.js";
import { nativeBuildInfo, nativePeakFlops } from "../src/backends/native/binding.js";
import { randomTriples } from "./random-triples.js";
import { parseTrainConfig, type TrainConfigInput } from "../src/models/config.js";
import { getInteraction } from "../src/models/registry.js";
import { newCounters } from "../src/train/checkpoint.js";
import { createTables } from "../src/train/tables.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/train-one-to-n.bench.js [--models distmult,complex,transe-l2,rotate] [--seconds 3] [--rounds 2]";
const cli = benchArgs(USAGE, { models: { type: "string", default: "distmult,complex,transe-l2,rotate" }, seconds: { type: "string", default: "3" }, rounds: { type: "string", default: "2" } });
const seconds = positive(USAGE, "seconds", cli.seconds);
const rounds = positive(USAGE, "rounds", cli.rounds);
const DIM = 200, E = 14541, R = 237, TRIPLES = 272115;

const data = randomTriples(7, TRIPLES, E, R);

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value: Number(value.toPrecision(6)), unit }) + "\n");
}

interface Mode {
  name: string;
  over: Partial<TrainConfigInput>;
  /** candidates each query is scored against */
  scored: number;
}
const MODES: Mode[] = [
  { name: "negatives B1024 N256", over: { batch: 1024, negatives: 256 }, scored: 257 },
  { name: "1vsAll B512", over: { batch: 512, negatives: 1, training: "1vsAll" }, scored: E },
  { name: "1vsAll B128", over: { batch: 128, negatives: 1, training: "1vsAll" }, scored: E },
];

/** Queries per second of `seconds` of training (after a warm-up step). */
async function queriesPerSecond(model: string, mode: Mode): Promise<number> {
  const m = getInteraction(model);
  const config = parseTrainConfig({ model, dim: DIM, steps: 1, threads: 1, ...mode.over });
  const tables = createTables({ interaction: m, dim: DIM, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: E, numRelations: R, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer);
  const backend = nativeBackend();
  const job: TrainJob = { tables, config, data, known: null, counters: newCounters(1, 1) };
  await backend.train(job, 1, 1);
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) steps += (await backend.train(job, 1, 1)).steps;
  return (steps * config.batch) / ((performance.now() - t0) / 1000);
}

const build = nativeBuildInfo();
const peak = nativePeakFlops(0.5);
emit("peak fp32 FLOP/s of one core (FMA chains, measured now)", { simd: build.simd }, peak, "FLOP/s");
const rows: string[] = [];
for (const model of cli.models.split(",")) {
  const best = new Map<string, number>();
  for (let round = 0; round < rounds; round++)
    for (const mode of MODES) best.set(mode.name, Math.max(best.get(mode.name) ?? 0, await queriesPerSecond(model, mode)));
  for (const mode of MODES) {
    const q = best.get(mode.name)!;
    const config = { model, dim: DIM, mode: mode.name, threads: 1, entities: E, gemm: build.gemm, rounds };
    emit("queries/s (best of rounds)", config, q, "queries/s");
    emit("scored (query, entity) pairs/s", config, q * mode.scored, "pairs/s");
    emit("scoring-block FLOP fraction of one core's peak", config, (6 * DIM * q * mode.scored) / peak, "fraction");
    rows.push(`${model.padEnd(10)} ${mode.name.padEnd(22)} ${Math.round(q).toString().padStart(8)} queries/s ${(q * mode.scored / 1e6).toFixed(1).padStart(7)} M pairs/s ${((100 * 6 * DIM * q * mode.scored) / peak).toFixed(0).padStart(3)}% of peak`);
  }
  const ratio = (best.get(MODES[1]!.name)! * MODES[1]!.scored) / (best.get(MODES[0]!.name)! * MODES[0]!.scored);
  emit("1vsAll / negatives scored pairs/s", { model, dim: DIM }, ratio, "ratio");
  // step time t(B) = B c + u: u is what a step costs whatever its batch, mostly the dense walk over the
  // entity table (zeroing its gradient, the Adagrad update of every row), the most a sparse update could save
  const t512 = 512 / best.get(MODES[1]!.name)!, t128 = 128 / best.get(MODES[2]!.name)!;
  const perQuery = (t512 - t128) / (512 - 128), u = t128 - 128 * perQuery;
  emit("1vsAll per-step cost independent of B (dense entity update), ms", { model, dim: DIM, entities: E }, 1000 * u, "ms");
  emit("1vsAll dense-update share of a B512 step", { model, dim: DIM, entities: E }, u / t512, "fraction");
  rows.push(`${model.padEnd(10)} 1vsAll per-step cost independent of B (the dense entity update): ${(1000 * u).toFixed(1)} ms = ${((100 * u) / t512).toFixed(1)}% of a B512 step, ${((100 * u) / t128).toFixed(1)}% of a B128 step`);
}
process.stderr.write(`\n1-N vs shared negatives, d ${DIM}, 1 thread (gemm ${build.gemm}, simd ${build.simd}, peak ${(peak / 1e9).toFixed(0)} GFLOP/s)\n${rows.join("\n")}\n`);
