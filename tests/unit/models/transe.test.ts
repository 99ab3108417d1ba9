import assert from "node:assert/strict";
import { it } from "node:test";
import { handSpec, score } from "./helpers.js";

it("transe-l2: h + r == t scores gamma; a 3-4-5 offset scores gamma - 5", () => {
  const s = handSpec("transe-l2", 2, 1, 8, [[1, 2], [2, 3], [5, 7]], [[1, 1]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - 8) < 1e-3);
  assert.ok(Math.abs(score(s, 0, 0, 2) - 3) < 1e-4);
  assert.ok(Math.abs(score(s, 0, 0, 2, false) - 3) < 1e-4);
});

it("transe-l1: distance is the sum of absolute differences", () => {
  const s = handSpec("transe-l1", 2, 1, 8, [[1, 2], [5, 7]], [[1, 1]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - (8 - 7)) < 1e-5);
});
