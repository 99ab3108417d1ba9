import assert from "node:assert/strict";
import { it } from "node:test";
import { nativeGradients } from "../../../src/backends/native/binding.js";
import { Rng } from "../../../src/core/rng.js";
import { gramSchmidt } from "../../../src/models/ote.js";
import { getInteraction } from "../../../src/models/registry.js";
import { handSpec, score } from "./helpers.js";

it("ote: Gram-Schmidt blocks are orthonormal", () => {
  const rng = new Rng(1);
  const k = 5;
  const m = Array.from({ length: k * k }, () => rng.normal());
  const R = gramSchmidt(m, 0, k, k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let d = 0;
      for (let a = 0; a < k; a++) d += R[i * k + a]! * R[j * k + a]!;
      assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-9);
    }
  }
});

it("ote: orthogonal blocks keep block norms (score against the zero entity = gamma - sum ||h_b||)", () => {
  const rng = new Rng(2);
  const h = Array.from({ length: 4 }, () => rng.normal());
  const rel = Array.from({ length: 2 * 4 }, () => rng.normal());
  const s = handSpec("ote", 4, 2, 12, [h, [0, 0, 0, 0]], [rel]);
  const expected = 12 - Math.hypot(h[0]!, h[1]!) - Math.hypot(h[2]!, h[3]!);
  assert.ok(Math.abs(score(s, 0, 0, 1) - expected) < 1e-4);
  assert.ok(Math.abs(score(s, 1, 0, 0, false) - expected) < 1e-4);
});

it("ote: the identity relation maps h onto itself", () => {
  const h = [0.3, 0.1, -0.4, 0.9];
  const s = handSpec("ote", 4, 2, 12, [h, h], [[1, 0, 0, 1, 1, 0, 0, 1]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - 12) < 1e-3);
});

it("note: zero scales equal OTE, and the scales receive gradients (they learn)", () => {
  const rng = new Rng(4);
  const h = Array.from({ length: 4 }, () => rng.normal()), t = Array.from({ length: 4 }, () => rng.normal());
  const M = Array.from({ length: 8 }, () => rng.normal());
  const withScale = [M[0]!, M[1]!, 0, M[2]!, M[3]!, 0, M[4]!, M[5]!, 0, M[6]!, M[7]!, 0];
  const ote = handSpec("ote", 4, 2, 12, [h, t], [M]);
  const note = handSpec("note", 4, 2, 12, [h, t], [withScale]);
  assert.ok(Math.abs(score(ote, 0, 0, 1) - score(note, 0, 0, 1)) < 1e-5);
  const out = { entity: new Float32Array(8), relation: new Float32Array(12) };
  nativeGradients(note, { ...note.config, batch: 1, negatives: 1 }, { head: Int32Array.of(0), relation: Int32Array.of(0), tail: Int32Array.of(1), negatives: Int32Array.of(0), tailSide: true }, out);
  const scaleGrads = [2, 5, 8, 11].map((i) => out.relation[i]!);
  assert.ok(scaleGrads.some((g) => Math.abs(g) > 1e-6), `scale gradients ${scaleGrads}`);
  assert.equal(getInteraction("note").relationWidth(200, 20), 200 * 21);
});
