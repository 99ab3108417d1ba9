/**
 * `kgc features` end to end on a tiny TSV dataset: 14 float32 [Q, K] files and features.json
 * (leakage flags, the run that made each split), and the bad inputs of issue 17 as one clear
 * error with exit code 2 and nothing written: a split without candidates, a dataset without its
 * CSR files.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { FeaturesManifest } from "../../src/features/features.js";
import { PRIOR_FEATURES } from "../../src/features/priors.js";
import { readNpyFloat32 } from "../../src/io/npy.js";
import { runKgc, tmpDir } from "../helpers.js";

let root = "";
let registry = "";
const kgc = (...args: string[]) => runKgc(args, { registry });

function importToy(name: string, candidates: number | null): string {
  const tsv = join(root, `tsv-${name}`);
  mkdirSync(tsv, { recursive: true });
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `e${(i + off) % 30}\tr${i % 3}\te${(i * 7 + 1 + off) % 30}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(300, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(20, 5));
  writeFileSync(join(tsv, "test.txt"), lines(20, 9));
  const r = kgc("data", "import", "--tsv", tsv, "--name", name, "--out", join(root, "data"), ...(candidates === null ? [] : ["--candidates", String(candidates)]));
  assert.equal(r.code, 0, r.stderr);
  return join(root, "data", name);
}

before(() => {
  root = tmpDir("features-cli");
  registry = join(root, "registry.sqlite");
});

after(() => rmSync(root, { recursive: true, force: true }));

describe("kgc features", () => {
  it("writes every feature as float32 [Q, K] and features.json with leakage flags and runs", () => {
    const data = importToy("toy", 12);
    for (const split of ["valid", "test"]) {
      const r = kgc("features", "--data", data, "--split", split, "--threads", "2", "--chunk", "7");
      assert.equal(r.code, 0, r.stderr);
    }
    const manifest = JSON.parse(readFileSync(join(data, "features", "features.json"), "utf8")) as FeaturesManifest;
    assert.deepEqual(manifest.features.map((f) => f.name), PRIOR_FEATURES.map((f) => f.name));
    assert.deepEqual(manifest.features.filter((f) => f.candidateListLeakage).map((f) => f.name), ["relation-list-count", "head-list-count"]);
    for (const f of manifest.features) {
      for (const split of ["valid", "test"] as const) {
        const entry = f.splits[split]!;
        assert.match(entry.run, /^features-/);
        const npy = readNpyFloat32(join(data, "features", entry.file));
        assert.deepEqual(npy.shape, [20, 13]);
      }
    }
    // every candidate list holds the true tail, so each row's relation-list-count is at least 1 everywhere
    const counts = readNpyFloat32(join(data, "features", "valid-relation-list-count.npy")).data;
    assert.ok(counts.every((x) => x >= 1));
    const runs = kgc("runs", "list", "--stage", "features", "--json");
    assert.equal((JSON.parse(runs.stdout) as unknown[]).length, 2);
  });

  it("a split without candidates: one-line error, nothing written", () => {
    const data = importToy("nocand", null);
    const r = kgc("features", "--data", data, "--split", "valid");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^kgc: error: .*nocand \(valid\): the split has no candidate queries/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.ok(!existsSync(join(data, "features")));
  });

  it("a dataset without CSR files: one-line error naming the file, nothing written", () => {
    const data = importToy("nocsr", 12);
    rmSync(join(data, "csr-in-neighbor.npy"));
    const r = kgc("features", "--data", data, "--split", "valid");
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^kgc: error: .*csr-in-neighbor\.npy: /);
    assert.ok(!existsSync(join(data, "features")));
  });
});
