/**
 * Fixtures for the ensemble CLI tests: a tiny TSV dataset with candidate lists, and [Q, K] score
 * files with known signal written the way the score and features stages write them (npy plus the
 * provenance sidecar).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/core/rng.js";
import { openDataset } from "../../src/data/dataset.js";
import { splitProvenance, writeScoreProvenance } from "../../src/eval/score-provenance.js";
import type { SplitName } from "../../src/io/manifest.js";
import { writeNpy } from "../../src/io/npy.js";
import { runKgc } from "../helpers.js";

export function importToy(root: string, registry: string, name: string, entities = 80, candidates = 24, prefix = "e"): string {
  const tsv = join(root, `tsv-${name}-${prefix}`);
  mkdirSync(tsv, { recursive: true });
  const lines = (n: number, off: number): string =>
    Array.from({ length: n }, (_, i) => `${prefix}${(i * 3 + off) % entities}\tr${i % 4}\t${prefix}${(i * 7 + 1 + off) % entities}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(400, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(120, 5));
  writeFileSync(join(tsv, "test.txt"), lines(60, 9));
  const r = runKgc(["data", "import", "--tsv", tsv, "--name", name, "--out", join(root, "data"), "--candidates", String(candidates)], { registry });
  assert.equal(r.code, 0, r.stderr);
  return join(root, "data", name);
}

/** Noise level per input: the true candidate's score is raised by `margin`, noise ~ N(0, noise). */
export interface ScoreSpec {
  margin: number;
  noise: number;
  seed: number;
}

/** [Q, K] float32 scores of `split` with signal around its answers. */
export function scoresFor(dataDir: string, split: SplitName, spec: ScoreSpec): Float32Array {
  const ds = openDataset(dataDir);
  try {
    const q = ds.queries(split)!;
    const truth = q.correctIndex!;
    const rng = new Rng(spec.seed);
    const out = new Float32Array(q.head.length * q.width);
    for (let i = 0; i < q.head.length; i++) {
      for (let j = 0; j < q.width; j++) out[i * q.width + j] = spec.noise * rng.normal() + (j === truth[i] ? spec.margin : 0);
    }
    return out;
  } finally {
    ds.close();
  }
}

/** Writes scores as `path` with its provenance (as kgc score / kgc features do). */
export function writeScores(dataDir: string, split: SplitName, path: string, scores: Float32Array): void {
  const ds = openDataset(dataDir);
  try {
    const p = splitProvenance(ds, split);
    writeNpy(path, "<f4", [p.queries, p.width], scores);
    writeScoreProvenance(path, p);
  } finally {
    ds.close();
  }
}
