/**
 * `kgc predict` end to end on a tiny named TSV dataset: the same query by name and by id, a triple,
 * a TSV input file, every entity ranked; unknown names with close matches, ids out of range and
 * malformed input as one-line errors with nothing written; and the fitted ensemble (a weights.json
 * of the contract schema written here) whose --explain contributions sum to the blended score,
 * with a feature input used on a row of the fitted split and left out, with a note, elsewhere.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openDataset } from "../../src/data/dataset.js";
import type { EnsembleWeights } from "../../src/ensemble/weights.js";
import { writeNpy } from "../../src/io/npy.js";
import { datasetFingerprint } from "../../src/models/fingerprint.js";
import { runKgc, tmpDir } from "../helpers.js";

let root = "";
let registry = "";
let data = "";
const kgc = (...args: string[]) => runKgc(args, { registry });
const model = (name: string): string => join(root, "models", "toy", name);
const NAMES = ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy lee"];
const RELATIONS = ["likes", "knows", "hates"];

interface Json {
  notes: string[];
  results: { head: { id: number; name: string }; relation: { id: number; name: string }; candidates: number | "all"; predictions: { rank: number; score: number; tail: { id: number; name: string }; explain?: { input: string; raw: number | null; contribution: number | null; rank: number | null }[] }[] }[];
}

before(() => {
  root = tmpDir("predict-cli");
  registry = join(root, "registry.sqlite");
  const tsv = join(root, "tsv");
  mkdirSync(tsv, { recursive: true });
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `${NAMES[(i + off) % 10]}\t${RELATIONS[i % 3]}\t${NAMES[(i * 7 + 1 + off) % 10]}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(200, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(12, 5));
  writeFileSync(join(tsv, "test.txt"), lines(12, 9));
  let r = kgc("data", "import", "--tsv", tsv, "--name", "toy", "--out", join(root, "data"), "--candidates", "5");
  assert.equal(r.code, 0, r.stderr);
  data = join(root, "data", "toy");
  for (const m of ["rotate", "distmult"]) {
    r = kgc("train", "--data", data, "--model", m, "--out", join(root, "models"), "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "30", "--threads", "1");
    assert.equal(r.code, 0, r.stderr);
  }
});

after(() => rmSync(root, { recursive: true, force: true }));

function ok(...args: string[]): string {
  const r = kgc(...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

function expectError(args: string[], pattern: RegExp, noFile?: string): void {
  const r = kgc(...args);
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.equal(r.stdout, "");
  if (noFile) assert.ok(!existsSync(noFile), `${noFile} must not exist`);
}

describe("kgc predict, one model", () => {
  it("a query by name and the same query by id give the same top k over all entities", () => {
    const byName = ok("predict", "--model-dir", model("rotate"), "--data", data, "--query", "alice likes", "--top", "4");
    const q = (JSON.parse(ok("predict", "--model-dir", model("rotate"), "--data", data, "--query", "alice likes", "--top", "1", "--format", "json")) as Json).results[0]!;
    assert.deepEqual([q.head.name, q.relation.name], ["alice", "likes"]);
    const byId = ok("predict", "--model-dir", model("rotate"), "--data", data, "--query", `${q.head.id} ${q.relation.id}`, "--top", "4");
    assert.equal(byId, byName);
    const lines = byName.trim().split("\n");
    assert.equal(lines[0], "query\thead\trelation\trank\ttail\tscore");
    assert.equal(lines.length, 5);
    assert.deepEqual(lines.slice(1).map((l) => l.split("\t")[3]), ["1", "2", "3", "4"]);
  });

  it("ranks every entity: --top above the entity count lists each once, scores descending, and a triple's rank is its place there", () => {
    const all = JSON.parse(ok("predict", "--model-dir", model("distmult"), "--data", data, "--query", "bob knows", "--top", "99", "--format", "json")) as Json;
    const p = all.results[0]!.predictions;
    assert.equal(all.results[0]!.candidates, "all");
    assert.deepEqual(p.map((x) => x.tail.name).sort(), [...NAMES].sort());
    for (let i = 1; i < p.length; i++) assert.ok(p[i - 1]!.score >= p[i]!.score);
    const third = p[2]!.tail.name;
    const t = JSON.parse(ok("predict", "--model-dir", model("distmult"), "--data", data, "--triple", `bob knows ${third}`, "--format", "json")) as Json;
    assert.equal(t.results[0]!.predictions[0]!.rank, 3);
    assert.ok(Math.abs(t.results[0]!.predictions[0]!.score - p[2]!.score) < 1e-5);
  });

  it("--candidates ranks only those; a TSV --input mixes queries and triples; --explain adds the raw score and rank", () => {
    const input = join(root, "in.tsv");
    writeFileSync(input, "alice\tlikes\r\n# a comment\n\ncarol\thates\tdave\n");
    const out = ok("predict", "--model-dir", model("rotate"), "--data", data, "--input", input, "--candidates", "bob,eve,judy lee", "--explain");
    const rows = out.trim().split("\n").map((l) => l.split("\t"));
    assert.deepEqual(rows[0], ["query", "head", "relation", "rank", "tail", "score", "rotate.raw", "rotate.rank"]);
    assert.deepEqual(rows.slice(1, 4).map((r) => r[4]).sort(), ["bob", "eve", "judy lee"]);
    assert.deepEqual(rows[4]!.slice(0, 3), ["2", "carol", "hates"]);
    assert.equal(rows[4]![4], "dave"); // the triple's tail joins the candidates
    for (const r of rows.slice(1)) assert.equal(r[5], r[6]);
  });

  it("a --query with a tab splits on tabs, so names may hold spaces", () => {
    const r = JSON.parse(ok("predict", "--model-dir", model("rotate"), "--data", data, "--query", "judy lee\tknows", "--top", "1", "--format", "json")) as Json;
    assert.equal(r.results[0]!.head.name, "judy lee");
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "judy lee knows"], /expected "head relation" \(2 fields\), got 3/);
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "judy\tknows"], /unknown entity name 'judy'; close matches: 'judy lee'/);
  });

  it("unknown names get close matches, ids out of range and malformed input one line each, and nothing is written", () => {
    const out = join(root, "never.tsv");
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "alise likes", "--out", out], /--query "alise likes": unknown entity name 'alise'; close matches: 'alice'/, out);
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "alice lkes", "--out", out], /unknown relation name 'lkes'; close matches: 'likes'/, out);
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "99 likes"], /--query "99 likes": unknown entity '99' \(ids are 0\.\.9\)/);
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "alice"], /expected "head relation" \(2 fields\), got 1/);
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--query", "alice likes", "--candidates", "bob,bob"], /--candidates: 'bob' is listed twice/);
    const bad = join(root, "bad.tsv");
    writeFileSync(bad, "alice\tlikes\nalice\tlikes\tbob\textra\n");
    expectError(["predict", "--model-dir", model("rotate"), "--data", data, "--input", bad], /bad\.tsv: line 2: expected head<TAB>relation\[<TAB>tail\], got 4 fields/);
    expectError(["predict", "--data", data, "--query", "alice likes"], /give exactly one of them/);
  });
});

describe("kgc predict --ensemble", () => {
  let weightsPath = "";
  let row = { head: "", relation: "", candidates: [] as string[] };

  before(() => {
    const ds = openDataset(data);
    const q = ds.queries("valid")!;
    const dict = ds.dictionary();
    row = { head: dict.nameOf("entity", q.head[0]!), relation: dict.nameOf("relation", q.relation[0]!), candidates: Array.from(q.candidates.subarray(0, q.width), (id) => dict.nameOf("entity", id)) };
    const feature = join(root, "valid-degree.npy");
    writeNpy(feature, "<f4", [q.head.length, q.width], Float32Array.from({ length: q.candidates.length }, (_, i) => (i * 37) % 11));
    const w: EnsembleWeights = {
      format: "kgc-ensemble/1", dataset: ds.name, fingerprint: datasetFingerprint(ds), split: "valid", queries: q.head.length, width: q.width,
      inputs: [
        { name: "rotate", kind: "model", path: model("rotate"), leaksCandidates: false, normalisation: "query-minmax" },
        { name: "distmult", kind: "model", path: model("distmult"), leaksCandidates: false, normalisation: "query-rank" },
        { name: "feature:degree", kind: "feature", path: feature, feature: "degree", leaksCandidates: false, normalisation: "global-minmax", min: 0, max: 10 },
      ],
      groups: [{ relations: [q.relation[0]!], weights: [0.5, 0.3, 0.2] }, { relations: null, weights: [1, 0.25, 0.75] }],
      search: "coordinate-ascent", folds: [], heldOutMrr: 0.5, inSampleMrr: 0.6, createdAt: new Date(0).toISOString(),
    };
    ds.close();
    weightsPath = join(root, "weights.json");
    writeFileSync(weightsPath, JSON.stringify(w));
  });

  it("--explain: the inputs' contributions sum to the blended score; a row of the fitted split uses the feature", () => {
    const r = JSON.parse(ok("predict", "--ensemble", weightsPath, "--data", data, "--query", `${row.head} ${row.relation}`, "--candidates", row.candidates.join(","), "--explain", "--format", "json")) as Json;
    assert.deepEqual(r.notes, []);
    const p = r.results[0]!.predictions;
    assert.equal(p.length, row.candidates.length);
    for (const x of p) {
      const sum = x.explain!.reduce((s, e) => s + e.contribution!, 0);
      assert.ok(Math.abs(sum - x.score) < 1e-9, `${sum} vs ${x.score}`);
      assert.deepEqual(x.explain!.map((e) => e.input), ["rotate", "distmult", "feature:degree"]);
      assert.ok(x.explain!.every((e) => e.raw !== null && e.rank! >= 1 && e.rank! <= row.candidates.length));
    }
    // weight 0.3 x query-rank: the best distmult candidate contributes 0.3, the worst 0.3 / K
    const dm = p.map((x) => x.explain![1]!.contribution!);
    assert.ok(Math.abs(Math.max(...dm) - 0.3) < 1e-12 && Math.abs(Math.min(...dm) - 0.3 / row.candidates.length) < 1e-12);
    for (let i = 1; i < p.length; i++) assert.ok(p[i - 1]!.score >= p[i]!.score);
  });

  it("elsewhere the feature is left out with a one-line note; among all entities the union of the models' top lists is ranked", () => {
    const r = kgc("predict", "--ensemble", weightsPath, "--data", data, "--query", "judy lee\thates", "--explain", "--format", "json", "--top", "3");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: feature input 'feature:degree' left out: the query is not a row of the fitted split 'valid' \(1 of 1 queries\)/);
    const j = JSON.parse(r.stdout) as Json;
    assert.ok((j.results[0]!.candidates as number) >= 5);
    const two = JSON.parse(ok("predict", "--ensemble", weightsPath, "--data", data, "--query", "alice likes", "--query", "judy lee\thates", "--explain", "--format", "json", "--top", "3")) as Json;
    assert.deepEqual([two.results[1]!.candidates, two.results[1]!.predictions], [j.results[0]!.candidates, j.results[0]!.predictions], "queries batched in one pass rank as they do alone");
    for (const x of j.results[0]!.predictions) {
      assert.equal(x.explain![2]!.contribution, null);
      assert.ok(Math.abs(x.explain![0]!.contribution! + x.explain![1]!.contribution! - x.score) < 1e-9);
    }
  });

  it("refuses a weights file of another dataset or of the wrong schema", () => {
    const other = join(root, "other.json");
    writeFileSync(other, JSON.stringify({ format: "kgc-ensemble/1" }));
    expectError(["predict", "--ensemble", other, "--data", data, "--query", "alice likes"], /other\.json: dataset: /);
  });
});
