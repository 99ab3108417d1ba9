/**
 * `kgc eval` and `kgc score` end to end on a tiny TSV dataset, and every bad input of issue 5 as
 * one clear error with exit code 2 and no output file: a model of another dataset (entity count,
 * and same counts with other names = dictionary mismatch), a split without candidates for the
 * candidate protocol and for score, a truncated embedding file, a directory that is no model.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readNpyHeader } from "../../src/io/npy.js";
import { runKgc, tmpDir } from "../helpers.js";

let root = "";
let registry = "";
const kgc = (...args: string[]) => runKgc(args, { registry });

function importToy(name: string, prefix: string, entities: number, candidates: number, out = join(root, "data")): string {
  const tsv = join(root, `tsv-${name}-${prefix}-${entities}`);
  mkdirSync(tsv, { recursive: true });
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `${prefix}${(i + off) % entities}\tr${i % 3}\t${prefix}${(i * 7 + 1 + off) % entities}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(300, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(20, 5));
  writeFileSync(join(tsv, "test.txt"), lines(20, 9));
  const r = kgc("data", "import", "--tsv", tsv, "--name", name, "--out", out, "--candidates", String(candidates));
  assert.equal(r.code, 0, r.stderr);
  return join(out, name);
}

let data = "";
let modelDir = "";

before(() => {
  root = tmpDir("eval-cli");
  registry = join(root, "registry.sqlite");
  data = importToy("toy", "e", 30, 12);
  const r = kgc("train", "--data", data, "--model", "rotate", "--out", join(root, "models"), "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "30", "--threads", "1");
  assert.equal(r.code, 0, r.stderr);
  modelDir = join(root, "models", "toy", "rotate");
});

after(() => rmSync(root, { recursive: true, force: true }));

function expectError(args: string[], pattern: RegExp, noFile?: string): void {
  const r = kgc(...args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  if (noFile) assert.ok(!existsSync(noFile), `${noFile} must not exist`);
}

describe("kgc eval / kgc score", () => {
  it("eval prints both protocols and writes eval-test.json; score writes scores-test.npy [Q, K]", () => {
    const r = kgc("eval", "--model-dir", modelDir, "--data", data, "--threads", "2");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /filtered: MRR 0\.\d{4}/);
    assert.match(r.stdout, /candidates \(13\/row\): OGB MRR/);
    const report = JSON.parse(readFileSync(join(modelDir, "eval-test.json"), "utf8")) as { filtered: { queries: number; byRelation: unknown[] } };
    assert.equal(report.filtered.queries, 40);
    assert.ok(report.filtered.byRelation.length > 0);
    const s = kgc("score", "--model-dir", modelDir, "--data", data, "--split", "valid");
    assert.equal(s.code, 0, s.stderr);
    assert.deepEqual(readNpyHeader(join(modelDir, "scores-valid.npy")).shape, [20, 13]);
    const provenance = JSON.parse(readFileSync(join(modelDir, "scores-valid.provenance.json"), "utf8")) as { split: string; queries: number; width: number };
    assert.deepEqual([provenance.split, provenance.queries, provenance.width], ["valid", 20, 13]); // the ensemble checks query order with it
  });

  it("refuses a model trained on a dataset with another entity count", () => {
    const other = importToy("other", "e", 35, 12);
    expectError(["eval", "--model-dir", modelDir, "--data", other], /35 entities: the model was trained on another dataset|trained on dataset 'toy'/);
  });

  it("refuses a model whose dictionary differs (same name and counts, other entity names)", () => {
    const twin = importToy("toy", "x", 30, 12, join(root, "twin"));
    expectError(["eval", "--model-dir", modelDir, "--data", twin], /relations or train triples differ/);
    expectError(["score", "--model-dir", modelDir, "--data", twin, "--out", join(root, "s.npy")], /relations or train triples differ/, join(root, "s.npy"));
  });

  it("refuses the candidate protocol and score on a split without candidates", () => {
    const plain = importToy("toy", "e", 30, 0, join(root, "plain"));
    expectError(["eval", "--model-dir", modelDir, "--data", plain, "--protocol", "candidates"], /no candidate queries \(candidate protocol\)/);
    // a missing model directory is named before what the split lacks
    expectError(["eval", "--model-dir", join(root, "nowhere"), "--data", plain, "--protocol", "candidates"], /nowhere: not a trained model directory/);
    expectError(["score", "--model-dir", join(root, "nowhere"), "--data", plain, "--out", join(root, "p.npy")], /nowhere: not a trained model directory/, join(root, "p.npy"));
    expectError(["score", "--model-dir", modelDir, "--data", plain, "--out", join(root, "p.npy")], /no candidate queries to score/, join(root, "p.npy"));
    const r = kgc("eval", "--model-dir", modelDir, "--data", plain, "--protocol", "both");
    assert.equal(r.code, 0, r.stderr); // "both" runs what the split supports
  });

  it("refuses corrupt embedding files and a directory that is no model", () => {
    truncateSync(join(modelDir, "relation.npy"), 100);
    expectError(["eval", "--model-dir", modelDir, "--data", data, "--split", "valid"], /relation\.npy: (corrupt relation embedding file|relation embedding has shape)/, join(modelDir, "eval-valid.json"));
    writeFileSync(join(modelDir, "entity.npy"), "not an npy file");
    expectError(["score", "--model-dir", modelDir, "--data", data], /entity\.npy: corrupt entity embedding file/);
    expectError(["eval", "--model-dir", join(root, "nowhere"), "--data", data], /not a trained model directory/);
  });
});
