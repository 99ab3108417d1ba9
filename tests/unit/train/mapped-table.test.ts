/**
 * A trained entity table memory-mapped from entity.npy (score, eval) scores exactly like the same
 * table read into memory, per-row candidates and shared candidates alike; a table the mapping
 * cannot serve (float64 on disk) falls back to null; NaN, a wrong shape and training are refused.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { nativeFirstNonFinite, nativeMapTable, nativeScore } from "../../../src/backends/index.js";
import { nativeGradients } from "../../../src/backends/native/binding.js";
import { Rng } from "../../../src/core/rng.js";
import { encodeNpyHeader, writeNpy } from "../../../src/io/npy.js";
import { parseTrainConfig } from "../../../src/models/config.js";
import { getInteraction } from "../../../src/models/registry.js";
import { mapFloat32Table } from "../../../src/train/mapped-table.js";
import { createTables } from "../../../src/train/tables.js";

const root = mkdtempSync(join(tmpdir(), "kgc-mapped-"));
after(() => rmSync(root, { recursive: true, force: true }));

const E = 300, R = 5, DIM = 16, Q = 40, K = 11;

function tables(model: string, mapped: ReturnType<typeof mapFloat32Table> = null) {
  const config = parseTrainConfig({ model, dim: DIM, batch: 4, negatives: 4, steps: 1 });
  const t = createTables({
    interaction: getInteraction(model), dim: DIM, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: E, numRelations: R,
    entityFeatures: null, relationFeatures: null, seed: 3, mappedEntities: mapped,
  }, "adagrad");
  return { t, config };
}

describe("memory-mapped entity tables", () => {
  for (const model of ["transe-l2", "rotate", "complex"]) {
    it(`${model}: mapped scores == in-memory scores, per-row and shared candidates, byte for byte`, () => {
      const { t: memory } = tables(model);
      const path = join(root, `${model}.npy`);
      writeNpy(path, "<f4", [E, DIM], memory.entity.rows);
      const rows = mapFloat32Table(path, E, DIM, "entity embedding");
      assert.ok(rows && rows.byteLength > E * DIM * 4);
      const { t: mapped } = tables(model, rows);
      mapped.relation = memory.relation;
      assert.equal(mapped.entity.rows.length, 0); // nothing allocated for the mapped rows
      const rng = new Rng(9);
      const keep = Int32Array.from({ length: Q }, () => rng.int(E));
      const rel = Int32Array.from({ length: Q }, () => rng.int(R));
      const cands = Int32Array.from({ length: Q * K }, () => rng.int(E));
      const a = new Float32Array(Q * K), b = new Float32Array(Q * K);
      nativeScore(memory, keep, rel, true, cands, K, a);
      nativeScore(mapped, keep, rel, true, cands, K, b);
      assert.deepEqual(Buffer.from(b.buffer), Buffer.from(a.buffer));
      const all = Int32Array.from({ length: E }, (_, i) => i);
      const sa = new Float32Array(Q * E), sb = new Float32Array(Q * E);
      nativeScore(memory, keep, rel, false, all, 0, sa);
      nativeScore(mapped, keep, rel, false, all, 0, sb);
      assert.deepEqual(Buffer.from(sb.buffer), Buffer.from(sa.buffer));
    });
  }

  it("a table past an ArrayBuffer's 4 GiB maps and scores, rows beyond byte 2^32 included", () => {
    // a sparse entity.npy of 2^26 + E rows (4.3 GB of zeros, no disk blocks) whose last E rows are
    // the in-memory table's: queries on those ids score exactly as on the small table. Mapped
    // directly (mapFloat32Table's finiteness pass would read all 4.3 GB); only the last rows are touched.
    const big = 2 ** 26 + E;
    const { t: memory, config } = tables("rotate");
    const path = join(root, "big.npy");
    const header = encodeNpyHeader("<f4", [big, DIM]);
    writeFileSync(path, header);
    truncateSync(path, header.byteLength + big * DIM * 4);
    const fd = openSync(path, "r+");
    writeSync(fd, memory.entity.rows, 0, memory.entity.rows.byteLength, header.byteLength + (big - E) * DIM * 4);
    closeSync(fd);
    const rows = { ...nativeMapTable(path), byteOffset: header.byteLength };
    assert.ok(rows.byteLength > 2 ** 32);
    const mapped = createTables({
      interaction: getInteraction("rotate"), dim: DIM, block: config.block, gamma: config.gamma, encoder: "shallow", numEntities: big, numRelations: R,
      entityFeatures: null, relationFeatures: null, seed: null, mappedEntities: rows,
    }, "adagrad");
    mapped.relation = memory.relation;
    const rng = new Rng(4);
    const keep = Int32Array.from({ length: Q }, () => rng.int(E));
    const rel = Int32Array.from({ length: Q }, () => rng.int(R));
    const cands = Int32Array.from({ length: Q * K }, () => rng.int(E));
    const shift = (ids: Int32Array): Int32Array => ids.map((i) => i + big - E);
    const a = new Float32Array(Q * K), b = new Float32Array(Q * K);
    nativeScore(memory, keep, rel, true, cands, K, a);
    nativeScore(mapped, shift(keep), rel, true, shift(cands), K, b);
    assert.deepEqual(Buffer.from(b.buffer), Buffer.from(a.buffer));
    assert.equal(nativeFirstNonFinite(rows, 1000), -1);
  });

  it("refuses NaN and a wrong shape by name, falls back to null for float64, and is never trained", () => {
    const { t, config } = tables("distmult");
    const path = join(root, "nan.npy");
    const data = t.entity.rows.slice();
    data[37] = Number.NaN;
    writeNpy(path, "<f4", [E, DIM], data);
    assert.throws(() => mapFloat32Table(path, E, DIM, "entity embedding"), /nan\.npy: corrupt entity embedding file \(element 37 is not finite/);
    writeNpy(path, "<f4", [E, DIM], t.entity.rows);
    assert.throws(() => mapFloat32Table(path, E + 1, DIM, "entity embedding"), /entity embedding has shape \(300, 16\), expected \(301, 16\)/);
    writeNpy(join(root, "f8.npy"), "<f8", [E, DIM], Float64Array.from(t.entity.rows));
    assert.equal(mapFloat32Table(join(root, "f8.npy"), E, DIM, "entity embedding"), null);
    const { t: mapped } = tables("distmult", mapFloat32Table(path, E, DIM, "entity embedding"));
    const batch = { head: new Int32Array(4), relation: new Int32Array(4), tail: new Int32Array(4), negatives: new Int32Array(4), tailSide: true };
    assert.throws(() => nativeGradients(mapped, config, batch, { entity: new Float32Array(E * DIM), relation: new Float32Array(R * DIM) }), /entity\.mapped: a memory-mapped table is read-only/);
  });
});
