/**
 * Candidate-scoring throughput (scores per second) of the score stage's native path at d = 200:
 * Q queries x K = 1001 per-row candidates over E = 100k random entities, 1 and 2 C++ threads,
 * next to a plain-TypeScript scorer (float32 loops, the same formula) measured in the same run.
 * One JSON line per measurement on stdout ({what, config, value, unit}).
 *
 *   node dist/bench/score.bench.js [--quick] [--models rotate,transe-l2,distmult] [--queries 4000]
 *   (--quick: 1000 queries)
 */
import { availableParallelism } from "node:os";
import { nativeScoreAsync } from "../src/backends/native/binding.js";
import type { ModelTables } from "../src/models/model-tables.js";
import { Rng } from "../src/core/rng.js";
import { parseTrainConfig } from "../src/models/config.js";
import { getInteraction } from "../src/models/registry.js";
import { createTables } from "../src/train/tables.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/score.bench.js [--quick] [--models rotate,transe-l2,distmult] [--queries 4000]";
const cli = benchArgs(USAGE, { quick: { type: "boolean", default: false }, models: { type: "string", default: "rotate,transe-l2,distmult,complex,quate,ote" }, queries: { type: "string" } });
const models = cli.models.split(",");
const Q = Math.round(positive(USAGE, "queries", cli.queries ?? (cli.quick ? "1000" : "4000")));
const K = 1001;
const E = 100_000;
const DIM = 200;

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

/** Plain-TS baseline: score(h, r, c) for per-row candidates. shape: out [Q, K] */
function tsScore(model: string, spec: ModelTables, head: Int32Array, rel: Int32Array, cands: Int32Array, out: Float32Array): void {
  const d = DIM, ent = spec.entity.rows, R = spec.relation.rows, rw = spec.relation.raw;
  const q = new Float32Array(d);
  for (let i = 0; i < head.length; i++) {
    const h = ent.subarray(head[i]! * d, head[i]! * d + d), r = R.subarray(rel[i]! * rw, rel[i]! * rw + rw);
    if (model === "rotate") {
      const half = d / 2;
      for (let k = 0; k < half; k++) {
        const c = Math.cos(r[k]! * spec.phaseScale), s = Math.sin(r[k]! * spec.phaseScale);
        q[k] = h[k]! * c - h[k + half]! * s;
        q[k + half] = h[k]! * s + h[k + half]! * c;
      }
      for (let j = 0; j < K; j++) {
        const t = cands[i * K + j]! * d;
        let dist = 0;
        for (let k = 0; k < half; k++) {
          const a = q[k]! - ent[t + k]!, b = q[k + half]! - ent[t + k + half]!;
          dist += Math.sqrt(a * a + b * b);
        }
        out[i * K + j] = spec.gamma - dist;
      }
    } else if (model === "transe-l2") {
      for (let k = 0; k < d; k++) q[k] = h[k]! + r[k]!;
      for (let j = 0; j < K; j++) {
        const t = cands[i * K + j]! * d;
        let dist = 0;
        for (let k = 0; k < d; k++) dist += (q[k]! - ent[t + k]!) ** 2;
        out[i * K + j] = spec.gamma - Math.sqrt(dist);
      }
    } else {
      for (let k = 0; k < d; k++) q[k] = h[k]! * r[k]!;
      for (let j = 0; j < K; j++) {
        const t = cands[i * K + j]! * d;
        let s = 0;
        for (let k = 0; k < d; k++) s += q[k]! * ent[t + k]!;
        out[i * K + j] = s;
      }
    }
  }
}

const rng = new Rng(7);
const head = Int32Array.from({ length: Q }, () => Math.floor(rng.next() * E));
const cands = Int32Array.from({ length: Q * K }, () => Math.floor(rng.next() * E));
const out = new Float32Array(Q * K);
const cores = availableParallelism();
for (const model of models) {
  const m = getInteraction(model);
  const config = parseTrainConfig({ model, dim: DIM, batch: 1, negatives: 1, steps: 1 }); // scoring reads no training fields
  const spec = createTables({
    interaction: m, dim: DIM, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: E, numRelations: 100,
    entityFeatures: null, relationFeatures: null, seed: 1,
  }, config.optimizer);
  const rel = Int32Array.from({ length: Q }, (_, i) => i % 100);
  for (const threads of [1, Math.min(2, cores)]) {
    await nativeScoreAsync(spec, head.subarray(0, 64), rel.subarray(0, 64), true, cands.subarray(0, 64 * K), K, out, threads); // warm-up
    const t0 = performance.now();
    await nativeScoreAsync(spec, head, rel, true, cands, K, out, threads);
    const s = (performance.now() - t0) / 1000;
    emit("candidate scores per second per core (native)", { model, dim: DIM, K, queries: Q, threads }, (Q * K) / s / threads, "scores/s/core");
  }
  if (model === "rotate" || model === "transe-l2" || model === "distmult") {
    const q = Math.min(Q, 400);
    const t0 = performance.now();
    tsScore(model, spec, head.subarray(0, q), rel.subarray(0, q), cands.subarray(0, q * K), out);
    const s = (performance.now() - t0) / 1000;
    emit("candidate scores per second per core (plain-TS baseline)", { model, dim: DIM, K, queries: q, threads: 1 }, (q * K) / s, "scores/s/core");
  }
}
