/**
 * `kgc ensemble fit|apply`, `kgc evaluate` and `kgc submit` end to end on a tiny dataset with score
 * files of known signal, and every bad input of issue 18 as one error line, exit code 2 and no file.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EnsembleWeightsSchema, AblationSchema } from "../../src/ensemble/weights.js";
import { readNpyHeader, readNpyInt32, writeNpy } from "../../src/io/npy.js";
import { readNpz } from "../../src/io/npz.js";
import { runKgc, tmpDir } from "../helpers.js";
import { importToy, scoresFor, writeScores } from "./ensemble-fixtures.js";

let root = "";
let registry = "";
let data = "";
const kgc = (...args: string[]) => runKgc(args, { registry });
const models = ["good", "fair", "weak"] as const;
const specs = { good: { margin: 1.2, noise: 1, seed: 1 }, fair: { margin: 1, noise: 1, seed: 2 }, weak: { margin: 0.6, noise: 1, seed: 3 } } as const;

function expectError(args: string[], pattern: RegExp, ...noFiles: string[]): void {
  const r = kgc(...args);
  assert.equal(r.code, 2, `exit code (stdout: ${r.stdout} stderr: ${r.stderr})`);
  assert.match(r.stderr, /^kgc: error: /);
  assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("kgc: error")).length, 1);
  assert.match(r.stderr, pattern);
  for (const f of noFiles) assert.ok(!existsSync(f), `${f} must not exist`);
}

before(() => {
  root = tmpDir("ensemble-cli");
  registry = join(root, "registry.sqlite");
  data = importToy(root, registry, "toy");
  for (const m of models) {
    for (const split of ["valid", "test"] as const) {
      writeScores(data, split, join(root, "models", m, `scores-${split}.npy`), scoresFor(data, split, { ...specs[m], seed: specs[m].seed + (split === "test" ? 100 : 0) }));
    }
  }
  const features = join(data, "features");
  for (const split of ["valid", "test"] as const) {
    writeScores(data, split, join(features, `${split}-walk.npy`), scoresFor(data, split, { margin: 0.8, noise: 1, seed: split === "test" ? 14 : 4 }));
    writeScores(data, split, join(features, `${split}-listcount.npy`), scoresFor(data, split, { margin: 1.5, noise: 1, seed: split === "test" ? 15 : 5 }));
  }
  writeFileSync(join(features, "features.json"), JSON.stringify({ format: "kgc-features/1", features: [{ name: "walk", formula: "test", candidateListLeakage: false }, { name: "listcount", formula: "test", candidateListLeakage: true }] }));
});

after(() => rmSync(root, { recursive: true, force: true }));

const inputs = (): string[] => models.flatMap((m) => ["--input", join(root, "models", m)]);

describe("kgc ensemble / evaluate / submit", () => {
  it("fit writes cross-validated weights and the ablation ladder; the ensemble beats every single input in-sample", () => {
    const out = join(root, "ens");
    const r = kgc("ensemble", "fit", "--data", data, ...inputs(), "--features", "all", "--folds", "3", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const weights = EnsembleWeightsSchema.parse(JSON.parse(readFileSync(join(out, "weights.json"), "utf8")));
    assert.equal(weights.inputs.length, 5);
    assert.equal(weights.folds.length, 3);
    assert.equal(weights.folds.reduce((a, f) => a + f.queries, 0), weights.queries);
    assert.ok(weights.inputs.find((i) => i.name === "feature:listcount")!.leaksCandidates);
    const ablation = AblationSchema.parse(JSON.parse(readFileSync(join(out, "ablation.json"), "utf8")));
    const labels = ablation.rows.map((row) => row.label);
    assert.deepEqual(labels, ["good", "fair", "weak", "feature:listcount", "feature:walk", "models", "+ features", "+ candidate-list features"]);
    const best = Math.max(...ablation.rows.slice(0, 5).map((row) => row.inSampleMrr));
    assert.ok(weights.inSampleMrr >= best, `ensemble in-sample ${weights.inSampleMrr} vs best single ${best}`);
    assert.match(r.stdout, /held-out MRR/);
  });

  it("apply ranks valid as fitted (evaluate reproduces the in-sample MRR), test → submit → an npz numpy loads", () => {
    const out = join(root, "ens");
    let r = kgc("ensemble", "apply", "--data", data, "--split", "valid", "--ensemble", out, "--blended");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readNpyHeader(join(out, "valid-top10.npy")).shape, [120, 10]);
    assert.deepEqual(readNpyHeader(join(out, "valid-blended.npy")).shape, [120, 25]);
    r = kgc("evaluate", "--pred", join(out, "valid-top10.npy"), "--data", data, "--split", "valid", "--json");
    assert.equal(r.code, 0, r.stderr);
    const weights = EnsembleWeightsSchema.parse(JSON.parse(readFileSync(join(out, "weights.json"), "utf8")));
    const evaluated = JSON.parse(r.stdout) as { mrr: number };
    assert.ok(Math.abs(evaluated.mrr - weights.inSampleMrr) < 1e-4, `evaluate ${evaluated.mrr} vs fit ${weights.inSampleMrr}`);
    r = kgc("ensemble", "apply", "--data", data, "--split", "test", "--ensemble", out);
    assert.equal(r.code, 0, r.stderr);
    r = kgc("submit", "--data", data, "--ensemble", out);
    assert.equal(r.code, 0, r.stderr);
    const npz = readNpz(join(out, "t_pred_wikikg90m.npz"));
    assert.equal(npz.t_pred_top10!.dtype, "<i2");
    assert.deepEqual(npz.t_pred_top10!.shape, [60, 10]);
    const top = readNpyInt32(join(out, "test-top10.npy")).data;
    assert.deepEqual(Array.from(new Int16Array(npz.t_pred_top10!.bytes.slice().buffer)), Array.from(top));
    const py = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
    if (py.status !== 0) {
      console.log("# skipped the numpy.load check: python3 with numpy is absent");
      return;
    }
    const check = spawnSync("python3", ["-c", [
      "import numpy as np, sys",
      "d = np.load(sys.argv[1])",
      "a = d['t_pred_top10']",
      "assert list(d.keys()) == ['t_pred_top10'], list(d.keys())",
      "assert a.dtype == np.int16 and a.shape == (60, 10), (a.dtype, a.shape)",
      "assert (a >= 0).all() and (a < 25).all()",
      "assert all(len(set(r)) == 10 for r in a.tolist())",
      "print(int(a.sum()))",
    ].join("\n"), join(out, "t_pred_wikikg90m.npz")], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
    assert.equal(Number(check.stdout.trim()), top.reduce((a, b) => a + b, 0));
  });

  it("every search method fits; relation groups add per-group weights", () => {
    for (const search of ["nelder-mead", "cmaes"]) {
      const out = join(root, `ens-${search}`);
      const r = kgc("ensemble", "fit", "--data", data, ...inputs(), "--folds", "2", "--search", search, "--out", out);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(EnsembleWeightsSchema.parse(JSON.parse(readFileSync(join(out, "weights.json"), "utf8"))).search, search);
    }
    const out = join(root, "ens-groups");
    const r = kgc("ensemble", "fit", "--data", data, ...inputs(), "--folds", "2", "--relation-groups", "2", "--normalise", "query-rank,good=global-minmax", "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const weights = EnsembleWeightsSchema.parse(JSON.parse(readFileSync(join(out, "weights.json"), "utf8")));
    assert.equal(weights.groups.length, 3);
    assert.equal(weights.groups[0]!.relations, null);
    const good = weights.inputs.find((i) => i.name === "good")!;
    assert.equal(good.normalisation, "global-minmax");
    assert.ok(good.min! < good.max!);
  });

  it("refuses score files of another shape, split or query order, and NaN, writing nothing", () => {
    const bad = join(root, "bad");
    const out = join(root, "ens-bad");
    const weightsFile = join(out, "weights.json");
    mkdirSync(join(bad, "shape"), { recursive: true });
    writeNpy(join(bad, "shape", "scores-valid.npy"), "<f4", [120, 24], new Float32Array(120 * 24));
    expectError(["ensemble", "fit", "--data", data, ...inputs(), "--input", join(bad, "shape"), "--out", out], /shape\/scores-valid\.npy: shape \(120, 24\) does not match the valid split's \[120, 25\]/, weightsFile);
    // valid scores whose sidecar says they score the test split (e.g. a renamed file)
    mkdirSync(join(bad, "split"), { recursive: true });
    copyFileSync(join(root, "models", "good", "scores-valid.npy"), join(bad, "split", "scores-valid.npy"));
    const sidecar = JSON.parse(readFileSync(join(root, "models", "good", "scores-valid.provenance.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(bad, "split", "scores-valid.provenance.json"), JSON.stringify({ ...sidecar, split: "test" }));
    expectError(["ensemble", "fit", "--data", data, ...inputs(), "--input", join(bad, "split"), "--out", out], /split\/scores-valid\.npy: scores the test split, expected valid/, weightsFile);
    mkdirSync(join(bad, "order"), { recursive: true });
    copyFileSync(join(root, "models", "good", "scores-valid.npy"), join(bad, "order", "scores-valid.npy"));
    writeFileSync(join(bad, "order", "scores-valid.provenance.json"), JSON.stringify({ ...sidecar, queryDigest: "0123456789abcdef" }));
    expectError(["ensemble", "fit", "--data", data, ...inputs(), "--input", join(bad, "order"), "--out", out], /order\/scores-valid\.npy: was scored on other valid queries or another query order/, weightsFile);
    mkdirSync(join(bad, "nan"), { recursive: true });
    const nan = scoresFor(data, "valid", specs.good);
    nan[7 * 25 + 3] = Number.NaN;
    writeScores(data, "valid", join(bad, "nan", "scores-valid.npy"), nan);
    expectError(["ensemble", "fit", "--data", data, ...inputs(), "--input", join(bad, "nan"), "--out", out], /nan\/scores-valid\.npy: element 178 is NaN/, weightsFile);
    expectError(["ensemble", "fit", "--data", data, ...inputs(), "--search", "grid", "--out", out], /--search: unknown method 'grid' \(known: coordinate, nelder-mead, cmaes\)/, weightsFile);
  });

  it("refuses a weights file for other inputs or another dataset, writing nothing", () => {
    const out = join(root, "ens-other");
    mkdirSync(out, { recursive: true });
    const weights = JSON.parse(readFileSync(join(root, "ens", "weights.json"), "utf8")) as Record<string, unknown> & { groups: { weights: number[] }[] };
    writeFileSync(join(out, "weights.json"), JSON.stringify({ ...weights, groups: [{ relations: null, weights: [1, 2] }] }));
    expectError(["ensemble", "apply", "--data", data, "--ensemble", out], /weights\.json: a weight group has 2 weights for 5 inputs/, join(out, "test-top10.npy"));
    writeFileSync(join(out, "weights.json"), JSON.stringify({ ...weights, fingerprint: "ffffffffffffffff", dataset: "elsewhere" }));
    expectError(["ensemble", "apply", "--data", data, "--ensemble", out], /weights\.json: fitted on dataset 'elsewhere'/, join(out, "test-top10.npy"));
    writeFileSync(join(out, "weights.json"), JSON.stringify({ ...weights, inputs: [{ name: "gone", kind: "model", path: join(root, "models", "gone"), normalisation: "query-minmax" }], groups: [{ relations: null, weights: [1] }] }));
    expectError(["ensemble", "apply", "--data", data, "--ensemble", out], /gone\/scores-test\.npy: missing: input 'gone' has no test scores/, join(out, "test-top10.npy"));
  });

  it("submit refuses a top-10 of the wrong shape, out-of-range or repeated indices; evaluate scores repeats 0", () => {
    const out = join(root, "ens-sub");
    const submission = join(out, "t_pred_wikikg90m.npz");
    const top = readNpyInt32(join(root, "ens", "test-top10.npy")).data;
    writeNpy(join(out, "test-top10.npy"), "<i4", [59, 10], top.subarray(0, 590));
    expectError(["submit", "--data", data, "--ensemble", out], /test-top10\.npy: shape \(59, 10\), expected \(60, 10\)/, submission);
    const outOfRange = top.slice();
    outOfRange[13] = 25;
    writeNpy(join(out, "test-top10.npy"), "<i4", [60, 10], outOfRange);
    expectError(["submit", "--data", data, "--ensemble", out], /row 1, column 3: candidate index 25 outside \[0, 25\)/, submission);
    const repeated = top.slice();
    repeated[21] = repeated[20]!;
    writeNpy(join(out, "test-top10.npy"), "<i4", [60, 10], repeated);
    expectError(["submit", "--data", data, "--ensemble", out], /row 2 repeats candidate index/, submission);
    writeNpy(join(out, "floats.npy"), "<f4", [60, 10], new Float32Array(600));
    expectError(["evaluate", "--pred", join(out, "floats.npy"), "--data", data, "--split", "test"], /floats\.npy: dtype <f4, expected integer candidate indices/);
    const r = kgc("evaluate", "--pred", join(out, "test-top10.npy"), "--data", data, "--split", "test");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /MRR 0\.0000 .*1 rows repeat an index/);
  });
});
