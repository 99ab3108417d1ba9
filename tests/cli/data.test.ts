import assert from "node:assert/strict";
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { readNpyInt32, writeNpy } from "../../src/io/npy.js";
import { runKgc, tmpDir } from "../helpers.js";

/**
 * One test per bad input of the data stage: a single clear line naming the file and the problem,
 * a non-zero exit, and no partial output folder.
 */
const work = tmpDir("data-cli");
const good = join(work, "good");
const E = 1000;
const K = 51;

before(() => {
  const r = runKgc(["data", "synth", "--out", good, "--entities", String(E), "--relations", "12", "--train", "3000", "--valid", "20", "--test", "20", "--candidates", String(K), "--feature-dim", "8", "--seed", "5"]);
  assert.equal(r.code, 0, r.stderr);
});

/** Copies the good OGB folder, lets `mutate` break it, runs the import and checks the failure. */
function expectImportFailure(name: string, mutate: (root: string) => void, file: RegExp, problem: RegExp): void {
  const root = join(work, name);
  cpSync(good, root, { recursive: true });
  mutate(root);
  const out = join(work, `out-${name}`);
  const r = runKgc(["data", "import", "--ogb", root, "--name", name, "--out", out]);
  assert.notEqual(r.code, 0, "must fail");
  const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("kgc: error:"));
  assert.equal(lines.length, 1, `one error line, got: ${r.stderr}`);
  assert.match(lines[0]!, file);
  assert.match(lines[0]!, problem);
  assert.equal(existsSync(join(out, name)), false, "no partial dataset folder");
  assert.deepEqual(existsSync(out) ? readdirSync(out) : [], [], "no temporary leftovers");
}

function rewriteInt64(path: string, width: number, edit: (data: Int32Array) => void): void {
  const data = readNpyInt32(path).data;
  edit(data);
  writeNpy(path, "<i8", width === 1 ? [data.length] : [data.length / width, width], data);
}

describe("kgc data import: bad OGB input", () => {
  test("missing OGB file", () => expectImportFailure("missing", (root) => rmSync(join(root, "processed/val_hr.npy")), /val_hr\.npy/, /missing OGB file/));
  test("empty npy file", () => expectImportFailure("empty", (root) => writeFileSync(join(root, "processed/test_t_candidate.npy"), ""), /test_t_candidate\.npy/, /empty file/));
  test("corrupt npy header", () =>
    expectImportFailure("corrupt", (root) => writeFileSync(join(root, "processed/train_hrt.npy"), Buffer.from("\x93NUMPY\x01\x00\x10\x00{'descr': 'zz'}   \n", "latin1")), /train_hrt\.npy/, /corrupt npy header/));
  test("shape disagreeing with the file size", () =>
    expectImportFailure("shape", (root) => appendFileSync(join(root, "processed/val_hr.npy"), Buffer.alloc(8)), /val_hr\.npy/, /needs \d+ bytes but the file has \d+/));
  test("entity id outside [0, num_entities)", () =>
    expectImportFailure("range", (root) => rewriteInt64(join(root, "processed/train_hrt.npy"), 3, (d) => (d[3 * 10 + 2] = E)), /train_hrt\.npy/, new RegExp(`row 10: tail ${E} outside \\[0, ${E}\\)`)));
  test("negative id", () =>
    expectImportFailure("negative", (root) => rewriteInt64(join(root, "processed/train_hrt.npy"), 3, (d) => (d[0] = -4)), /train_hrt\.npy/, /row 0: head -4 outside/));
  test("candidate row with a duplicate", () =>
    expectImportFailure("duplicate", (root) => rewriteInt64(join(root, "processed/val_t_candidate.npy"), K, (d) => (d[K * 3 + 4] = d[K * 3 + 9]!)), /val_t_candidate\.npy/, /row 3: id \d+ appears twice/));
  test("NaN in features", () =>
    expectImportFailure("nan", (root) => {
      const values = new Float32Array(E * 8).fill(0.25);
      values[8 * 17 + 3] = NaN;
      writeNpy(join(root, "processed/entity_feat.npy"), "<f2", [E, 8], values);
    }, /entity_feat\.npy/, /element 139 is NaN/));
});

describe("kgc data import: bad TSV input", () => {
  const tsvFolder = (name: string, files: Record<string, string>): string => {
    const folder = join(work, `tsv-${name}`);
    mkdirSync(folder, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(folder, file), text);
    return folder;
  };
  const tsvCase = (name: string, train: string, problem: RegExp): void => {
    const out = join(work, `tsvout-${name}`);
    const r = runKgc(["data", "import", "--tsv", tsvFolder(name, { "train.txt": train }), "--name", name, "--out", out]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /kgc: error: .*train\.txt/);
    assert.match(r.stderr, problem);
    assert.equal(existsSync(join(out, name)), false);
  };
  test("line without three fields", () => tsvCase("fields", "a\tr\tb\nc\tr\n", /line 2/));
  test("empty file", () => tsvCase("empty", "", /empty/));
  test("candidates larger than the graph", () => {
    const folder = tsvFolder("small", { "train.txt": "a\tr\tb\nb\tr\tc\n", "valid.txt": "a\tr\tc\n" });
    const r = runKgc(["data", "import", "--tsv", folder, "--name", "small", "--out", join(work, "o-small"), "--candidates", "1000"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--candidates: 1000 negatives \+ the true tail need 1001 entities, but small valid has only 3/);
  });
  test("missing input folder", () => {
    const r = runKgc(["data", "import", "--tsv", join(work, "nope"), "--name", "x", "--out", join(work, "o-x")]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nope: input not found/);
  });
});
