/**
 * Sanity of learning on small public datasets (../shared/datasets: Kinship, Nations, UMLS): a
 * short run's filtered test MRR next to a random model's. The eval issue owns the real bars.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nativeScore, nativeTrain } from "../src/backends/native/binding.js";
import { newCounters } from "../src/train/checkpoint.js";
import { parseTrainConfig } from "../src/models/config.js";
import { getInteraction } from "../src/models/registry.js";
import { createTables } from "../src/train/tables.js";
import type { ModelTables } from "../src/models/model-tables.js";

interface Split {
  h: Int32Array;
  r: Int32Array;
  t: Int32Array;
}

export function readTsvDataset(dir: string): { splits: Record<string, Split>; E: number; R: number } {
  const ent = new Map<string, number>(), rel = new Map<string, number>();
  const id = (m: Map<string, number>, k: string): number => m.get(k) ?? (m.set(k, m.size), m.size - 1);
  const splits: Record<string, Split> = {};
  for (const name of ["train", "valid", "test"]) {
    const rows = readFileSync(join(dir, `${name}.txt`), "utf8").split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.length > 0).map((l) => l.split("\t"));
    splits[name] = {
      h: Int32Array.from(rows, (x) => id(ent, x[0]!)), r: Int32Array.from(rows, (x) => id(rel, x[1]!)), t: Int32Array.from(rows, (x) => id(ent, x[2]!)),
    };
  }
  return { splits, E: ent.size, R: rel.size };
}

/** Filtered MRR over both sides of the test triples, ranking against every entity. */
export function filteredMrr(spec: ModelTables, ds: ReturnType<typeof readTsvDataset>): number {
  const { E, R } = ds;
  const known = new Set<number>();
  for (const s of Object.values(ds.splits)) for (let i = 0; i < s.h.length; i++) known.add((s.h[i]! * R + s.r[i]!) * E + s.t[i]!);
  const test = ds.splits["test"]!;
  const all = Int32Array.from({ length: E }, (_, i) => i);
  const S = new Float32Array(E);
  let rr = 0;
  for (let i = 0; i < test.h.length; i++) {
    for (const tail of [true, false]) {
      const keep = tail ? test.h[i]! : test.t[i]!, truth = tail ? test.t[i]! : test.h[i]!;
      nativeScore(spec, Int32Array.of(keep), Int32Array.of(test.r[i]!), tail, all, 0, S);
      let better = 0;
      for (let e = 0; e < E; e++) {
        if (e === truth || !(S[e]! > S[truth]!)) continue;
        const key = tail ? (keep * R + test.r[i]!) * E + e : (e * R + test.r[i]!) * E + keep;
        if (!known.has(key)) better++;
      }
      rr += 1 / (better + 1);
    }
  }
  return rr / (2 * test.h.length);
}

export async function shortRun(dir: string, model: string, steps: number, threads: number): Promise<{ mrr: number; random: number; seconds: number }> {
  const ds = readTsvDataset(dir);
  const m = getInteraction(model);
  const config = parseTrainConfig({ model, dim: 200, batch: 512, negatives: 128, gamma: m.comparator === "dot" ? 8 : 6, lr: 0.1, steps });
  const spec = createTables({ interaction: m, dim: 200, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: ds.E, numRelations: ds.R, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer);
  const tr = ds.splits["train"]!;
  const data = { length: tr.h.length, head: tr.h, relation: tr.r, tail: tr.t, perm: Int32Array.from({ length: tr.h.length }, (_, i) => i) };
  const t0 = performance.now();
  const counters = newCounters(threads, 1);
  const job = { tables: spec, config: { ...config, threads }, data, known: null, counters };
  while (counters.global[0]! < steps) await nativeTrain(job, Math.min(100, steps - counters.global[0]!));
  const seconds = (performance.now() - t0) / 1000;
  let random = 0;
  for (let k = 1; k <= ds.E; k++) random += 1 / k / ds.E;
  return { mrr: filteredMrr(spec, ds), random, seconds };
}
