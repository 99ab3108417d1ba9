import assert from "node:assert/strict";
import { it } from "node:test";
import { getInteraction } from "../../../src/models/registry.js";
import { handSpec, score } from "./helpers.js";

it("rotate: phase pi is a reflection (h * e^{i pi} = -h)", () => {
  const gamma = 8, dim = 4;
  const phaseScale = getInteraction("rotate").phaseScale(gamma, dim);
  const h = [0.3, -0.5, 0.7, 0.2];
  const s = handSpec("rotate", dim, 1, gamma, [h, h.map((v) => -v), h], [[Math.PI / phaseScale, Math.PI / phaseScale]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - gamma) < 1e-3, "h rotated by pi equals -h");
  // distance to h itself: sum_k |-h_k - h_k| = 2 |h_k|
  const expected = gamma - 2 * (Math.hypot(0.3, 0.7) + Math.hypot(-0.5, 0.2));
  assert.ok(Math.abs(score(s, 0, 0, 2) - expected) < 1e-4);
  assert.ok(Math.abs(score(s, 0, 0, 1, false) - gamma) < 1e-3);
});

it("rotate: identical query and candidate (distance 0) gives finite scores", () => {
  const s = handSpec("rotate", 2, 1, 8, [[0.5, 0.5], [0.5, 0.5]], [[0]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - 8) < 1e-4);
});
