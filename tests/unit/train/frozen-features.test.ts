/**
 * Feature matrices above the read limit are memory-mapped behind an addon handle, whatever their
 * size (an ArrayBuffer stops at 4 GiB in Node 20; WikiKG90M's 87M x 768 fp16 entity features are
 * 134 GB). The native kernels read the rows they use from the mapping: a model whose features are
 * mapped scores and trains byte for byte like the same model with the features in memory; code
 * that needs a typed array (tfjs, the float64 reference) refuses them in one line, and the tfjs
 * backend's training reads them whole instead (`inMemory`).
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { nativeMapTable, nativeScore, type TrainTriples } from "../../../src/backends/index.js";
import { nativeTrain } from "../../../src/backends/native/binding.js";
import { nativeEncodeRows } from "../../../src/backends/native/walk-binding.js";
import { gatherFeatures } from "../../../src/backends/tfjs/host-rows.js";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { float32ToFloat16 } from "../../../src/io/float16.js";
import { encodeNpyHeader, readNpyHeader, writeNpy } from "../../../src/io/npy.js";
import { parseTrainConfig } from "../../../src/models/config.js";
import type { EncoderTables, MappedFeatures, ModelTables } from "../../../src/models/model-tables.js";
import { getInteraction } from "../../../src/models/registry.js";
import { newCounters } from "../../../src/train/checkpoint.js";
import { loadFeatures } from "../../../src/train/frozen-features.js";
import { createTables } from "../../../src/train/tables.js";
import { referenceEncoders } from "../../contract/fixtures.js";

const root = mkdtempSync(join(tmpdir(), "kgc-features-"));
after(() => rmSync(root, { recursive: true, force: true }));

const E = 300, R = 5, DIM = 16, FD = 768, Q = 40, K = 11;
const config = parseTrainConfig({ model: "rotate", dim: DIM, encoder: "concat", batch: 8, negatives: 8, steps: 1, threads: 1 });

/** A rotate concat model of E entities with 768-d fp16 entity features, all in memory. */
function memoryTables(): { t: ModelTables; entityFeat: Uint16Array } {
  const rng = new Rng(11);
  const fp16 = (n: number): Uint16Array => float32ToFloat16(Float32Array.from({ length: n }, () => rng.normal() * 0.5));
  const entityFeat = fp16(E * FD);
  const t = createTables({
    interaction: getInteraction("rotate"), dim: DIM, block: config.block, gamma: config.gamma, encoder: "concat", numEntities: E, numRelations: R,
    entityFeatures: { data: entityFeat, dim: FD }, relationFeatures: { data: fp16(R * 32), dim: 32 }, seed: 3,
  }, config.optimizer);
  return { t, entityFeat };
}

/** The same tables, every array copied (training the copy leaves the original alone). */
function copyTables(t: ModelTables): ModelTables {
  const copy = (e: EncoderTables): EncoderTables => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, ArrayBuffer.isView(v) ? (v as Float32Array).slice() : v])) as unknown as EncoderTables;
  return { ...t, entity: copy(t.entity), relation: copy(t.relation) };
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

it("fp16 features past an ArrayBuffer's 4 GiB are mapped and score like features in memory, rows beyond byte 2^32 included", () => {
  // a sparse entity_feat.npy of 2,796,203 + E rows (4.3 GB, no disk blocks but the last rows)
  // whose last E rows are the in-memory model's features: queries on those ids score exactly as
  // on the small model. Only the last rows' pages are touched.
  const big = 2_796_203 + E;
  const { t: memory, entityFeat } = memoryTables();
  const path = join(root, "entity_feat.npy");
  const header = encodeNpyHeader("<f2", [big, FD]);
  writeFileSync(path, header);
  truncateSync(path, header.byteLength + big * FD * 2);
  const fd = openSync(path, "r+");
  writeSync(fd, entityFeat, 0, entityFeat.byteLength, header.byteLength + (big - E) * FD * 2);
  closeSync(fd);

  const features = loadFeatures(path, big);
  assert.ok(!ArrayBuffer.isView(features.data), "mapped, not read");
  const feat = features.data as MappedFeatures;
  assert.equal(feat.dtype, "float16");
  assert.equal(features.dim, FD);
  assert.ok(feat.byteOffset + (big - E) * FD * 2 > 2 ** 32);
  const raw = memory.entity.raw;
  const rows = new Float32Array(big * raw);
  rows.set(memory.entity.rows, (big - E) * raw);
  const mapped: ModelTables = { ...memory, entity: { ...memory.entity, numRows: big, rows, feat } };

  const rng = new Rng(4);
  const keep = Int32Array.from({ length: Q }, () => rng.int(E));
  const rel = Int32Array.from({ length: Q }, () => rng.int(R));
  const cands = Int32Array.from({ length: Q * K }, () => rng.int(E));
  const shift = (ids: Int32Array): Int32Array => ids.map((i) => i + big - E);
  for (const [tailSide, k, n] of [[true, K, Q * K], [false, 0, K]] as const) {
    const a = new Float32Array(Q * (k || n)), b = new Float32Array(Q * (k || n));
    nativeScore(memory, keep, rel, tailSide, cands.subarray(0, n), k, a);
    nativeScore(mapped, shift(keep), rel, tailSide, shift(cands.subarray(0, n)), k, b);
    assert.ok(a.some((v) => v !== 0));
    assert.deepEqual(bytes(b), bytes(a));
  }
  // a mapping shorter than the encoder's rows is refused before the native call
  const short = { ...mapped, entity: { ...mapped.entity, feat: { ...feat, length: feat.length - 1 } } };
  assert.throws(() => nativeScore(short, shift(keep), rel, true, shift(cands), K, new Float32Array(Q * K)), (e: unknown) => e instanceof KgcError && /entity\.feat: must hold \d+ float16 values inside the mapped file/.test(e.message));
});

it("inMemory (the tfjs backend's training) reads a file above the read limit whole, and refuses one past an ArrayBuffer", () => {
  // sparse: a 300 MB fp16 matrix whose last row holds data
  const rows = 200_000, path = join(root, "mid_feat.npy");
  const header = encodeNpyHeader("<f2", [rows, FD]);
  writeFileSync(path, header);
  truncateSync(path, header.byteLength + rows * FD * 2);
  const last = Uint16Array.from({ length: FD }, (_, i) => 0x3c00 + i);
  const fd = openSync(path, "r+");
  writeSync(fd, last, 0, last.byteLength, header.byteLength + (rows - 1) * FD * 2);
  closeSync(fd);
  assert.ok(!ArrayBuffer.isView(loadFeatures(path, rows).data), "native: mapped");
  const read = loadFeatures(path, rows, true).data;
  assert.ok(read instanceof Uint16Array && read.length === rows * FD);
  assert.deepEqual(read.subarray((rows - 1) * FD), last);
  const huge = join(root, "huge_feat.npy");
  const hugeRows = 2_796_203; // x 768 x 2 bytes = 2^32 + 512
  writeFileSync(huge, encodeNpyHeader("<f2", [hugeRows, FD]));
  truncateSync(huge, header.byteLength + hugeRows * FD * 2);
  assert.throws(() => loadFeatures(huge, hugeRows, true), (e: unknown) => e instanceof KgcError && /4294967808 bytes of features are more than an ArrayBuffer holds .* use the native backend/.test(e.problem));
});

it("mapped features train, encode and refuse tfjs and the float64 reference", async () => {
  const { t: memory, entityFeat } = memoryTables();
  const path = join(root, "small_feat.npy");
  writeNpy(path, "<f2", [E, FD], entityFeat);
  const feat: MappedFeatures = { ...nativeMapTable(path), byteOffset: readNpyHeader(path).dataOffset, dtype: "float16", length: E * FD };
  const mapped = copyTables(memory);
  mapped.entity.feat = feat;

  // a few training steps from the same tables, triples and counters (training reshuffles perm in
  // place): the same loss and the same tables
  const rng = new Rng(9);
  const N = 200;
  const head = Int32Array.from({ length: N }, () => rng.int(E)), relation = Int32Array.from({ length: N }, () => rng.int(R));
  const tail = Int32Array.from({ length: N }, () => rng.int(E));
  const data = (): TrainTriples => ({ length: N, head, relation, tail, perm: Int32Array.from({ length: N }, (_, i) => i) });
  const trained = copyTables(memory);
  const a = await nativeTrain({ tables: trained, config, data: data(), known: null, counters: newCounters(1, 5) }, 20);
  const b = await nativeTrain({ tables: mapped, config, data: data(), known: null, counters: newCounters(1, 5) }, 20);
  assert.equal(b.lossSum, a.lossSum);
  assert.ok(trained.entity.W!.some((v, i) => v !== memory.entity.W![i]), "the encoder trained");
  for (const k of ["rows", "W", "b"] as const) assert.deepEqual(bytes(mapped.entity[k]!), bytes(trained.entity[k]!), k);

  // smoothing's encoder pass reads the mapping too
  const encode = (e: EncoderTables): Float32Array => nativeEncodeRows({ numRows: e.numRows, raw: e.raw, out: DIM, featDim: FD, rows: e.rows, feat: e.feat!, W: e.W!, b: e.b! }, 2);
  assert.deepEqual(bytes(encode(mapped.entity)), bytes(encode(trained.entity)));

  // misaligned or unmapped features are refused in one line
  const misaligned = { ...mapped, entity: { ...mapped.entity, feat: { ...feat, byteOffset: feat.byteOffset + 1 } } };
  assert.throws(() => nativeScore(misaligned, Int32Array.of(0), Int32Array.of(0), true, Int32Array.of(1), 1, new Float32Array(1)), (e: unknown) => e instanceof KgcError && /entity\.feat\.byteOffset: must be a multiple of 2/.test(e.message));
  const past = { ...mapped, entity: { ...mapped.entity, feat: { ...feat, byteOffset: feat.byteOffset + 2 } } };
  assert.throws(() => nativeScore(past, Int32Array.of(0), Int32Array.of(0), true, Int32Array.of(1), 1, new Float32Array(1)), (e: unknown) => e instanceof KgcError && /entity\.feat: must hold 230400 float16 values inside the mapped file/.test(e.message));

  // tfjs gathers feature rows in JS and the reference converts the whole matrix: neither reads a mapping
  const inMemory = /the .* needs the features in memory; these \d+ bytes are memory-mapped \(use the native backend\)/;
  assert.throws(() => gatherFeatures(mapped.entity, Int32Array.of(0, 1)), (e: unknown) => e instanceof KgcError && /the tfjs backend needs/.test(e.message) && inMemory.test(e.message));
  assert.throws(() => referenceEncoders(mapped), (e: unknown) => e instanceof KgcError && /the float64 reference needs/.test(e.message));
  assert.equal(gatherFeatures(memory.entity, Int32Array.of(0)).length, FD);
});
