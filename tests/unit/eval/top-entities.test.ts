/**
 * Exact top-k over all entities (chunked over the entity table) equals a brute-force ranking of
 * every entity by the plain-TS float64 reference score, for models of every comparator, with
 * entity blocks smaller than the table so the running top lists cross block edges; and a given
 * tail's rank among all entities equals its brute-force rank.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { referenceScore } from "../../../src/models/interaction.js";
import { encodeRow } from "../../../src/models/reference.js";
import { getInteraction } from "../../../src/models/registry.js";
import { topEntities } from "../../../src/eval/top-entities.js";
import { referenceEncoders, tinySpec } from "../../contract/fixtures.js";

const E = 257;

describe("topEntities", () => {
  for (const name of ["transe-l2", "distmult", "rotate", "ote"]) {
    it(`${name}: the top 7 over ${E} entities in blocks of 50 equal a brute-force TS ranking; a tail's rank too`, async () => {
      const m = getInteraction(name);
      const spec = tinySpec(m, "shallow", 11, {}, E, 3);
      const { ent, rel } = referenceEncoders(spec);
      const shape = { dim: spec.dim, block: spec.block, gamma: spec.gamma, phaseScale: spec.phaseScale };
      const head = Int32Array.of(0, 5, 256);
      const relation = Int32Array.of(0, 2, 1);
      const targets = Int32Array.of(3, 100, 200);
      const k = 7;
      const got = await topEntities(spec, head, relation, k, 2, targets, 50);
      for (let q = 0; q < head.length; q++) {
        const keep = encodeRow(ent, head[q]!, spec.dim);
        const r = encodeRow(rel, relation[q]!, rel.raw);
        const brute = Array.from({ length: E }, (_, e) => ({ e, s: referenceScore(m, keep, r, encodeRow(ent, e, spec.dim), true, shape) }));
        brute.sort((a, b) => b.s - a.s || a.e - b.e);
        const gotIds = Array.from(got.ids.subarray(q * k, (q + 1) * k));
        // float32 vs float64 may swap near-ties only: compare ids where the brute-force gap is clear
        for (let j = 0; j < k; j++) {
          assert.ok(Math.abs(got.scores[q * k + j]! - brute[j]!.s) < 1e-4 * Math.max(1, Math.abs(brute[j]!.s)), `${name} q${q} score ${j}`);
          const clear = (j === 0 || brute[j - 1]!.s - brute[j]!.s > 1e-4) && (j === E - 1 || brute[j]!.s - brute[j + 1]!.s > 1e-4);
          if (clear) assert.equal(gotIds[j], brute[j]!.e, `${name} query ${q} position ${j}`);
        }
        const ts = brute.find((b) => b.e === targets[q])!.s;
        const bruteRank = 1 + brute.filter((b) => b.s > ts + 1e-5).length;
        assert.ok(Math.abs(got.targetRanks![q]! - bruteRank) <= brute.filter((b) => Math.abs(b.s - ts) <= 1e-5).length, `${name} target rank of query ${q}: ${got.targetRanks![q]} vs ${bruteRank}`);
      }
    });
  }

  it("k larger than the entity table returns every entity once", async () => {
    const spec = tinySpec(getInteraction("distmult"), "shallow", 3, {}, 10, 3);
    const got = await topEntities(spec, Int32Array.of(1), Int32Array.of(0), 50, 1);
    assert.equal(got.k, 10);
    assert.deepEqual([...got.ids].sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i));
    for (let j = 1; j < 10; j++) assert.ok(got.scores[j - 1]! >= got.scores[j]!);
  });
});
