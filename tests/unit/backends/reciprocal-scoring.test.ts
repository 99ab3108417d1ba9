/**
 * A reciprocal model's head query (?, r, t) is scored as the tail query (t, r + R, ?); other
 * models' head queries are untouched; a head query naming an inverse relation is refused.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nativeBackend } from "../../../src/backends/index.js";
import { withReciprocalScoring } from "../../../src/backends/reciprocal-scoring.js";
import { getInteraction } from "../../../src/models/registry.js";
import { createTables } from "../../../src/train/tables.js";
import { withReciprocals, distinctQueries } from "../../../src/train/reciprocal.js";
import { triplesOf } from "../../helpers.js";

const E = 12, R = 3;
const tables = createTables({ interaction: getInteraction("complex"), dim: 8, block: 1, gamma: 8, encoder: "shallow", numEntities: E, numRelations: 2 * R, entityFeatures: null, relationFeatures: null, seed: 4 }, "adagrad");
const all = Int32Array.from({ length: E }, (_, e) => e);
const keep = Int32Array.of(1, 5, 11), rel = Int32Array.of(0, 2, 1);

async function scores(t: typeof tables, tailSide: boolean, relation: Int32Array): Promise<Float32Array> {
  const out = new Float32Array(keep.length * E);
  await withReciprocalScoring(nativeBackend()).score(t, keep, relation, tailSide, all, 0, out);
  return out;
}

describe("reciprocal scoring", () => {
  it("head queries of a reciprocal model are tail queries of r + R", async () => {
    const recip = { ...tables, reciprocal: true };
    const head = await scores(recip, false, rel);
    const tailOfInverse = await scores(recip, true, rel.map((r) => r + R));
    assert.deepEqual(head, tailOfInverse);
    const plainHead = await scores(tables, false, rel);
    assert.notDeepEqual(plainHead, head, "without the flag, head queries use the head-side operator");
  });
  it("a head query naming an inverse relation is refused", async () => {
    await assert.rejects(scores({ ...tables, reciprocal: true }, false, Int32Array.of(0, 3, 1)), /relation: head query 1: relation 3 outside \[0, 3\) of a reciprocal model/);
  });
  it("withReciprocals appends (t, r + R, h); distinctQueries keeps each (h, r) once", () => {
    const t = triplesOf([[0, 0, 1], [0, 0, 2], [3, 1, 0]]);
    const both = withReciprocals(t, 2);
    assert.deepEqual([...both.head], [0, 0, 3, 1, 2, 0]);
    assert.deepEqual([...both.relation], [0, 0, 1, 2, 2, 3]);
    assert.deepEqual([...both.tail], [1, 2, 0, 0, 0, 3]);
    const q = distinctQueries(both, 4);
    assert.deepEqual([...q.head], [0, 3, 1, 2, 0]);
    assert.deepEqual([...q.relation], [0, 1, 2, 2, 3]);
  });
});
