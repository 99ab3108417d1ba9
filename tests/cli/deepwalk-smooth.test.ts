/**
 * `kgc deepwalk` and `kgc smooth` end to end on a tiny TSV dataset (the outputs are model folders
 * `kgc score` reads unchanged), and their bad inputs: one `kgc: error:` line naming the flag or
 * file, exit code 2, nothing written.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readNpyFloat32, readNpyInt32 } from "../../src/io/npy.js";
import { runKgc, tmpDir } from "../helpers.js";

let root = "";
let registry = "";
let data = "";
const kgc = (...args: string[]) => runKgc(args, { registry });

before(() => {
  root = tmpDir("deepwalk-cli");
  registry = join(root, "registry.sqlite");
  const tsv = join(root, "tsv");
  mkdirSync(tsv, { recursive: true });
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `e${(i + off) % 30}\tr${i % 3}\te${(i * 7 + 1 + off) % 30}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(300, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(20, 5));
  writeFileSync(join(tsv, "test.txt"), lines(20, 9));
  const r = kgc("data", "import", "--tsv", tsv, "--name", "toy", "--out", join(root, "data"), "--candidates", "12");
  assert.equal(r.code, 0, r.stderr);
  data = join(root, "data", "toy");
});

after(() => rmSync(root, { recursive: true, force: true }));

function expectError(args: string[], pattern: RegExp, noPath: string): void {
  const r = kgc(...args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.ok(!existsSync(noPath), `${noPath} must not exist`);
}

const small = ["--dim", "8", "--walks-per-node", "3", "--walk-length", "6", "--epochs", "1", "--threads", "1"];

describe("kgc deepwalk", () => {
  it("writes a model folder whose scores are <h, c> (cosine: unit rows) and records the run", () => {
    const out = join(root, "models");
    const r = kgc("deepwalk", "--data", data, "--out", out, ...small);
    assert.equal(r.code, 0, r.stderr);
    const dir = join(out, "toy", "deepwalk");
    const ent = readNpyFloat32(join(dir, "entity.npy"));
    assert.deepEqual(ent.shape, [30, 8]);
    assert.ok(readNpyFloat32(join(dir, "relation.npy")).data.every((v) => v === 1));
    const s = kgc("score", "--model-dir", dir, "--data", data, "--split", "valid", "--threads", "1");
    assert.equal(s.code, 0, s.stderr);
    const scores = readNpyFloat32(join(dir, "scores-valid.npy"));
    const hr = readNpyInt32(join(data, "valid-hr.npy")).data;
    const cands = readNpyInt32(join(data, "valid-candidates.npy")).data;
    const K = scores.shape[1]!;
    for (const [q, j] of [[0, 0], [3, 5], [19, K - 1]] as const) {
      const h = hr[2 * q]!, c = cands[q * K + j]!;
      let dot = 0;
      for (let k = 0; k < 8; k++) dot += ent.data[h * 8 + k]! * ent.data[c * 8 + k]!;
      assert.ok(Math.abs(scores.data[q * K + j]! - dot) < 1e-5, `query ${q} candidate ${j}`);
    }
    const runs = kgc("runs", "list", "--stage", "deepwalk", "--json");
    assert.match(runs.stdout, /"status":\s*"done"/);
    const c = kgc("deepwalk", "--data", data, "--out", join(root, "models-cos"), ...small, "--similarity", "cosine");
    assert.equal(c.code, 0, c.stderr);
    const unit = readNpyFloat32(join(root, "models-cos", "toy", "deepwalk", "entity.npy")).data;
    for (let e = 0; e < 30; e++) assert.ok(Math.abs(Math.hypot(...unit.subarray(e * 8, e * 8 + 8)) - 1) < 1e-5);
  });

  it("refuses a walk length of 0, a bad similarity and a dataset without CSR files, writing nothing", () => {
    const out = join(root, "bad-models");
    expectError(["deepwalk", "--data", data, "--out", out, "--walk-length", "0"], /^kgc: error: --walk-length: must be a positive integer, got 0/, out);
    expectError(["deepwalk", "--data", data, "--out", out, "--similarity", "l2"], /--similarity: must be dot or cosine/, out);
    const noCsr = join(root, "no-csr");
    cpSync(data, noCsr, { recursive: true });
    rmSync(join(noCsr, "csr-in-neighbor.npy"));
    expectError(["deepwalk", "--data", noCsr, "--out", out], /csr-in-neighbor\.npy: missing/, out);
  });
});

describe("kgc smooth", () => {
  let modelDir = "";
  before(() => {
    const r = kgc("train", "--data", data, "--model", "transe-l2", "--out", join(root, "models"), "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "30", "--threads", "1");
    assert.equal(r.code, 0, r.stderr);
    modelDir = join(root, "models", "toy", "transe-l2");
  });

  it("writes <model-dir>-smooth/ that kgc score reads; hops 0 copies the entities", () => {
    const r = kgc("smooth", "--model-dir", modelDir, "--hops", "0", "--threads", "1");
    assert.equal(r.code, 0, r.stderr);
    const out = `${modelDir}-smooth`;
    assert.deepEqual(readNpyFloat32(join(out, "entity.npy")).data, readNpyFloat32(join(modelDir, "entity.npy")).data);
    const s = kgc("smooth", "--model-dir", modelDir + "/", "--alpha", "0.9", "--hops", "2");
    assert.equal(s.code, 0, s.stderr);
    assert.notDeepEqual(readNpyFloat32(join(out, "entity.npy")).data, readNpyFloat32(join(modelDir, "entity.npy")).data);
    assert.equal(JSON.parse(readFileSync(join(out, "smooth.json"), "utf8")).hops, 2);
    const e = kgc("eval", "--model-dir", out, "--data", data, "--protocol", "candidates");
    assert.equal(e.code, 0, e.stderr);
  });

  it("refuses alpha outside (0, 1], negative hops and a model without an inverse transform, writing nothing", () => {
    const dm = join(root, "models", "toy", "distmult");
    const t = kgc("train", "--data", data, "--model", "distmult", "--out", join(root, "models"), "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "5", "--threads", "1");
    assert.equal(t.code, 0, t.stderr);
    rmSync(`${modelDir}-smooth`, { recursive: true, force: true });
    expectError(["smooth", "--model-dir", modelDir, "--alpha", "0"], /^kgc: error: --alpha: must be in \(0, 1\], got 0/, `${modelDir}-smooth`);
    expectError(["smooth", "--model-dir", modelDir, "--alpha", "1.01"], /--alpha: must be in \(0, 1\]/, `${modelDir}-smooth`);
    expectError(["smooth", "--model-dir", modelDir, "--hops", "-1"], /--hops: must be an integer >= 0, got -1/, `${modelDir}-smooth`);
    expectError(["smooth", "--model-dir", dm], /model 'distmult' has no inverse relation transform/, `${dm}-smooth`);
  });
});

