import assert from "node:assert/strict";
import { it } from "node:test";
import { handSpec, score } from "./helpers.js";

it("distmult: score = sum h r t, symmetric in h and t", () => {
  const s = handSpec("distmult", 3, 1, 8, [[1, 2, 3], [4, 5, 6]], [[1, -1, 2]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - (4 - 10 + 36)) < 1e-4);
  assert.ok(Math.abs(score(s, 1, 0, 0) - (4 - 10 + 36)) < 1e-4);
});
