/**
 * The training loop on generated graphs: loss decreases and ranking beats random, single-thread
 * runs are bit-reproducible, resume == uninterrupted, divergence stops the run, Hogwild runs;
 * the rows' lazy Adam follows its update rule, row Adagrad starts from adagradInit.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { nativeBackend, type TrainCounters, type TrainJob } from "../../../src/backends/index.js";
import { nativeTrain } from "../../../src/backends/native/binding.js";
import type { TrainConfigInput } from "../../../src/models/config.js";
import { allocTriples, type Triples } from "../../../src/core/types.js";
import { loadCheckpoint, newCounters, saveCheckpoint } from "../../../src/train/checkpoint.js";
import { getInteraction } from "../../../src/models/registry.js";
import { sampledRanking } from "../../../src/train/sampled-validation.js";
import type { LrSchedule } from "../../../src/train/schedule.js";
import { createTables } from "../../../src/train/tables.js";
import { runTrainingLoop, type TrainLogRecord } from "../../../src/train/trainer.js";
import { tinyConfig, type TinySpec } from "../../contract/fixtures.js";

const E = 60, R = 3;
const ADAM: Partial<TrainConfigInput> = { optimizer: "adam" };

/** t = (h + 7 (r + 1)) mod E: a translation graph every model can fit. */
function toyGraph(): Triples {
  const t = allocTriples(E * R);
  for (let h = 0; h < E; h++) for (let r = 0; r < R; r++) {
    const i = h * R + r;
    t.head[i] = h;
    t.relation[i] = r;
    t.tail[i] = (h + 7 * (r + 1)) % E;
  }
  return t;
}

function toySpec(model: string, seed: number, lr = 0.1, over: Partial<TrainConfigInput> = {}): TinySpec {
  const m = getInteraction(model);
  const dim = 16, block = m.comparator === "block-l2" ? 4 : 1;
  const config = tinyConfig({ batch: 32, negatives: 16, lr, ...over });
  const spec: TinySpec = { ...createTables({ interaction: m, dim, block, gamma: 6, encoder: "shallow", numEntities: E, numRelations: R, entityFeatures: null, relationFeatures: null, seed, adagradInit: config.adagradInit }, config.optimizer), config };
  const g = toyGraph();
  spec.data = { length: g.length, head: g.head, relation: g.relation, tail: g.tail, perm: Int32Array.from({ length: g.length }, (_, i) => i) };
  return spec;
}

/** The spec's training job on `counters` (the config's threads follow them). */
function jobOf(spec: TinySpec, counters: TrainCounters): TrainJob {
  return { tables: spec, config: { ...spec.config, threads: counters.rng.length / 4 }, data: spec.data!, known: null, counters };
}

async function train(spec: TinySpec, counters = newCounters(1, 5), steps = 200): Promise<TrainLogRecord[]> {
  const logs: TrainLogRecord[] = [];
  await runTrainingLoop({ backend: nativeBackend(), job: jobOf(spec, counters), stopStep: counters.global[0]! + steps, budgetMs: null, checkpointEvery: 0, validEvery: 0, logEvery: 20, label: "test", onLog: (r) => logs.push(r) });
  return logs;
}

describe("training loop", () => {
  for (const [model, over] of [["transe-l2", {}], ["rotate", {}], ["note", {}], ["rotate", ADAM], ["rotate", { negChunk: 8 }]] as const) {
    it(`${model}${over.optimizer ? " (row Adam)" : ""}${over.negChunk ? " (negative groups of 8 rows)" : ""}: loss decreases and ranks beat random by a wide margin`, async () => {
      const spec = toySpec(model, 1, over.optimizer ? 0.02 : 0.1, over);
      const logs = await train(spec, newCounters(1, 5), 300);
      assert.ok(logs.at(-1)!.loss < 0.7 * logs[0]!.loss, `loss ${logs[0]!.loss} -> ${logs.at(-1)!.loss}`);
      const g = toyGraph();
      const mrr = (await sampledRanking(nativeBackend(), spec, g, 120, 1, 1)).mrr;
      let random = 0;
      for (let k = 1; k <= E; k++) random += 1 / k / E;
      assert.ok(mrr > 3 * random, `MRR ${mrr}, random ${random.toFixed(3)}`);
    });
  }

  it("dataNegatives: negatives drawn from the data never touch an entity outside every training triple", async () => {
    const used = 40; // entities >= used are in no triple: only uniform negatives reach their rows
    const unusedMoved = async (dataNegatives: number): Promise<boolean> => {
      const spec = toySpec("rotate", 5, 0.1, { dataNegatives });
      const g = toyGraph();
      const keep = Array.from({ length: g.length }, (_, i) => i).filter((i) => g.head[i]! < used);
      const head = Int32Array.from(keep, (i) => g.head[i]!), tail = Int32Array.from(keep, (i) => g.tail[i]! % used);
      spec.data = { length: keep.length, head, relation: Int32Array.from(keep, (i) => g.relation[i]!), tail, perm: Int32Array.from(keep, (_, i) => i) };
      const width = spec.entity.rows.length / E;
      const before = spec.entity.rows.slice(used * width);
      await train(spec, newCounters(1, 5), 40);
      return spec.entity.rows.slice(used * width).some((v, i) => v !== before[i]);
    };
    const n = toySpec("rotate", 5).config.negatives;
    assert.equal(await unusedMoved(n), false, `all ${n} of ${n} negatives from the data`);
    assert.equal(await unusedMoved(n / 2), true, `${n / 2} of ${n} uniform`);
    assert.equal(await unusedMoved(0), true, "all uniform");
  });

  it("--threads 1 with the same seed is bit-reproducible", async () => {
    const a = toySpec("rotate", 3), b = toySpec("rotate", 3);
    await train(a, newCounters(1, 9), 50);
    await train(b, newCounters(1, 9), 50);
    assert.deepEqual(a.entity.rows, b.entity.rows);
    assert.deepEqual(a.relation.state, b.relation.state);
  });

  for (const over of [{}, ADAM]) it(`resume from a checkpoint == an uninterrupted run (threads 1${over.optimizer ? ", row Adam" : ""})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "kgc-resume-"));
    try {
      const straight = toySpec("note", 4, 0.1, over);
      await train(straight, newCounters(1, 2), 60);
      const first = toySpec("note", 4, 0.1, over);
      const c1 = newCounters(1, 2);
      await train(first, c1, 30);
      await saveCheckpoint(dir, jobOf(first, c1));
      const resumed = toySpec("note", 99, 0.1, over); // different init: everything must come from the checkpoint
      const counters = newCounters(1, 77);
      assert.equal(loadCheckpoint(dir, jobOf(resumed, counters)).step, 30);
      assert.equal(counters.global[0], 30);
      await train(resumed, counters, 30);
      assert.deepEqual(resumed.entity.rows, straight.entity.rows);
      assert.deepEqual(resumed.relation.rows, straight.relation.rows);
      assert.deepEqual(resumed.entity.rowV, straight.entity.rowV);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("lrSchedule", () => {
    const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const run = async (steps: number, lrSchedule: LrSchedule | null): Promise<Float32Array> => {
      const spec = toySpec("rotate", 3);
      await runTrainingLoop({ backend: nativeBackend(), job: jobOf(spec, newCounters(1, 5)), stopStep: steps, budgetMs: null, lrSchedule, checkpointEvery: 0, validEvery: 0, logEvery: 20, label: "test" });
      assert.equal(spec.config.lr, 0.1, "the caller's config keeps its lr");
      return spec.entity.rows;
    };

    it("once: the rates multiply by the factor at that fraction of a step budget", async () => {
      const half = await run(50, null); // 50: not a multiple of logEvery, so the loop must stop its chunk there
      const frozen = await run(100, { kind: "once", at: 0.5, factor: 1e-12 });
      const moving = await run(100, { kind: "once", at: 0.5, factor: 1 });
      assert.ok(maxDiff(half, frozen) < 1e-6, `after a drop to ~0 at step 50 the rows stay put (moved ${maxDiff(half, frozen)})`);
      assert.ok(maxDiff(half, moving) > 1e-3, "without the drop the rows keep moving");
    });

    it("every: the rates multiply by the factor at each interval of global steps", async () => {
      const first = await run(30, null);
      const frozen = await run(90, { kind: "every", interval: 30, factor: 1e-6 }); // 30: not a multiple of logEvery; steps 30-59 at 1e-7, 60-89 at 1e-13
      assert.ok(maxDiff(first, frozen) < 1e-5, `after the first interval the rows barely move (moved ${maxDiff(first, frozen)})`);
      const gentle = await run(90, { kind: "every", interval: 30, factor: 0.5 });
      const constant = await run(90, null);
      assert.ok(maxDiff(first, gentle) > 1e-3 && maxDiff(gentle, constant) > 1e-4, "a factor of 0.5 keeps the rows moving, differently from a constant rate");
    });
  });

  it("a NaN loss stops the run with a message", async () => {
    const spec = toySpec("transe-l2", 5);
    spec.entity.rows.fill(Number.NaN, 0, 16 * E);
    await assert.rejects(train(spec, newCounters(1, 1), 10), /NaN or infinite/);
  });

  it("more threads than training triples share the permutation safely", async () => {
    const spec = toySpec("transe-l2", 7);
    spec.data = { length: 1, head: Int32Array.of(0), relation: Int32Array.of(0), tail: Int32Array.of(1), perm: Int32Array.of(0) };
    const counters = newCounters(4, 1);
    await train(spec, counters, 20);
    assert.equal(counters.global[0], 20);
    assert.deepEqual(Array.from(spec.data.perm), [0]);
  });

  it("Hogwild with 2 threads trains", async () => {
    const spec = toySpec("transe-l2", 6);
    const counters = newCounters(2, 1);
    const logs = await train(spec, counters, 200);
    assert.equal(counters.global[0], 200);
    assert.ok(logs.at(-1)!.loss < logs[0]!.loss);
  });

  it("row Adam is lazy Adam: only the batch's rows move, by lr m^ / (sqrt(v^) + eps) with the global step's bias correction", async () => {
    const lr = 0.01;
    const spec = toySpec("rotate", 8, lr, { ...ADAM, negatives: 4 });
    const { beta1: b1, beta2: b2, adamEps: eps } = spec.config;
    const counters = newCounters(1, 3);
    const e = spec.entity;
    for (let t = 1; t <= 2; t++) {
      const rows0 = e.rows.slice(), m0 = e.rowM!.slice(), v0 = e.rowV!.slice();
      await nativeTrain(jobOf(spec, counters), 1);
      let touched = 0;
      for (let r = 0; r < E; r++) {
        const at = (x: number): number => r * e.raw + x;
        const moved = Array.from({ length: e.raw }, (_, x) => e.rowM![at(x)] !== m0[at(x)]).some(Boolean);
        for (let x = 0; x < e.raw; x++) {
          const i = at(x);
          if (!moved) {
            assert.equal(e.rows[i], rows0[i], `row ${r} outside the batch moved`);
            assert.equal(e.rowV![i], v0[i]);
            continue;
          }
          const g = (e.rowM![i]! - b1 * m0[i]!) / (1 - b1); // the gradient this step, from the first moment
          const v = b2 * v0[i]! + (1 - b2) * g * g;
          assert.ok(Math.abs(e.rowV![i]! - v) <= 1e-4 * v + 1e-30, `step ${t} row ${r}: v ${e.rowV![i]} != ${v}`);
          const step = (lr * (e.rowM![i]! / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
          assert.ok(Math.abs(rows0[i]! - step - e.rows[i]!) <= 1e-6 + 1e-3 * Math.abs(step), `step ${t} row ${r}[${x}]: ${e.rows[i]} != ${rows0[i]! - step}`);
        }
        if (moved) touched++;
      }
      assert.ok(touched > 0 && touched < E, `step ${t} touched ${touched} of ${E} rows`);
    }
  });

  it("row Adagrad starts from adagradInit: a 1vsAll step moves every entity row by lr g / sqrt(adagradInit + mean g^2)", async () => {
    const lr = 0.1, a0 = Math.fround(1e-4);
    const spec = toySpec("complex", 9, lr, { training: "1vsAll", adagradInit: a0 });
    const e = spec.entity;
    assert.ok(e.state.every((v) => v === a0), "the state starts at adagradInit");
    const rows0 = e.rows.slice();
    await nativeTrain(jobOf(spec, newCounters(1, 3)), 1);
    let small = 0;
    for (let r = 0; r < E; r++) {
      // the step's gradient from the move, g = -delta sqrt(state) / lr, must account for the state's growth
      let sq = 0;
      for (let x = 0; x < e.raw; x++) sq += ((rows0[r * e.raw + x]! - e.rows[r * e.raw + x]!) * Math.sqrt(e.state[r]!) / lr) ** 2;
      const grown = e.state[r]! - a0;
      assert.ok(Math.abs(sq / e.raw - grown) <= 1e-3 * grown + 1e-12, `row ${r}: mean g^2 ${sq / e.raw} vs state growth ${grown}`);
      if (grown < a0) small++;
    }
    // the rows with small gradients (mean g^2 below adagradInit) are the ones it damps
    assert.ok(small > 0, "no row had a gradient below adagradInit");
  });
});
