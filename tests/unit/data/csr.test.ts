import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../../src/core/rng.js";
import { buildCsrFiles, csrHasEdge, loadCsr } from "../../../src/data/csr.js";
import { memoryTripleSource, type TripleSource } from "../../../src/data/triple-source.js";
import type { Triples } from "../../../src/core/types.js";
import { tmpDir } from "../../helpers.js";

function randomTriples(n: number, E: number, R: number, seed: number): Triples {
  const rng = new Rng(seed);
  const t = { head: new Int32Array(n), relation: new Int32Array(n), tail: new Int32Array(n), length: n };
  for (let i = 0; i < n; i++) {
    t.head[i] = Math.floor(rng.next() ** 3 * E); // skewed degrees
    t.relation[i] = rng.int(R);
    t.tail[i] = rng.int(E);
  }
  return t;
}

/** A source that yields fixed-size chunks, like the streamed OGB reader. */
function chunkedSource(t: Triples, size: number): TripleSource {
  return {
    length: t.length,
    *chunks() {
      for (let s = 0; s < t.length; s += size) {
        const e = Math.min(t.length, s + size);
        yield { head: t.head.subarray(s, e), relation: t.relation.subarray(s, e), tail: t.tail.subarray(s, e), length: e - s };
      }
    },
  };
}

describe("CSR adjacency", () => {
  const E = 300;
  const R = 7;
  const triples = randomTriples(5000, E, R, 3);

  test("holds every edge once, sorted by (neighbor, relation) inside an entity", () => {
    const dir = tmpDir("csr");
    buildCsrFiles(memoryTripleSource(triples), dir, { numEntities: E, numRelations: R, budgetBytes: 1 << 30 });
    const out = loadCsr(dir, "out", E);
    const inn = loadCsr(dir, "in", E);
    assert.equal(out.neighbor.length, triples.length);
    assert.equal(inn.neighbor.length, triples.length);
    for (let e = 0; e < E; e++) {
      for (let k = out.indptr[e]! + 1; k < out.indptr[e + 1]!; k++) {
        const before = out.neighbor[k - 1]! * R + out.relation[k - 1]!;
        assert.ok(before <= out.neighbor[k]! * R + out.relation[k]!, `entity ${e} not sorted`);
      }
    }
    // expected multiset per head, computed directly
    const expected = new Map<number, number[]>();
    for (let i = 0; i < triples.length; i++) {
      const list = expected.get(triples.head[i]!) ?? [];
      list.push(triples.tail[i]! * R + triples.relation[i]!);
      expected.set(triples.head[i]!, list);
    }
    for (let e = 0; e < E; e++) {
      const got: number[] = [];
      for (let k = out.indptr[e]!; k < out.indptr[e + 1]!; k++) got.push(out.neighbor[k]! * R + out.relation[k]!);
      assert.deepEqual(got, (expected.get(e) ?? []).sort((a, b) => a - b));
    }
    for (let i = 0; i < 200; i++) {
      assert.ok(csrHasEdge(out, triples.head[i]!, triples.tail[i]!, triples.relation[i]!));
      assert.ok(csrHasEdge(inn, triples.tail[i]!, triples.head[i]!, triples.relation[i]!));
    }
    assert.equal(csrHasEdge(out, 0, E - 1, R - 1) , expected.get(0)?.includes((E - 1) * R + R - 1) ?? false);
  });

  test("the out-of-core build (many spilled buckets) gives identical files", () => {
    const inMemory = tmpDir("csr-mem");
    const spilled = tmpDir("csr-spill");
    buildCsrFiles(memoryTripleSource(triples), inMemory, { numEntities: E, numRelations: R, budgetBytes: 1 << 30 });
    buildCsrFiles(chunkedSource(triples, 97), spilled, { numEntities: E, numRelations: R, budgetBytes: 32 * 300 });
    for (const dir of ["out", "in"] as const) {
      const a = loadCsr(inMemory, dir, E);
      const b = loadCsr(spilled, dir, E);
      assert.deepEqual(b.indptr, a.indptr);
      assert.deepEqual(b.neighbor, a.neighbor);
      assert.deepEqual(b.relation, a.relation);
    }
  });
});
