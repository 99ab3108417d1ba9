/**
 * Contract over the interaction registry: the chunked path (B queries x N shared candidates)
 * equals the aligned path (each query with its own candidates) and the float64 reference, for
 * both sides and both encoders; native and TS registries and widths agree.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nativeModelNames, nativeModelWidths, nativeScore } from "../../src/backends/native/binding.js";
import { Rng } from "../../src/core/rng.js";
import { referenceScore } from "../../src/models/interaction.js";
import { encodeRow } from "../../src/models/reference.js";
import { getInteraction, interactionNames } from "../../src/models/registry.js";
import { modelShape } from "../../src/train/tables.js";
import { randomIds, referenceEncoders, sideAndWidthCases, tinySpec, wideShape } from "./fixtures.js";

describe("registries", () => {
  it("native kernels and TS interactions have the same names", () => {
    assert.deepEqual([...nativeModelNames()].sort(), [...interactionNames()].sort());
  });
  it("relation widths agree", () => {
    for (const name of interactionNames()) {
      const m = getInteraction(name);
      for (const [dim, block] of [[200, m.defaults.block], [40, m.comparator === "block-l2" ? 8 : 1]] as const) {
        assert.equal(nativeModelWidths(name, dim, block).relation, m.relationWidth(dim, block), name);
      }
    }
  });
  it("an unknown name throws listing the known ones", () => {
    assert.throws(() => getInteraction("transr"), /unknown model 'transr' \(known: transe-l1, transe-l2/);
  });
});

describe("chunked == aligned == float64 reference", () => {
  for (const name of interactionNames()) {
    for (const encoder of ["shallow", "concat"] as const) {
      for (const { tailSide, wide, label } of sideAndWidthCases) {
        it(`${name} ${encoder} ${label}`, () => {
          const m = getInteraction(name);
          const spec = wide ? tinySpec(m, encoder, 21, {}, 10, 3, wideShape(m)) : tinySpec(m, encoder, 21);
          const rng = new Rng(3);
          const [B, N] = wide ? [7, 70] : [5, 7];
          const keep = randomIds(rng, B, spec.entity.numRows);
          const rel = randomIds(rng, B, spec.relation.numRows);
          const cands = randomIds(rng, N, spec.entity.numRows);
          const chunked = new Float32Array(B * N);
          nativeScore(spec, keep, rel, tailSide, cands, 0, chunked);
          const rows = new Int32Array(B * N);
          for (let i = 0; i < B; i++) rows.set(cands, i * N);
          const aligned = new Float32Array(B * N);
          nativeScore(spec, keep, rel, tailSide, rows, N, aligned);
          const shape = modelShape({ interaction: m, dim: spec.dim, block: spec.block, gamma: spec.gamma });
          const { ent, rel: relEnc } = referenceEncoders(spec);
          const relWidth = m.relationWidth(spec.dim, spec.block);
          for (let i = 0; i < B; i++) {
            for (let j = 0; j < N; j++) {
              const ref = referenceScore(m, encodeRow(ent, keep[i]!, spec.dim), encodeRow(relEnc, rel[i]!, relWidth), encodeRow(ent, cands[j]!, spec.dim), tailSide, shape);
              const tol = 1e-4 * Math.max(1, Math.abs(ref));
              assert.ok(Math.abs(chunked[i * N + j]! - aligned[i * N + j]!) <= tol, `chunked ${chunked[i * N + j]} vs aligned ${aligned[i * N + j]}`);
              assert.ok(Math.abs(chunked[i * N + j]! - ref) <= tol, `native ${chunked[i * N + j]} vs reference ${ref}`);
            }
          }
        });
      }
    }
  }
});

describe("both sides score the same triple alike (all but OTE/NOTE, whose head side is the seed's approximate inverse)", () => {
  for (const name of interactionNames().filter((n) => n !== "ote" && n !== "note")) {
    it(name, () => {
      const m = getInteraction(name);
      const spec = tinySpec(m, "shallow", 8);
      const h = Int32Array.of(1, 2, 3), r = Int32Array.of(0, 1, 2), t = Int32Array.of(4, 5, 6);
      const tailView = new Float32Array(3), headView = new Float32Array(3);
      nativeScore(spec, h, r, true, t, 1, tailView);
      nativeScore(spec, t, r, false, h, 1, headView);
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(tailView[i]! - headView[i]!) < 1e-4 * Math.max(1, Math.abs(tailView[i]!)), `${tailView[i]} vs ${headView[i]}`);
    });
  }
});
