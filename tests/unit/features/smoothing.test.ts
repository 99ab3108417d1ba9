/**
 * The smoothing kernel against a float64 TS reference built from each interaction's own
 * reference operator (src/models/<model>.ts prepare/query), for every smoothable model with the
 * shallow and the concat encoder, on a random multigraph with a self loop and isolated
 * entities; alpha = 1 and hops = 0 leave the input unchanged.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ModelTables } from "../../../src/models/model-tables.js";
import { nativeEncodeRows, nativeSmooth, type WalkGraph } from "../../../src/backends/native/walk-binding.js";
import { Rng } from "../../../src/core/rng.js";
import { SMOOTHABLE_MODELS } from "../../../src/features/smoothing.js";
import type { Interaction } from "../../../src/models/interaction.js";
import { encodeRow } from "../../../src/models/reference.js";
import { getInteraction } from "../../../src/models/registry.js";
import { referenceEncoders, tinySpec } from "../../contract/fixtures.js";
import { graphOf, randomTriples, type Triple } from "./graph.js";

const E = 10, R = 3;

/** Float64 smoothing: hops of e_u <- alpha e_u + (1 - alpha) mean of query(neighbour, r, side towards u). */
function referenceSmooth(m: Interaction, spec: ModelTables, triples: readonly Triple[], ent: Float64Array[], rel: Float64Array[], alpha: number, hops: number): Float64Array[] {
  const shape = { dim: spec.dim, block: spec.block, gamma: spec.gamma, phaseScale: spec.phaseScale };
  const prepared = rel.map((r) => m.prepare(r, shape));
  let cur = ent;
  for (let hop = 0; hop < hops; hop++) {
    cur = cur.map((e, u) => {
      const acc = new Float64Array(spec.dim);
      let n = 0;
      for (const [h, r, t] of triples) {
        if (t === u) (m.query(cur[h]!, prepared[r]!, true, shape).forEach((v, k) => (acc[k]! += v)), n++);
        if (h === u) (m.query(cur[t]!, prepared[r]!, false, shape).forEach((v, k) => (acc[k]! += v)), n++);
      }
      return n === 0 ? e : e.map((v, k) => alpha * v + ((1 - alpha) * acc[k]!) / n);
    });
  }
  return cur;
}

/** The rows the kernel reads: learned rows (shallow) or W [f ; u] + b (concat, native). shape: [rows, out] */
function nativeRows(e: ModelTables["entity"], out: number): Float32Array {
  if (!e.concat) return Float32Array.from(e.rows);
  return nativeEncodeRows({ numRows: e.numRows, raw: e.raw, out, featDim: e.featDim!, rows: e.rows, feat: e.feat!, W: e.W!, b: e.b! }, 2);
}

async function smoothNative(spec: ModelTables, g: WalkGraph, entity: Float32Array, relation: Float32Array, alpha: number, hops: number, threads: number): Promise<Float32Array> {
  const out = Float32Array.from(entity);
  await nativeSmooth(g, { model: spec.model, dim: spec.dim, block: spec.block, gamma: spec.gamma, phaseScale: spec.phaseScale, alpha, hops, threads }, out, relation, new Float64Array(1));
  return out;
}

describe("smoothing kernel", () => {
  for (const name of SMOOTHABLE_MODELS) {
    for (const encoder of ["shallow", "concat"] as const) {
      it(`${name} (${encoder}) matches the float64 reference over 3 hops`, async () => {
        const m = getInteraction(name);
        const spec = tinySpec(m, encoder, 17, {}, E, R);
        const triples = randomTriples(new Rng(5), 25, E - 2, R); // entities 8 and 9 have no triples
        const g = graphOf(triples, E, R);
        const relWidth = m.relationWidth(spec.dim, spec.block);
        const refEnc = referenceEncoders(spec);
        const ent = Array.from({ length: E }, (_, i) => encodeRow(refEnc.ent, i, spec.dim));
        const rel = Array.from({ length: R }, (_, i) => encodeRow(refEnc.rel, i, relWidth));
        const entity = nativeRows(spec.entity, spec.dim);
        const relation = nativeRows(spec.relation, relWidth);
        entity.forEach((v, i) => assert.ok(Math.abs(v - ent[Math.floor(i / spec.dim)]![i % spec.dim]!) < 1e-4, `encoded entity value ${i}`));
        const got = await smoothNative(spec, g, entity, relation, 0.7, 3, 2);
        const want = referenceSmooth(m, spec, triples, ent, rel, 0.7, 3);
        let moved = 0;
        for (let u = 0; u < E; u++) {
          for (let k = 0; k < spec.dim; k++) {
            const v = got[u * spec.dim + k]!, w = want[u]![k]!;
            assert.ok(Math.abs(v - w) < 2e-4 * (1 + Math.abs(w)), `${name} entity ${u}[${k}]: ${v} vs ${w}`);
            moved = Math.max(moved, Math.abs(v - entity[u * spec.dim + k]!));
          }
        }
        assert.ok(moved > 1e-3, "smoothing changed the embeddings");
        for (const u of [8, 9]) assert.deepEqual(got.subarray(u * spec.dim, (u + 1) * spec.dim), entity.subarray(u * spec.dim, (u + 1) * spec.dim));
      });
    }
  }

  it("alpha = 1 and hops = 0 return the input unchanged; thread count does not change the result", async () => {
    const spec = tinySpec(getInteraction("rotate"), "shallow", 3, {}, E, R);
    const g = graphOf(randomTriples(new Rng(8), 25, E, R), E, R);
    const relation = Float32Array.from(spec.relation.rows);
    assert.deepEqual(await smoothNative(spec, g, spec.entity.rows, relation, 1, 4, 2), spec.entity.rows);
    assert.deepEqual(await smoothNative(spec, g, spec.entity.rows, relation, 0.5, 0, 2), spec.entity.rows);
    assert.deepEqual(await smoothNative(spec, g, spec.entity.rows, relation, 0.9, 5, 1), await smoothNative(spec, g, spec.entity.rows, relation, 0.9, 5, 2));
  });

  it("refuses alpha outside (0, 1] and negative hops, naming the field", async () => {
    const spec = tinySpec(getInteraction("transe-l2"), "shallow", 3, {}, E, R);
    const g = graphOf(randomTriples(new Rng(8), 25, E, R), E, R);
    const relation = Float32Array.from(spec.relation.rows);
    await assert.rejects(smoothNative(spec, g, spec.entity.rows, relation, 0, 1, 1), /alpha: must be in \(0, 1\]/);
    await assert.rejects(smoothNative(spec, g, spec.entity.rows, relation, 1.5, 1, 1), /alpha: must be in \(0, 1\]/);
    await assert.rejects(smoothNative(spec, g, spec.entity.rows, relation, 0.5, -1, 1), /hops: must be an integer >= 0/);
  });
});
