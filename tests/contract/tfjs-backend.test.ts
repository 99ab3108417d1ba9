/**
 * The tfjs backend against the native engine, for every interaction:
 *  - gradients() of one explicit batch (both corruption sides, the tiny and the wide shape, and the
 *    loss / encoder / sampling variants) equal nativeGradients within |d| <= 1e-4 + 2e-3 |native|;
 *  - train() from the same tables, counters and seed as a one-thread native run draws the same
 *    batches (the RNG words, permutation and cursors end bit-identical) and leaves the same tables
 *    within |d| <= 2e-4 + 2e-3 |native| after a few steps.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BatchGradients, KnownTriples, TrainJob, TrainTriples } from "../../src/backends/backend.js";
import { nativeGradients, nativeTrain } from "../../src/backends/native/binding.js";
import { createTfjsBackend } from "../../src/backends/tfjs/backend.js";
import { Rng } from "../../src/core/rng.js";
import type { Csr } from "../../src/data/csr.js";
import { negativeCount, parseTrainConfig, type TrainConfig, type TrainConfigInput } from "../../src/models/config.js";
import type { EncoderTables } from "../../src/models/model-tables.js";
import { getInteraction, interactionNames } from "../../src/models/registry.js";
import { newCounters } from "../../src/train/checkpoint.js";
import { randomIds, sideAndWidthCases, tinyShape, tinySpec, wideShape, type TinySpec } from "./fixtures.js";

const E = 10, R = 3;

/** The same model for both backends: a TrainConfig and the tables built under it. */
function pair(model: string, over: Partial<TrainConfigInput> = {}, wide = false, seed = 13): { config: TrainConfig; spec: TinySpec } {
  const m = getInteraction(model);
  const { dim, block } = wide ? wideShape(m) : tinyShape(m);
  const config = parseTrainConfig({ model, dim, block, gamma: m.comparator === "dot" ? 1 : 6, batch: 4, negatives: 5, threads: 1, steps: 1, denseLr: 1e-3, ...(wide ? { batch: 7, negatives: 70 } : {}), ...over });
  const spec = tinySpec(m, config.encoder, seed, config, E, R, { dim, block });
  return { config, spec };
}

function close(label: string, mine: ArrayLike<number>, ref: ArrayLike<number>, abs: number, rel: number): void {
  assert.equal(mine.length, ref.length, `${label}: length`);
  for (let x = 0; x < ref.length; x++) {
    assert.ok(Math.abs(mine[x]! - ref[x]!) <= abs + rel * Math.abs(ref[x]!), `${label}[${x}]: tfjs ${mine[x]} vs native ${ref[x]}`);
  }
}

function emptyGradients(spec: TinySpec): BatchGradients {
  const g: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
  if (spec.entity.W) Object.assign(g, { entityW: new Float32Array(spec.entity.W.length), entityB: new Float32Array(spec.entity.b!.length) });
  if (spec.relation.W) Object.assign(g, { relationW: new Float32Array(spec.relation.W.length), relationB: new Float32Array(spec.relation.b!.length) });
  return g;
}

const variants: { label: string; models: string[]; over: Partial<TrainConfigInput> }[] = [
  { label: "concat encoder", models: ["transe-l2", "rotate", "quate"], over: { encoder: "concat" } },
  { label: "margin loss", models: ["transe-l1", "distmult"], over: { loss: "margin", margin: 2 } },
  { label: "softmax loss", models: ["complex", "rotate"], over: { loss: "softmax" } },
  { label: "plain mean (advTemp 0), L3 reg", models: ["complex", "note"], over: { advTemp: 0, reg: 0.01 } },
  { label: "negChunk 2 (two negative groups)", models: ["rotate", "ote"], over: { negChunk: 2 } },
];

describe("tfjs backend gradients == native gradients", async () => {
  const backend = await createTfjsBackend();
  const check = async (model: string, over: Partial<TrainConfigInput>, wide: boolean, tailSide: boolean, weighted: boolean): Promise<void> => {
    const { config, spec } = pair(model, over, wide);
    const rng = new Rng(17);
    const B = config.batch;
    const batch = {
      head: randomIds(rng, B, E), relation: randomIds(rng, B, R), tail: randomIds(rng, B, E), negatives: randomIds(rng, negativeCount(config), E), tailSide,
      ...(weighted ? { posWeight: Float32Array.from({ length: B }, () => 0.2 + rng.next()) } : {}),
    };
    const ref = emptyGradients(spec), mine = emptyGradients(spec);
    const refLoss = nativeGradients(spec, config, batch, ref);
    const loss = await backend.gradients(spec, config, batch, mine);
    assert.ok(Math.abs(loss - refLoss) <= 1e-5 + 1e-4 * Math.abs(refLoss), `loss: tfjs ${loss} vs native ${refLoss}`);
    for (const key of ["entity", "relation", "entityW", "entityB", "relationW", "relationB"] as const) {
      if (ref[key]) close(`${model} ${key}`, mine[key]!, ref[key]!, 1e-4, 2e-3);
    }
  };
  for (const model of interactionNames()) {
    for (const { tailSide, wide, label } of sideAndWidthCases) it(`${model} ${label}`, () => check(model, {}, wide, tailSide, false));
  }
  for (const v of variants) {
    for (const model of v.models) for (const tailSide of [true, false]) it(`${model} ${v.label}, ${tailSide ? "tail" : "head"} side, weighted positives`, () => check(model, v.over, false, tailSide, true));
  }
});

/** Adjacency (src/data/csr.ts layout) of the triples, sorted per entity by (neighbor, relation). */
function adjacency(d: TrainTriples, out: boolean): Csr {
  const edges = Array.from({ length: d.length }, (_, i) => (out ? [d.head[i]!, d.tail[i]!, d.relation[i]!] : [d.tail[i]!, d.head[i]!, d.relation[i]!]));
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
  const unique = edges.filter((e, i) => i === 0 || e.some((v, k) => v !== edges[i - 1]![k]));
  const indptr = new Float64Array(E + 1);
  for (const [e] of unique) indptr[e! + 1]!++;
  for (let e = 0; e < E; e++) indptr[e + 1]! += indptr[e]!;
  return { indptr, neighbor: Int32Array.from(unique, (x) => x[1]!), relation: Int32Array.from(unique, (x) => x[2]!) };
}

function copyEncoder(e: EncoderTables): EncoderTables {
  const c: EncoderTables = { ...e };
  for (const k of ["rows", "state", "rowM", "rowV", "W", "b", "mW", "vW", "mb", "vb"] as const) if (e[k]) c[k] = e[k]!.slice();
  return c;
}

const trainCases: { label: string; models: string[]; over: Partial<TrainConfigInput>; weighted?: boolean; filtered?: boolean }[] = [
  { label: "adagrad", models: interactionNames(), over: {} },
  // not TransE: its score is blind to the encoder bias b, whose gradient is then float noise that Adam's g / sqrt(v) amplifies
  { label: "lazy Adam rows, concat encoder (dense Adam)", models: ["distmult", "rotate"], over: { optimizer: "adam", encoder: "concat", lr: 0.01 } },
  { label: "filtered negatives, dataNegatives 2, negChunk 3, weighted positives, reg", models: ["distmult", "transe-l1"], over: { dataNegatives: 2, negChunk: 3, reg: 0.001, filterNegatives: true }, weighted: true, filtered: true },
];

describe("tfjs backend training == native training (one thread, same seed)", async () => {
  const backend = await createTfjsBackend();
  for (const c of trainCases) {
    for (const model of c.models) {
      it(`${model} ${c.label}: 6 steps`, async () => {
        const { config, spec } = pair(model, { batch: 6, negatives: 7, ...c.over });
        const rng = new Rng(5);
        const n = 30;
        const data: TrainTriples = { length: n, head: randomIds(rng, n, E), relation: randomIds(rng, n, R), tail: randomIds(rng, n, E), perm: Int32Array.from({ length: n }, (_, i) => i) };
        if (c.weighted) data.posWeight = Float32Array.from({ length: n }, () => 0.3 + rng.next());
        const known: KnownTriples | null = c.filtered ? { out: adjacency(data, true), in: adjacency(data, false) } : null;
        const mineTables = { ...spec, entity: copyEncoder(spec.entity), relation: copyEncoder(spec.relation) };
        const mineData = { ...data, perm: data.perm.slice() };
        const refCounters = newCounters(1, 99), mineCounters = newCounters(1, 99);
        const steps = 6, lrScale = 0.5;
        const ref = await nativeTrain({ tables: spec, config, data, known, counters: refCounters }, steps, lrScale);
        const job: TrainJob = { tables: mineTables, config, data: mineData, known, counters: mineCounters };
        const mine = await backend.train(job, steps, lrScale);
        assert.equal(mine.steps, ref.steps);
        assert.ok(Math.abs(mine.lossSum - ref.lossSum) <= 1e-4 * (1 + Math.abs(ref.lossSum)), `loss sum: tfjs ${mine.lossSum} vs native ${ref.lossSum}`);
        assert.deepEqual(Array.from(mineCounters.rng), Array.from(refCounters.rng), "RNG words");
        assert.deepEqual(Array.from(mineCounters.threads), Array.from(refCounters.threads), "cursor and local step");
        assert.deepEqual(Array.from(mineCounters.global), Array.from(refCounters.global), "global counters");
        assert.deepEqual(Array.from(mineData.perm), Array.from(data.perm), "permutation");
        for (const side of ["entity", "relation"] as const) {
          for (const k of ["rows", "state", "rowM", "rowV", "W", "b", "mW", "vW"] as const) {
            if (spec[side][k]) close(`${model} ${side}.${k}`, mineTables[side][k]!, spec[side][k]!, 2e-4, 2e-3);
          }
        }
        const moved = spec.entity.rows.some((v, i) => Math.abs(v - pair(model, { batch: 6, negatives: 7, ...c.over }).spec.entity.rows[i]!) > 1e-6);
        assert.ok(moved, "training moved the rows");
      });
    }
  }
});
