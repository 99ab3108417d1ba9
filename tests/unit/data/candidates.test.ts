import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { buildCandidates, checkCandidates, KnownTriples } from "../../../src/data/candidates.js";
import { triplesOf } from "../../helpers.js";


describe("candidate protocol", () => {
  const E = 60;
  const train = triplesOf(Array.from({ length: 200 }, (_, i) => [i % E, i % 3, (i * 7 + 1) % E] as [number, number, number]));
  const valid = triplesOf([[1, 0, 5], [2, 1, 9], [3, 2, 11]]);
  const known = new KnownTriples(E, 3, [train, valid]);

  for (const negatives of [10, 50]) {
    test(`rows hold the true tail at the correct index and ${negatives} distinct non-triples (sparse and dense sampling)`, () => {
      const q = buildCandidates(valid, known, negatives, new Rng(1), "tiny valid");
      assert.equal(q.width, negatives + 1);
      checkCandidates(q, E, 3, "tiny");
      for (let i = 0; i < valid.length; i++) {
        const row = Array.from(q.candidates.subarray(i * q.width, (i + 1) * q.width));
        assert.equal(row[q.correctIndex![i]!], valid.tail[i]);
        assert.equal(new Set(row).size, row.length, "no duplicates");
        row.forEach((c, j) => j !== q.correctIndex![i] && assert.ok(!known.has(valid.head[i]!, valid.relation[i]!, c), `(h, r, ${c}) is a known triple`));
      }
    });
  }

  test("same seed → same rows; other seed → other rows", () => {
    const a = buildCandidates(valid, known, 20, new Rng(7), "v");
    const b = buildCandidates(valid, known, 20, new Rng(7), "v");
    const c = buildCandidates(valid, known, 20, new Rng(8), "v");
    assert.deepEqual(a.candidates, b.candidates);
    assert.notDeepEqual(a.candidates, c.candidates);
  });

  test("too many negatives for the entity count is a clear error", () => {
    assert.throws(() => buildCandidates(valid, known, 1000, new Rng(1), "tiny valid"), (e: unknown) => e instanceof KgcError && /need 1001 entities, but tiny valid has only 60/.test(e.message));
  });

  test("checkCandidates rejects a row with a duplicate and an out-of-range id", () => {
    const q = buildCandidates(valid, known, 5, new Rng(1), "v");
    const dup = { ...q, candidates: q.candidates.slice() };
    dup.candidates[1] = dup.candidates[0]!;
    assert.throws(() => checkCandidates(dup, E, 3, "c.npy"), /c\.npy: candidates row 0: id \d+ appears twice/);
    const far = { ...q, candidates: q.candidates.slice() };
    far.candidates[7] = E;
    assert.throws(() => checkCandidates(far, E, 3, "c.npy"), /row 1, column 1: candidate 60 outside/);
  });
});
