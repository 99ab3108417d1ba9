/**
 * Eval and score against brute force: a small random model (trained a few steps on a toy TSV
 * dataset) is ranked one query at a time with the plain-TS reference (`filteredRank` over a Set
 * filter; `candidateMrr` / `ogbMrr(topK)` over whole rows) and must match the threaded, blocked
 * native path exactly. A hand-built DistMult model checks known ranks including ties.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { nativeBackend, nativeScore } from "../../../src/backends/index.js";
import { Side } from "../../../src/core/types.js";
import { openDataset } from "../../../src/data/dataset.js";
import { buildFilterIndex } from "../../../src/data/filter-index.js";
import { candidateMrr, ogbMrr, topK } from "../../../src/eval/ogb-metric.js";
import { readNpyFloat32, writeNpy } from "../../../src/io/npy.js";
import { candidateEvaluation } from "../../../src/eval/candidate-eval.js";
import { evalStage } from "../../../src/eval/eval.js";
import { filteredRanking, realisticFilteredRank } from "../../../src/eval/filtered-ranking.js";
import { filteredRank, RankAccumulator } from "../../../src/eval/metrics.js";
import { scoreStage } from "../../../src/eval/score.js";
import { loadTrainedModel } from "../../../src/train/trained-model.js";

const KGC = fileURLToPath(new URL("../../../src/cli/kgc.js", import.meta.url));
let root = "";
let data = "";

function kgc(...args: string[]): void {
  execFileSync(process.execPath, [KGC, ...args], { stdio: "pipe", env: { ...process.env, KGC_REGISTRY: join(root, "registry.sqlite") } });
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "kgc-eval-"));
  process.env["KGC_REGISTRY"] = join(root, "registry.sqlite");
  const tsv = join(root, "tsv");
  mkdirSync(tsv);
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `e${(i + off) % 40}\tr${i % 4}\te${(i * 7 + 3 + off) % 40}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(400, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(25, 11));
  writeFileSync(join(tsv, "test.txt"), lines(30, 17));
  kgc("data", "import", "--tsv", tsv, "--name", "toy", "--out", join(root, "data"), "--candidates", "15");
  data = join(root, "data", "toy");
});

after(() => rmSync(root, { recursive: true, force: true }));

function train(model: string, dim: number): string {
  kgc("train", "--data", data, "--model", model, "--out", join(root, "models"), "--dim", String(dim), "--batch", "16", "--negatives", "8", "--steps", "30", "--threads", "1", "--set", "validEvery=0", "--force");
  return join(root, "models", "toy", model);
}

describe("filtered ranking", () => {
  it("realisticFilteredRank equals the reference filteredRank, ties and filter included", () => {
    const scores = Float32Array.of(0.5, 0.9, 0.5, 0.1, 0.9, 0.5);
    for (const [truth, filter] of [[0, [1]], [2, [0, 4]], [3, []], [5, [0, 1, 2, 3, 4, 5]]] as const) {
      assert.equal(realisticFilteredRank(scores, truth, Int32Array.from(filter)), filteredRank(scores, truth, filter).realistic);
    }
    // truth 0 (0.5): better {1, 4}, tied {2, 5} + itself; filter removes 1 -> optimistic 2, pessimistic 4
    assert.equal(realisticFilteredRank(scores, 0, Int32Array.of(1)), 3);
  });

  for (const model of ["rotate", "transe-l2", "complex"]) {
    it(`${model}: blocked, threaded native ranking == brute force per query`, async () => {
      const dir = train(model, 8);
      const ds = openDataset(data);
      try {
        const { tables: spec } = loadTrainedModel(dir, ds);
        const parts = await ds.allTriples();
        const test = await ds.triples("test");
        const known = new Set<string>();
        for (const p of parts) for (let i = 0; i < p.length; i++) known.add(`${p.head[i]},${p.relation[i]},${p.tail[i]}`);
        const E = ds.numEntities;
        const all = Int32Array.from({ length: E }, (_, i) => i);
        const S = new Float32Array(E);
        const ref = new RankAccumulator();
        for (const side of [Side.Tail, Side.Head]) {
          for (let q = 0; q < test.length; q++) {
            const h = test.head[q]!, r = test.relation[q]!, t = test.tail[q]!;
            const tail = side === Side.Tail;
            nativeScore(spec, Int32Array.of(tail ? h : t), Int32Array.of(r), tail, all, 0, S);
            const filter = all.filter((e) => (tail ? known.has(`${h},${r},${e}`) : known.has(`${e},${r},${t}`)));
            ref.addScores(S, tail ? t : h, filter, r, side);
          }
        }
        const got = await filteredRanking({
          backend: nativeBackend(), tables: spec, triples: test, threads: 2, block: 7,
          tailFilter: buildFilterIndex(parts, ds.numRelations, Side.Tail), headFilter: buildFilterIndex(parts, ds.numRelations, Side.Head),
        });
        const want = ref.finalize();
        assert.equal(got.overall.count, 2 * test.length);
        for (const k of ["mrr", "meanRank", "hits1", "hits3", "hits10"] as const) {
          assert.ok(Math.abs(got.overall[k] - want.overall[k]) < 1e-12, `${k}: ${got.overall[k]} vs ${want.overall[k]}`);
          assert.ok(Math.abs(got.head![k] - want.head![k]) < 1e-12);
        }
        assert.deepEqual(got.byRelation.map((x) => x.relation), want.byRelation.map((x) => x.relation));
      } finally {
        ds.close();
      }
    });
  }

  it("a hand-built DistMult (dim 1) gives the ranks computed by hand, ties realistic", async () => {
    // entity values v = [1, 2, 2, 3, 0], relation 0 value 1: s(h, 0, t) = v_h * v_t
    const dir = train("distmult", 1);
    const ds = openDataset(data);
    try {
      const { tables: spec } = loadTrainedModel(dir, ds);
      spec.entity.rows.fill(0);
      spec.entity.rows.set([1, 2, 2, 3, 0]);
      spec.relation.rows.fill(1);
      const none = buildFilterIndex([], ds.numRelations, Side.Tail);
      // (e0, r0, e1): tail side, scores v_t: e3 (3) better, e1/e2 (2) tied -> (2 + 3) / 2 = 2.5
      // head side (?, r0, e1): scores 2*v_h: same order for e0 (1): better e1, e2, e3 -> 4 + others 0 below -> optimistic 4, pessimistic 4
      // the remaining 35 entities have value 0 and score 0, below every positive score
      const triples = { head: Int32Array.of(0), relation: Int32Array.of(0), tail: Int32Array.of(1), length: 1 };
      const m = await filteredRanking({ backend: nativeBackend(), tables: spec, triples, threads: 2, tailFilter: none, headFilter: buildFilterIndex([], ds.numRelations, Side.Head) });
      assert.equal(m.tail!.meanRank, 2.5);
      assert.equal(m.head!.meanRank, 4);
      // filtering e3 from the tail side: rank (1 + 2) / 2 = 1.5
      const filt = buildFilterIndex([{ head: Int32Array.of(0, 0), relation: Int32Array.of(0, 0), tail: Int32Array.of(3, 1), length: 2 }], ds.numRelations, Side.Tail);
      const m2 = await filteredRanking({ backend: nativeBackend(), tables: spec, triples, threads: 1, tailFilter: filt, headFilter: none });
      assert.equal(m2.tail!.meanRank, 1.5);
      assert.equal(m2.overall.mrr, (1 / 1.5 + 1 / 4) / 2);
    } finally {
      ds.close();
    }
  });
});

describe("candidate protocol and score stage", () => {
  it("candidate metrics and scores-<split>.npy == brute force over whole rows", async () => {
    const dir = train("rotate", 8);
    const ds = openDataset(data);
    try {
      const { tables: spec } = loadTrainedModel(dir, ds);
      const q = ds.queries("test")!;
      const Q = q.head.length, K = q.width;
      const full = new Float32Array(Q * K);
      nativeScore(spec, q.head, q.relation, true, q.candidates, K, full);
      const rows = ds.queryRows("test")!;
      const got = await candidateEvaluation(nativeBackend(), spec, rows, 2, "test", 4);
      rows.close();
      const want = candidateMrr(full, q.correctIndex!);
      assert.deepEqual(got.candidates, want);
      assert.deepEqual(got.ogb, ogbMrr(topK(full, 10, K), q.correctIndex!, K));
      const r = await scoreStage({ modelDir: dir, dataDir: data, split: "test", threads: 2, chunk: 7, command: [] });
      const npy = readNpyFloat32(r.outPath);
      assert.deepEqual(npy.shape, [Q, K]);
      assert.deepEqual(npy.data, full);
    } finally {
      ds.close();
    }
  });

  it("queryRows reads any range of candidate rows as queries() holds them, through the caller's scratch", () => {
    const ds = openDataset(data);
    try {
      const whole = ds.queries("valid")!;
      const rows = ds.queryRows("valid")!;
      const K = rows.width;
      assert.deepEqual([rows.head, rows.relation, rows.correctIndex], [whole.head, whole.relation, whole.correctIndex]);
      const scratch = new Int32Array(9 * K);
      for (const [start, end] of [[0, 1], [3, 12], [16, 25], [24, 25]] as const) {
        const got = rows.rows(start, end, scratch);
        assert.equal(got.buffer, scratch.buffer);
        assert.deepEqual(got, whole.candidates.subarray(start * K, end * K));
      }
      rows.close();
    } finally {
      ds.close();
    }
  });

  it("evalStage writes eval-<split>.json with both protocols", async () => {
    const dir = train("transe-l2", 8);
    const r = await evalStage({ modelDir: dir, dataDir: data, split: "valid", protocol: "both", threads: 2, command: [] });
    const json = JSON.parse(readFileSync(join(dir, "eval-valid.json"), "utf8")) as typeof r;
    assert.equal(json.filtered!.queries, 50);
    assert.ok(json.filtered!.overall.mrr > 0 && json.filtered!.overall.mrr <= 1);
    assert.equal(json.candidates!.queries, 25);
    assert.deepEqual(json.candidates!.ogb!.duplicateRows, []);
  });

  it("score and eval give the same bytes with entity.npy memory-mapped (mapAboveBytes 0) and read, at any chunk", async () => {
    const dir = train("transe-l2", 8);
    const ds = openDataset(data);
    assert.ok(loadTrainedModel(dir, ds, undefined, 0).tables.entity.mapped); // the two paths really differ
    assert.equal(loadTrainedModel(dir, ds).tables.entity.mapped, undefined);
    ds.close();
    const files: Buffer[] = [];
    for (const [mapAboveBytes, chunk] of [[undefined, 16384], [0, 16384], [0, 3]] as const) {
      const out = join(root, `scores-${mapAboveBytes}-${chunk}.npy`);
      await scoreStage({ modelDir: dir, dataDir: data, split: "valid", threads: 2, chunk, out, mapAboveBytes, command: [] });
      files.push(readFileSync(out));
    }
    assert.deepEqual(files[1], files[0]);
    assert.deepEqual(files[2], files[0]);
    const read = await evalStage({ modelDir: dir, dataDir: data, split: "valid", protocol: "both", threads: 2, command: [] });
    const mapped = await evalStage({ modelDir: dir, dataDir: data, split: "valid", protocol: "both", threads: 2, mapAboveBytes: 0, command: [] });
    assert.deepEqual(mapped.candidates!.candidates, read.candidates!.candidates);
    assert.deepEqual(mapped.candidates!.ogb, read.candidates!.ogb);
    assert.deepEqual(mapped.filtered!.overall, read.filtered!.overall);
  });

  it("a corrupt entity table is refused by name", async () => {
    const dir = train("distmult", 4);
    const ds = openDataset(data);
    try {
      const e = readNpyFloat32(join(dir, "entity.npy"));
      e.data[5] = Number.NaN;
      writeNpy(join(dir, "entity.npy"), "<f4", e.shape, e.data);
      assert.throws(() => loadTrainedModel(dir, ds), /entity\.npy: corrupt entity embedding file/);
      assert.throws(() => loadTrainedModel(dir, ds, undefined, 0), /entity\.npy: corrupt entity embedding file \(element 5 is not finite/); // mapped
    } finally {
      ds.close();
    }
  });
});
