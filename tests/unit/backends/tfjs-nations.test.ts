/**
 * A short Nations training (../shared/datasets, skipped when absent) driven through the tfjs
 * backend reaches a filtered test MRR within 0.05 of the native backend's with the same config,
 * seed and tables (one thread: the same batches). Both models are scored by the same filtered
 * ranking (bench/accuracy.ts), so only the training differs.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { filteredMrr, readTsvDataset } from "../../../bench/accuracy.js";
import { nativeTrain } from "../../../src/backends/native/binding.js";
import { createTfjsBackend } from "../../../src/backends/tfjs/backend.js";
import { parseTrainConfig } from "../../../src/models/config.js";
import { getInteraction } from "../../../src/models/registry.js";
import type { ModelTables } from "../../../src/models/model-tables.js";
import { newCounters } from "../../../src/train/checkpoint.js";
import { createTables } from "../../../src/train/tables.js";

const dir = fileURLToPath(new URL("../../../../../shared/datasets/Nations", import.meta.url));
const STEPS = 100;

it(`Nations: ${STEPS} RotatE steps on tfjs reach the native filtered MRR within 0.05`, { skip: !existsSync(dir) && "dataset not present" }, async () => {
  const ds = readTsvDataset(dir);
  const m = getInteraction("rotate");
  const config = parseTrainConfig({ model: "rotate", dim: 32, batch: 128, negatives: 32, gamma: 6, lr: 0.1, steps: STEPS, threads: 1 });
  const tr = ds.splits["train"]!;
  const fresh = (): ModelTables => createTables({ interaction: m, dim: config.dim, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: ds.E, numRelations: ds.R, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer);
  const data = () => ({ length: tr.h.length, head: tr.h, relation: tr.r, tail: tr.t, perm: Int32Array.from({ length: tr.h.length }, (_, i) => i) });
  const untrained = filteredMrr(fresh(), ds);
  const native = fresh(), nativeCounters = newCounters(1, 1);
  const nativeJob = { tables: native, config, data: data(), known: null, counters: nativeCounters };
  while (nativeCounters.global[0]! < STEPS) await nativeTrain(nativeJob, Math.min(20, STEPS - nativeCounters.global[0]!));
  const backend = await createTfjsBackend();
  const tfjs = fresh(), counters = newCounters(1, 1);
  const job = { tables: tfjs, config, data: data(), known: null, counters };
  while (counters.global[0]! < STEPS) {
    const r = await backend.train(job, Math.min(20, STEPS - counters.global[0]!), 1);
    assert.ok(!r.diverged);
  }
  const [a, b] = [filteredMrr(native, ds), filteredMrr(tfjs, ds)];
  assert.ok(a > untrained + 0.05, `native learned: ${a.toFixed(3)} vs untrained ${untrained.toFixed(3)}`);
  assert.ok(Math.abs(a - b) <= 0.05, `filtered MRR: tfjs ${b.toFixed(4)} vs native ${a.toFixed(4)}`);
  process.stderr.write(`Nations filtered test MRR: native ${a.toFixed(4)}, tfjs ${b.toFixed(4)}, untrained ${untrained.toFixed(4)}\n`);
});
