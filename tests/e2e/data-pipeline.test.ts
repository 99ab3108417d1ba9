import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { openDataset } from "../../src/data/dataset.js";
import type { DatasetStats } from "../../src/data/stats.js";
import { runKgc, tmpDir } from "../helpers.js";

/**
 * The data stage end to end through the CLI: synth → import → stats → export (Arrow, Parquet)
 * → re-import gives the same dataset; the real benchmarks import with candidates.
 */
const work = tmpDir("e2e-data");
const registry = join(work, "registry.sqlite");
const kgc = (...args: string[]) => {
  const r = runKgc(args, { registry });
  assert.equal(r.code, 0, `kgc ${args.join(" ")}\n${r.stderr}`);
  return r;
};
const datasets = join(work, "data");

describe("synthetic dataset through the data stage", () => {
  test("synth → import → stats → export/re-import round trips through Arrow and Parquet", async () => {
    kgc("data", "synth", "--out", join(work, "raw"), "--entities", "3000", "--relations", "12", "--train", "20000", "--valid", "100", "--test", "100", "--candidates", "101", "--feature-dim", "16", "--seed", "9");
    kgc("data", "import", "--ogb", join(work, "raw"), "--name", "synth", "--out", datasets);
    const stats = JSON.parse(kgc("data", "stats", join(datasets, "synth"), "--json").stdout) as DatasetStats;
    assert.equal(stats.entities, 3000);
    assert.equal(stats.relations, 12);
    assert.deepEqual(stats.triples, { train: 20000, valid: 100, test: 0 });
    assert.deepEqual(stats.queries.test, { queries: 100, candidatesPerQuery: 101 });
    assert.ok(stats.patterns.symmetric.length + stats.patterns.inversePairs.length > 0, "planted patterns are found");

    const original = openDataset(join(datasets, "synth"));
    for (const format of ["arrow", "parquet"] as const) {
      kgc("data", "export", join(datasets, "synth"), "--format", format, "--out", join(work, `export-${format}`));
      kgc("data", "import", `--${format}`, join(work, `export-${format}`), "--name", `again-${format}`, "--out", datasets);
      const again = openDataset(join(datasets, `again-${format}`));
      assert.equal(again.numEntities, original.numEntities);
      assert.equal(again.numRelations, original.numRelations);
      for (const split of ["train", "valid", "test"] as const) assert.deepEqual(await again.triples(split), await original.triples(split), `${format} ${split}`);
      for (const split of ["valid", "test"] as const) assert.deepEqual(again.queries(split), original.queries(split), `${format} ${split} candidates`);
      assert.deepEqual(again.adjacency("out"), original.adjacency("out"));
    }
    assert.ok(original.entityFeatures() !== null, "features referenced");
    const runs = JSON.parse(kgc("runs", "list", "--json").stdout) as { stage: string; status: string }[];
    assert.ok(runs.some((r) => r.stage === "data" && r.status === "done"), "imports are recorded in the registry");
  });

  test("the OGB layout the synthetic generator writes is what numpy reads", { skip: spawnSync("python3", ["-c", "import numpy"]).status !== 0 && "numpy not available" }, () => {
    const r = spawnSync("python3", ["-c", `
import numpy as np, sys
p = sys.argv[1] + '/processed/'
t = np.load(p + 'train_hrt.npy'); c = np.load(p + 'val_t_candidate.npy'); f = np.load(p + 'entity_feat.npy', mmap_mode='r')
print(t.dtype, t.shape, c.dtype, c.shape, f.dtype, f.shape)`, join(work, "raw")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "int64 (20000, 3) int64 (100, 101) float16 (3000, 16)");
  });
});

const shared = join(process.cwd(), "..", "shared", "datasets");
const sharedDatasets = existsSync(join(shared, "FB15k-237")) ? shared : join(process.cwd(), "../../shared/datasets");

describe("public benchmarks import with candidates", { skip: !existsSync(join(sharedDatasets, "FB15k-237")) && "../shared/datasets not found" }, () => {
  test("FB15k-237: 14,541 entities, 237 relations over all splits; CRLF stripped", () => {
    kgc("data", "import", "--tsv", join(sharedDatasets, "FB15k-237"), "--name", "fb15k-237", "--out", datasets, "--candidates", "1000", "--seed", "1");
    const stats = JSON.parse(kgc("data", "stats", join(datasets, "fb15k-237"), "--json").stdout) as DatasetStats;
    assert.equal(stats.entities, 14541);
    assert.equal(stats.relations, 237);
    assert.deepEqual(stats.triples, { train: 272115, valid: 17535, test: 20466 });
    assert.deepEqual(stats.queries.valid, { queries: 17535, candidatesPerQuery: 1001 });
    const ds = openDataset(join(datasets, "fb15k-237"));
    const names = ds.dictionary().allNames("relation")!;
    assert.ok(names.every((n) => !n.includes("\r")), "no stray CR in names");
    assert.equal(ds.dictionary().nameOf("entity", ds.dictionary().idOf("entity", "/m/027rn")), "/m/027rn");
  });

  test("WN18RR: 40,943 entities, 11 relations; synset ids keep their leading zeros", () => {
    kgc("data", "import", "--tsv", join(sharedDatasets, "WN18RR"), "--name", "wn18rr", "--out", datasets, "--candidates", "1000");
    const ds = openDataset(join(datasets, "wn18rr"));
    assert.equal(ds.numEntities, 40943);
    assert.equal(ds.numRelations, 11);
    const names = ds.dictionary().allNames("entity")!;
    assert.ok(names.some((n) => /^0\d{7}$/.test(n)), "leading zeros kept");
    assert.equal(ds.queries("test")!.head.length, 3134);
  });
});
