import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { readNpyFloat32, readNpyHeader, readNpyInt32 } from "../../../src/io/npy.js";
import { ARTEFACT_MARKER, writeArtefactMarker } from "../../../src/core/atomic.js";
import { drawSyntheticGraph, generateSynthetic, SYNTH_DEFAULTS, SYNTH_FILES, type SynthOptions, type SynthSummary } from "../../../src/data/synthetic.js";

/** Tiny but structured: 8 types, 40 relations (every planted role present), 1001 candidates. */
const TINY: SynthOptions = {
  numEntities: 4000,
  numRelations: 40,
  numTrain: 40_000,
  numValid: 400,
  numTest: 300,
  numCandidates: 1001,
  featureDim: 24,
  numTypes: 8,
  clustersPerType: 6,
  seed: 7,
};

let root = "";
let outDir = "";
let summary: SynthSummary;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "kgc-synth-"));
  outDir = join(root, "synth");
  summary = await generateSynthetic(TINY, outDir);
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

const path = (file: string): string => join(outDir, file);
const key = (h: number, r: number, t: number): string => `${h},${r},${t}`;

function trainTriples(): Int32Array {
  return readNpyInt32(path(SYNTH_FILES.train)).data;
}

function trainSet(train: Int32Array): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < train.length; i += 3) set.add(key(train[i]!, train[i + 1]!, train[i + 2]!));
  return set;
}

describe("synthetic WikiKG90M: layout", () => {
  test("writes the OGB v1 files with the right dtypes and shapes", () => {
    const E = TINY.numEntities!;
    const expect: Array<[string, string, number[]]> = [
      [SYNTH_FILES.train, "<i8", [TINY.numTrain!, 3]],
      [SYNTH_FILES.validHr, "<i8", [TINY.numValid!, 2]],
      [SYNTH_FILES.validCandidates, "<i8", [TINY.numValid!, 1001]],
      [SYNTH_FILES.validCorrect, "<i8", [TINY.numValid!]],
      [SYNTH_FILES.testHr, "<i8", [TINY.numTest!, 2]],
      [SYNTH_FILES.testCandidates, "<i8", [TINY.numTest!, 1001]],
      [SYNTH_FILES.entityFeatures, "<f2", [E, TINY.featureDim!]],
      [SYNTH_FILES.relationFeatures, "<f2", [TINY.numRelations!, TINY.featureDim!]],
      [SYNTH_FILES.testCorrect, "<i8", [TINY.numTest!]],
    ];
    for (const [file, dtype, shape] of expect) {
      const header = readNpyHeader(path(file));
      assert.equal(header.dtype, dtype, file);
      assert.deepEqual(header.shape, shape, file);
    }
    assert.deepEqual(readdirSync(path("processed")).sort(), [
      "entity_feat.npy", "relation_feat.npy", "test_hr.npy", "test_t_candidate.npy", "train_hrt.npy",
      "val_hr.npy", "val_t_candidate.npy", "val_t_correct_index.npy",
    ]);
    assert.deepEqual(readdirSync(outDir).sort(), [ARTEFACT_MARKER, "RELEASE_v1.txt", "answers", "meta.json", "processed"]);
    const meta = JSON.parse(readFileSync(path(SYNTH_FILES.meta), "utf8")) as Record<string, unknown>;
    assert.equal(meta.num_entities, E);
    assert.equal(meta.num_relations, TINY.numRelations);
    assert.equal(meta.generator, "kgc synth");
    assert.equal(meta.seed, TINY.seed);
    assert.equal(meta.numTrain, TINY.numTrain);
    assert.equal(meta.latentDim, SYNTH_DEFAULTS.latentDim);
    assert.ok(readFileSync(path(SYNTH_FILES.release), "utf8").includes("WikiKG90M v1"));
    assert.ok(!existsSync(`${outDir}.tmp-${process.pid}`), "no temporary folder left");
  });

  test("ids are in range and train has neither duplicates nor self-loops", () => {
    const E = TINY.numEntities!;
    const R = TINY.numRelations!;
    const train = trainTriples();
    for (let i = 0; i < train.length; i += 3) {
      assert.ok(train[i]! >= 0 && train[i]! < E && train[i + 2]! >= 0 && train[i + 2]! < E);
      assert.ok(train[i + 1]! >= 0 && train[i + 1]! < R);
      assert.notEqual(train[i], train[i + 2]);
    }
    assert.equal(trainSet(train).size, TINY.numTrain);
  });

  test("numpy reads the same shapes, dtypes and values", (t) => {
    const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
    if (probe.status !== 0) {
      t.skip("python3 with numpy is not available");
      return;
    }
    const script = [
      "import json, sys, numpy as np",
      "out = {}",
      "for name in sys.argv[2:]:",
      "    a = np.load(sys.argv[1] + '/' + name)",
      "    s = float(a.astype(np.float64).sum()) if a.dtype.kind == 'f' else int(a.astype(np.int64).sum())",
      "    out[name] = [list(a.shape), a.dtype.str, s, a.reshape(-1)[:5].astype(np.float64).tolist()]",
      "print(json.dumps(out))",
    ].join("\n");
    const files = Object.values(SYNTH_FILES).filter((f) => f.endsWith(".npy"));
    const run = spawnSync("python3", ["-c", script, outDir, ...files], { encoding: "utf8", maxBuffer: 1 << 24 });
    assert.equal(run.status, 0, run.stderr);
    const numpy = JSON.parse(run.stdout) as Record<string, [number[], string, number, number[]]>;
    for (const file of files) {
      const [shape, dtype, sum, head] = numpy[file]!;
      const header = readNpyHeader(path(file));
      assert.deepEqual(shape, header.shape, file);
      assert.equal(dtype, header.dtype, file);
      if (header.dtype === "<f2") {
        const data = readNpyFloat32(path(file)).data;
        let ours = 0;
        for (const v of data) ours += v;
        assert.ok(Math.abs(ours - sum) <= 1e-6 * Math.max(1, Math.abs(sum)) + 1e-3, `${file}: ${ours} vs ${sum}`);
        assert.deepEqual(Array.from(data.subarray(0, 5)), head, file);
      } else {
        const data = readNpyInt32(path(file)).data;
        assert.equal(data.reduce((a, b) => a + b, 0), sum, file);
        assert.deepEqual(Array.from(data.subarray(0, 5)), head, file);
      }
    }
  });
});

describe("synthetic WikiKG90M: determinism", () => {
  test("same seed gives the same bytes, another seed other bytes", async () => {
    const small: SynthOptions = { ...TINY, numEntities: 1500, numTrain: 8000, numValid: 50, numTest: 50, numCandidates: 101 };
    const a = join(root, "a");
    const b = join(root, "b");
    const c = join(root, "c");
    await generateSynthetic(small, a);
    await generateSynthetic(small, b);
    await generateSynthetic({ ...small, seed: 8 }, c);
    for (const file of Object.values(SYNTH_FILES)) {
      assert.ok(readFileSync(join(a, file)).equals(readFileSync(join(b, file))), `${file} differs between two runs`);
    }
    for (const file of [SYNTH_FILES.train, SYNTH_FILES.validCandidates, SYNTH_FILES.entityFeatures]) {
      assert.ok(!readFileSync(join(a, file)).equals(readFileSync(join(c, file))), `${file} ignores the seed`);
    }
  });
});

describe("synthetic WikiKG90M: queries and candidates", () => {
  test("candidate rows have no duplicates and the correct index points at the held-out tail", () => {
    const graph = drawSyntheticGraph(TINY);
    const K = 1001;
    const train = trainSet(trainTriples());
    for (const [split, hrFile, candFile, correctFile] of [
      [graph.triples.valid, SYNTH_FILES.validHr, SYNTH_FILES.validCandidates, SYNTH_FILES.validCorrect],
      [graph.triples.test, SYNTH_FILES.testHr, SYNTH_FILES.testCandidates, SYNTH_FILES.testCorrect],
    ] as const) {
      const hr = readNpyInt32(path(hrFile)).data;
      const cand = readNpyInt32(path(candFile)).data;
      const correct = readNpyInt32(path(correctFile)).data;
      let indexSum = 0;
      for (let q = 0; q < split.length; q++) {
        assert.equal(hr[2 * q], split.head[q]);
        assert.equal(hr[2 * q + 1], split.relation[q]);
        const row = cand.subarray(q * K, (q + 1) * K);
        assert.equal(new Set(row).size, K, `row ${q} repeats a candidate`);
        const at = correct[q]!;
        assert.ok(at >= 0 && at < K);
        assert.equal(row[at], split.tail[q], `row ${q}: correct index does not point at the true tail`);
        indexSum += at;
        for (let j = 0; j < K; j++) {
          if (j !== at) assert.ok(!train.has(key(hr[2 * q]!, hr[2 * q + 1]!, row[j]!)), `row ${q}: a negative is a known train tail`);
        }
      }
      const meanIndex = indexSum / split.length;
      assert.ok(Math.abs(meanIndex - (K - 1) / 2) < 60, `true tails are not at uniform indices (mean ${meanIndex})`);
    }
  });

  test("valid and test triples are held out: true, distinct, and not in train", () => {
    const train = trainSet(trainTriples());
    const graph = drawSyntheticGraph(TINY);
    const held = new Set<string>();
    for (const split of [graph.triples.valid, graph.triples.test]) {
      for (let q = 0; q < split.length; q++) {
        const k = key(split.head[q]!, split.relation[q]!, split.tail[q]!);
        assert.ok(!train.has(k), `held-out ${k} is in train`);
        assert.ok(!held.has(k), `${k} held out twice`);
        held.add(k);
        // a true fact: the tail has the relation's range type
        assert.equal(graph.world.entityType[split.tail[q]!], graph.world.relations.range[split.relation[q]!]);
      }
    }
  });
});

describe("synthetic WikiKG90M: planted structure", () => {
  test("symmetric, inverse, compositional and parallel relations are visible in train", () => {
    const train = trainTriples();
    const set = trainSet(train);
    const { planted } = summary;
    assert.ok(planted.symmetric.length > 0 && planted.inversePairs.length > 0 && planted.compositions.length > 0 && planted.parallelPairs.length > 0);
    const symmetric = new Set(planted.symmetric);
    const inverse = new Map<number, number>();
    for (const [r, ri] of planted.inversePairs) {
      inverse.set(r, ri);
      inverse.set(ri, r);
    }
    const parallel = new Map<number, number>();
    for (const [r, rp] of planted.parallelPairs) {
      parallel.set(r, rp);
      parallel.set(rp, r);
    }
    const composed = new Map(planted.compositions.map(([r1, r2, r3]) => [r3, [r1, r2] as const]));
    const out = new Map<string, number[]>(); // "h,r" -> tails
    for (let i = 0; i < train.length; i += 3) {
      const k = `${train[i]},${train[i + 1]}`;
      const list = out.get(k);
      if (list) list.push(train[i + 2]!);
      else out.set(k, [train[i + 2]!]);
    }
    const hits = { symmetric: [0, 0], inverse: [0, 0], composed: [0, 0], parallel: [0, 0], other: [0, 0] };
    for (let i = 0; i < train.length; i += 3) {
      const [h, r, t] = [train[i]!, train[i + 1]!, train[i + 2]!];
      if (symmetric.has(r)) {
        hits.symmetric[1]!++;
        if (set.has(key(t, r, h))) hits.symmetric[0]!++;
      } else if (inverse.has(r)) {
        hits.inverse[1]!++;
        if (set.has(key(t, inverse.get(r)!, h))) hits.inverse[0]!++;
      } else if (parallel.has(r)) {
        hits.parallel[1]!++;
        if (set.has(key(h, parallel.get(r)!, t))) hits.parallel[0]!++;
      } else if (composed.has(r)) {
        const [r1, r2] = composed.get(r)!;
        hits.composed[1]!++;
        if ((out.get(`${h},${r1}`) ?? []).some((m) => set.has(key(m, r2, t)))) hits.composed[0]!++;
      } else {
        hits.other[1]!++;
        if (set.has(key(t, r, h))) hits.other[0]!++;
      }
    }
    const rate = (x: number[]): number => x[0]! / x[1]!;
    assert.ok(rate(hits.symmetric) > 0.75, `symmetric: ${rate(hits.symmetric)}`);
    assert.ok(rate(hits.inverse) > 0.75, `inverse: ${rate(hits.inverse)}`);
    assert.ok(rate(hits.composed) > 0.75, `composed: ${rate(hits.composed)}`);
    assert.ok(rate(hits.parallel) > 0.75, `parallel: ${rate(hits.parallel)}`);
    assert.ok(rate(hits.other) < 0.1, `reverse edges of other relations: ${rate(hits.other)}`);
  });

  test("N-1 relations have fewer tails per head than 1-N relations", () => {
    const train = trainTriples();
    const tailsPerHead = (relations: number[]): number => {
      const wanted = new Set(relations);
      const pairs = new Set<string>();
      let n = 0;
      for (let i = 0; i < train.length; i += 3) {
        if (!wanted.has(train[i + 1]!)) continue;
        pairs.add(`${train[i]},${train[i + 1]}`);
        n++;
      }
      return n / pairs.size;
    };
    const manyToOne = tailsPerHead(summary.planted.manyToOne);
    const oneToMany = tailsPerHead(summary.planted.oneToMany);
    assert.ok(manyToOne < 1.5, `N-1 tails per head ${manyToOne}`);
    assert.ok(oneToMany > 1.5 * manyToOne, `1-N ${oneToMany} vs N-1 ${manyToOne} tails per head`);
  });

  test("entity features carry the type: same-type pairs are closer than cross-type pairs", () => {
    const graph = drawSyntheticGraph(TINY);
    const feat = readNpyFloat32(path(SYNTH_FILES.entityFeatures)).data;
    const D = TINY.featureDim!;
    const cosine = (a: number, b: number): number => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let k = 0; k < D; k++) {
        ab += feat[a * D + k]! * feat[b * D + k]!;
        aa += feat[a * D + k]! ** 2;
        bb += feat[b * D + k]! ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    let same = 0;
    let cross = 0;
    let nSame = 0;
    let nCross = 0;
    for (let a = 0; a < 600; a++) {
      for (let b = a + 1; b < 600; b++) {
        if (graph.world.entityType[a] === graph.world.entityType[b]) {
          same += cosine(a, b);
          nSame++;
        } else {
          cross += cosine(a, b);
          nCross++;
        }
      }
    }
    assert.ok(same / nSame > cross / nCross + 0.05, `same-type ${same / nSame} vs cross-type ${cross / nCross}`);
  });

  test("a popularity baseline beats random but leaves much to learn", () => {
    const E = TINY.numEntities!;
    const K = 1001;
    const train = trainTriples();
    const inDegree = new Int32Array(E);
    for (let i = 2; i < train.length; i += 3) inDegree[train[i]!]!++;
    const cand = readNpyInt32(path(SYNTH_FILES.validCandidates)).data;
    const correct = readNpyInt32(path(SYNTH_FILES.validCorrect)).data;
    let mrr = 0;
    for (let q = 0; q < correct.length; q++) {
      const row = cand.subarray(q * K, (q + 1) * K);
      const s = inDegree[row[correct[q]!]!]!;
      let better = 0;
      let tied = 0;
      for (const c of row) {
        if (inDegree[c]! > s) better++;
        else if (inDegree[c] === s) tied++;
      }
      mrr += 1 / (1 + better + (tied - 1) / 2);
    }
    mrr /= correct.length;
    const random = Array.from({ length: K }, (_, i) => 1 / (i + 1)).reduce((a, b) => a + b, 0) / K;
    assert.ok(mrr > 3 * random, `popularity MRR ${mrr} vs random ${random}`);
    assert.ok(mrr < 0.5, `popularity MRR ${mrr} leaves nothing to learn`);
    assert.ok(Math.abs(mrr - summary.popularityValidMrr) < 1e-9, "summary reports the same popularity MRR");
    assert.ok(summary.latentOracleValidMrr > mrr + 0.2, `latent oracle ${summary.latentOracleValidMrr} vs popularity ${mrr}`);
  });
});

describe("synthetic WikiKG90M: bad options", () => {
  const bad: Array<[string, SynthOptions]> = [
    ["numEntities", { numEntities: 0 }],
    ["numTrain", { numTrain: 1.5 }],
    ["numValid", { numValid: -3 }],
    ["numCandidates", { numEntities: 500, numCandidates: 1001 }],
    ["seed", { seed: -1 }],
    ["noiseRate", { noiseRate: 1 }],
    ["sameTypeNegativeRate", { sameTypeNegativeRate: Number.NaN }],
    ["unknown option", { numEntitys: 10 } as unknown as SynthOptions],
  ];
  for (const [name, options] of bad) {
    test(`rejects a bad ${name}, writing nothing`, async () => {
      const dir = join(root, `bad-${name.replace(/\W/g, "")}`);
      await assert.rejects(generateSynthetic(options, dir), (err: unknown) => err instanceof KgcError && err.file === "synth options");
      assert.ok(!existsSync(dir));
    });
  }

  test("fails cleanly when the graph cannot hold the triples asked for, keeping the old folder", async () => {
    const dir = join(root, "full");
    mkdirSync(dir);
    writeArtefactMarker(dir, "synth"); // an earlier synth, which --force may replace
    writeFileSync(join(dir, "marker"), "old");
    const options: SynthOptions = { numEntities: 20, numRelations: 2, numTypes: 10, numTrain: 80, numValid: 2, numTest: 2, numCandidates: 5, featureDim: 4 };
    await assert.rejects(generateSynthetic(options, dir, true), /synth options: only \d+ of \d+ distinct triples/);
    assert.deepEqual(readdirSync(dir).sort(), [ARTEFACT_MARKER, "marker"]);
    assert.deepEqual(readdirSync(root).filter((f) => f.includes(".tmp-")), []);
  });
});
