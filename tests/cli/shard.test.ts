/**
 * `--shard i/n` and `kgc merge` end to end on a tiny TSV dataset: for kgc score, kgc features and
 * kgc ensemble apply, the merge of n shard files is byte for byte the unsharded run's output (and
 * provenance sidecar); docs/examples/shard.mk drives parallel shards and the merge with make -j;
 * a bad spec, a missing shard, a shard of another n, of another split or with another shape are one
 * clear error each with nothing written.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeNpy } from "../../src/io/npy.js";
import { cliPath, projectRoot, runKgc, tmpDir } from "../helpers.js";
import { importToy } from "./ensemble-fixtures.js";

let root = "";
let registry = "";
let data = "";
let modelDir = "";
const kgc = (...args: string[]) => runKgc(args, { registry });
const ok = (...args: string[]): void => {
  const r = kgc(...args);
  assert.equal(r.code, 0, `kgc ${args.join(" ")}: ${r.stderr}`);
};
const bytes = (path: string): Buffer => readFileSync(path);

/** Moves the unsharded outputs aside (so the merge must write them) and returns their bytes. */
function takeAside(paths: readonly string[]): Buffer[] {
  return paths.map((p) => {
    const b = bytes(p);
    rmSync(p);
    return b;
  });
}

function expectError(args: string[], pattern: RegExp, noFile: string): void {
  const r = kgc(...args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.ok(!existsSync(noFile), `${noFile} must not exist`);
}

before(() => {
  root = tmpDir("shard-cli");
  registry = join(root, "registry.sqlite");
  data = importToy(root, registry, "toy", 40, 12);
  ok("train", "--data", data, "--model", "rotate", "--out", join(root, "models"), "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "30", "--threads", "1");
  modelDir = join(root, "models", "toy", "rotate");
});

after(() => rmSync(root, { recursive: true, force: true }));

describe("kgc score --shard / kgc merge --model-dir", () => {
  it("the merge of 3 shards is the unsharded scores file and sidecar, byte for byte", () => {
    ok("score", "--model-dir", modelDir, "--data", data, "--split", "valid", "--threads", "1");
    const outputs = [join(modelDir, "scores-valid.npy"), join(modelDir, "scores-valid.provenance.json")];
    const unsharded = takeAside(outputs);
    for (const i of [2, 0, 1]) ok("score", "--model-dir", modelDir, "--data", data, "--split", "valid", "--shard", `${i}/3`, "--chunk", "7", "--threads", "2");
    assert.ok(!existsSync(outputs[0]!), "a shard run writes only its shard file");
    ok("merge", "--model-dir", modelDir, "--split", "valid");
    outputs.forEach((p, k) => assert.ok(bytes(p).equals(unsharded[k]!), p));
    const runs = JSON.parse(kgc("runs", "list", "--stage", "merge", "--json").stdout) as unknown[];
    assert.equal(runs.length, 1);
  });

  it("make -j over docs/examples/shard.mk: 4 shards in parallel, then the merge", () => {
    const unsharded = bytes(join(modelDir, "scores-valid.npy"));
    const r = spawnSync("make", ["-j4", "-f", join(projectRoot, "docs/examples/shard.mk"), `KGC=${process.execPath} ${cliPath}`, `MODEL_DIR=${modelDir}`, `DATA=${data}`, "SPLIT=test", "N=4", "SCORE_FLAGS=--threads 1"], {
      encoding: "utf8",
      env: { ...process.env, KGC_REGISTRY: registry },
    });
    assert.equal(r.status, 0, r.stderr);
    for (let i = 0; i < 4; i++) assert.ok(existsSync(join(modelDir, `scores-test.shard-${i}-of-4.npy`)));
    const merged = bytes(join(modelDir, "scores-test.npy"));
    const mergedSidecar = bytes(join(modelDir, "scores-test.provenance.json"));
    ok("score", "--model-dir", modelDir, "--data", data, "--split", "test", "--threads", "1");
    assert.ok(merged.equals(bytes(join(modelDir, "scores-test.npy"))));
    assert.ok(mergedSidecar.equals(bytes(join(modelDir, "scores-test.provenance.json"))));
    assert.ok(bytes(join(modelDir, "scores-valid.npy")).equals(unsharded), "the other split is untouched");
  });

  it("refuses bad specs with one line naming --shard and writes nothing", () => {
    for (const spec of ["3/2", "a/b", "1/0"]) {
      expectError(["score", "--model-dir", modelDir, "--data", data, "--split", "valid", `--shard=${spec}`], /^kgc: error: --shard: /, join(modelDir, "scores-valid.shard-3-of-2.npy"));
    }
  });

  it("refuses a missing shard, a shard of another n, of another split or of another shape, naming the file", () => {
    const merged = join(modelDir, "scores-valid.npy");
    rmSync(merged);
    const shard1 = join(modelDir, "scores-valid.shard-1-of-3.npy");
    renameSync(shard1, join(root, "aside.npy"));
    expectError(["merge", "--model-dir", modelDir, "--split", "valid"], /scores-valid\.shard-1-of-3\.npy: missing: shard 1\/3/, merged);
    renameSync(join(root, "aside.npy"), shard1);

    ok("score", "--model-dir", modelDir, "--data", data, "--split", "valid", "--shard", "1/2", "--threads", "1");
    expectError(["merge", "--model-dir", modelDir, "--split", "valid"], /scores-valid\.shard-1-of-2\.npy: a shard of 2 shards beside shards of 3/, merged);
    for (const f of readdirSync(modelDir).filter((f) => f.includes("-of-2."))) rmSync(join(modelDir, f));

    const sidecar = join(modelDir, "scores-valid.shard-2-of-3.provenance.json");
    const saved = bytes(sidecar);
    const other = JSON.parse(saved.toString("utf8")) as { queryDigest: string };
    writeFileSync(sidecar, JSON.stringify({ ...other, queryDigest: "0000000000000000" }));
    expectError(["merge", "--model-dir", modelDir, "--split", "valid"], /scores-valid\.shard-2-of-3\.provenance\.json: queryDigest "0000000000000000" differs from shard 0's/, merged);
    writeFileSync(sidecar, saved);

    const shard2 = join(modelDir, "scores-valid.shard-2-of-3.npy");
    copyFileSync(shard2, join(root, "shard2.npy"));
    writeFileSync(shard2, encodeNpy("<f4", [5, 13], new Float32Array(5 * 13)));
    expectError(["merge", "--model-dir", modelDir, "--split", "valid"], /scores-valid\.shard-2-of-3\.npy: shape \(5, 13\), expected \(\d+, 13\)/, merged);
    copyFileSync(join(root, "shard2.npy"), shard2);
    ok("merge", "--model-dir", modelDir, "--split", "valid");
  });
});

describe("kgc features --shard / kgc merge --features", () => {
  it("the merge of 4 shards gives every feature file and sidecar of the unsharded run, byte for byte, and features.json", () => {
    const dir = join(data, "features");
    ok("features", "--data", data, "--split", "valid", "--threads", "1");
    const names = readdirSync(dir).filter((f) => f.startsWith("valid-")).sort();
    assert.equal(names.length, 28); // 14 npy + 14 sidecars
    const unsharded = takeAside(names.map((f) => join(dir, f)));
    for (let i = 0; i < 4; i++) ok("features", "--data", data, "--split", "valid", "--threads", "1", "--chunk", "4", "--shard", `${i}/4`);
    ok("merge", "--features", dir, "--split", "valid");
    names.forEach((f, k) => assert.ok(bytes(join(dir, f)).equals(unsharded[k]!), f));
    const manifest = JSON.parse(readFileSync(join(dir, "features.json"), "utf8")) as { features: Array<{ splits: { valid?: { run: string } } }> };
    assert.ok(manifest.features.every((f) => f.splits.valid?.run.startsWith("merge-")));
    // the shard files beside them are not mistaken for features by the ensemble
    ok("ensemble", "fit", "--data", data, "--input", modelDir, "--features", "all", "--folds", "2", "--out", join(root, "ens"));
  });
});

describe("kgc ensemble apply --shard / kgc merge --ensemble", () => {
  it("the merge of 3 shards is the unsharded top-10 and blended files, byte for byte; a shard of other weights is refused", () => {
    const ens = join(root, "ens");
    ok("score", "--model-dir", modelDir, "--data", data, "--split", "test", "--threads", "1");
    ok("features", "--data", data, "--split", "test", "--threads", "1");
    ok("ensemble", "apply", "--data", data, "--split", "test", "--ensemble", ens, "--blended");
    const outputs = [join(ens, "test-top10.npy"), join(ens, "test-blended.npy")];
    const unsharded = takeAside(outputs);
    for (let i = 0; i < 3; i++) ok("ensemble", "apply", "--data", data, "--split", "test", "--ensemble", ens, "--blended", "--shard", `${i}/3`);
    ok("merge", "--ensemble", ens, "--split", "test");
    outputs.forEach((p, k) => assert.ok(bytes(p).equals(unsharded[k]!), p));
    assert.ok(!existsSync(join(ens, "test-top10.provenance.json")), "no sidecar, as the unsharded run");

    takeAside(outputs);
    const weights = join(ens, "weights.json");
    writeFileSync(weights, readFileSync(weights, "utf8").replace(/\n$/, "\n\n"));
    ok("ensemble", "apply", "--data", data, "--split", "test", "--ensemble", ens, "--blended", "--shard", "2/3");
    expectError(["merge", "--ensemble", ens, "--split", "test"], /test-top10\.shard-2-of-3\.provenance\.json: made with .*\(another model, hub limit or weights/, outputs[0]!);
  });
});
