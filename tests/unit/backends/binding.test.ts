/** The native door: declared exports, validation before the call, zero-copy file mapping. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { nativeBuildInfo, nativeGradients, nativeScore, nativeScoreAsync, nativeTrain } from "../../../src/backends/native/binding.js";
import { KgcError } from "../../../src/core/errors.js";
import { writeNpy } from "../../../src/io/npy.js";
import { newCounters } from "../../../src/train/checkpoint.js";
import { loadFeatures } from "../../../src/train/frozen-features.js";
import { getInteraction } from "../../../src/models/registry.js";
import { tinySpec } from "../../contract/fixtures.js";

it("the addon exports exactly the functions binding.ts, walk-binding.ts, priors-binding.ts and ensemble-binding.ts declare", () => {
  const require = createRequire(import.meta.url);
  const raw = require(fileURLToPath(new URL("../../../../build/Release/kgc_native.node", import.meta.url))) as Record<string, unknown>;
  assert.deepEqual(Object.keys(raw).sort(), ["buildInfo", "countOccurrences", "encodeRows", "ensembleBlendUnits", "ensembleLineSearch", "firstNonFinite", "gradients", "mapTable", "modelNames", "modelWidths", "peakFlops", "priorsBuild", "priorsFeatures", "priorsListCounts", "score", "scoreAsync", "sgnsStep", "smooth", "train", "trainSgns", "walkCorpus"]);
  assert.match(nativeBuildInfo().gemm, /^(openblas|builtin)$/);
});

it("ids out of range, short buffers and bad counts are KgcErrors, not crashes", async () => {
  const spec = tinySpec(getInteraction("rotate"), "shallow", 1);
  const out = new Float32Array(4);
  assert.throws(() => nativeScore(spec, Int32Array.of(10), Int32Array.of(0), true, Int32Array.of(1, 2, 3, 4), 0, out), (e: unknown) => e instanceof KgcError && /id 10 at position 0 is outside \[0, 10\)/.test(e.message));
  assert.throws(() => nativeScore(spec, Int32Array.of(1), Int32Array.of(0), true, Int32Array.of(1, 2, 3, 4, 5), 0, out), /out: has 4 elements, needs 5/);
  await assert.rejects(nativeScoreAsync(spec, Int32Array.of(10), Int32Array.of(0), true, Int32Array.of(1, 2, 3, 4), 0, out, 2), /id 10 at position 0 is outside \[0, 10\)/);
  await assert.rejects(nativeScoreAsync(spec, Int32Array.of(1), Int32Array.of(0), true, Int32Array.of(1, 2, 3), 2, out, 2), /must hold B\*k = 2 ids/);
  await assert.rejects(nativeScoreAsync(spec, Int32Array.of(1), Int32Array.of(0), true, Int32Array.of(1, 2), 0, out, 0), /threads/);
  const batch = { head: Int32Array.of(0, 1, 2, 3), relation: Int32Array.of(0, 1, 2, 3), tail: Int32Array.of(0, 1, 2, 3), negatives: new Int32Array(5), tailSide: true };
  const grads = { entity: new Float32Array(80), relation: new Float32Array(12) };
  assert.throws(() => nativeGradients(spec, spec.config, batch, grads), /batch.relation: id 3/);
  // addon.cc reads the schema's own field names and values: a value outside the schema is refused there
  const inRange = { ...batch, relation: Int32Array.of(0, 1, 2, 0) };
  assert.throws(() => nativeGradients(spec, { ...spec.config, optimizer: "sgd" as "adam" }, inRange, grads), /optimizer has an unknown value 'sgd'/);
  assert.throws(() => nativeGradients(spec, { ...spec.config, loss: "hinge" as "margin" }, inRange, grads), /loss has an unknown value 'hinge'/);
  const job = { tables: spec, config: spec.config, counters: newCounters(1, 0), known: null, data: { length: 2, head: Int32Array.of(0, 1), relation: Int32Array.of(0, 1), tail: Int32Array.of(1, 2), perm: Int32Array.of(0, 5) } };
  await assert.rejects(nativeTrain(job, 1), /train.perm|perm/);
  job.data.perm = Int32Array.of(0, 1);
  await assert.rejects(nativeTrain({ ...job, config: { ...spec.config, threads: 2 } }, 1), /counters.rng/);
  await assert.rejects(nativeTrain(job, 1, 0), /lrScale: must be a positive number/);
});

it("small feature files are read into a typed array; a wrong row count is refused", () => {
  const dir = mkdtempSync(join(tmpdir(), "kgc-feat-"));
  try {
    const path = join(dir, "f.npy");
    const data = Uint16Array.from({ length: 12 }, (_, i) => 0x3c00 + i);
    writeNpy(path, "<f2", [4, 3], data);
    const f = loadFeatures(path, 4);
    assert.equal(f.dim, 3);
    assert.ok(f.data instanceof Uint16Array);
    assert.deepEqual(Array.from(f.data), Array.from(data));
    assert.throws(() => loadFeatures(path, 5), /has 4 feature rows, the dataset has 5/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("scoreAsync on several threads == score, shared and per-row candidates", async () => {
  const spec = tinySpec(getInteraction("rotate"), "shallow", 1);
  const keep = Int32Array.of(0, 3, 5, 9, 2, 7, 1);
  const rel = Int32Array.from(keep, (_, i) => i % spec.relation.numRows);
  const shared = Int32Array.of(9, 8, 0, 1, 4);
  const want = new Float32Array(keep.length * 5), got = new Float32Array(keep.length * 5);
  nativeScore(spec, keep, rel, false, shared, 0, want);
  await nativeScoreAsync(spec, keep, rel, false, shared, 0, got, 3);
  assert.deepEqual(got, want);
  const rows = Int32Array.from({ length: keep.length * 4 }, (_, i) => (i * 7) % 10);
  const want2 = new Float32Array(keep.length * 4), got2 = new Float32Array(keep.length * 4);
  nativeScore(spec, keep, rel, true, rows, 4, want2);
  await nativeScoreAsync(spec, keep, rel, true, rows, 4, got2, 2);
  assert.deepEqual(got2, want2);
});
