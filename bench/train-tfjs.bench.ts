/**
 * Training throughput of the tfjs backend (positive triples per second) beside the native engine
 * with the same model, settings and tables in the same run (native on one thread and on the
 * config's threads), FB15k-237's shape. One JSON line per measurement on stdout
 * ({what, config, value, unit}). The tfjs flavour is whatever loads here (tfjs-node-gpu on a CUDA
 * machine; here the pure-JS CPU build), named in each line's config.device.
 *
 *   node dist/bench/train-tfjs.bench.js [--models a,b] [--dim D] [--batch B] [--negatives N] [--seconds S]
 */
import { nativeTrain } from "../src/backends/native/binding.js";
import { createTfjsBackend } from "../src/backends/tfjs/backend.js";
import { randomTriples } from "./random-triples.js";
import { parseTrainConfig, type TrainConfig } from "../src/models/config.js";
import { getInteraction } from "../src/models/registry.js";
import type { ModelTables } from "../src/models/model-tables.js";
import { newCounters } from "../src/train/checkpoint.js";
import { createTables } from "../src/train/tables.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/train-tfjs.bench.js [--models a,b] [--dim D] [--batch B] [--negatives N] [--seconds S]";
const cli = benchArgs(USAGE, { models: { type: "string" }, dim: { type: "string" }, batch: { type: "string" }, negatives: { type: "string" }, seconds: { type: "string" } });
const models = cli.models?.split(",") ?? ["transe-l2", "rotate", "distmult"];
const dim = positive(USAGE, "dim", cli.dim ?? "200"), batch = positive(USAGE, "batch", cli.batch ?? "256"), negatives = positive(USAGE, "negatives", cli.negatives ?? "256");
const seconds = positive(USAGE, "seconds", cli.seconds ?? "10");
const E = 14541, R = 237, TRIPLES = 272115;

const data = randomTriples(7, TRIPLES, E, R);

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value: Number(value.toPrecision(6)), unit }) + "\n");
}

function tables(config: TrainConfig): ModelTables {
  return createTables({ interaction: getInteraction(config.model), dim, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: E, numRelations: R, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer);
}

/** Positives per second of `run(steps)` over about `seconds`, after one warm-up call. */
async function rate(run: (steps: number) => Promise<number>): Promise<number> {
  await run(1);
  let steps = 0, chunk = 1;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const c0 = performance.now();
    steps += await run(chunk);
    chunk = Math.max(1, Math.min(1000, Math.round(chunk * 0.5 / Math.max((performance.now() - c0) / 1000, 1e-3))));
  }
  return (steps * batch) / ((performance.now() - t0) / 1000);
}

const backend = await createTfjsBackend();
for (const model of models) {
  const config = parseTrainConfig({ model, dim, batch, negatives, steps: 1, threads: 1 });
  const settings = { model, dim, batch, negatives, device: backend.device };
  const tfjs = tables(config), counters = newCounters(1, 1);
  const job = { tables: tfjs, config, data, known: null, counters };
  const tfjsRate = await rate(async (n) => (await backend.train(job, n, 1)).steps);
  emit("train tfjs", settings, tfjsRate, "positives/s");
  for (const threads of [1, 2]) {
    const nativeJob = { tables: tables(config), config: { ...config, threads }, data, known: null, counters: newCounters(threads, 1) };
    const nativeRate = await rate(async (n) => (await nativeTrain(nativeJob, n)).steps);
    emit("train native", { ...settings, device: "native", threads }, nativeRate, "positives/s");
    emit("train tfjs / native", { ...settings, threads }, tfjsRate / nativeRate, "ratio");
  }
}
