import assert from "node:assert/strict";
import { it } from "node:test";
import { handSpec, score } from "./helpers.js";

it("complex: Re(h r conj t) for one coordinate", () => {
  // h = 1 + 2i, r = 3 - i, t = 2 + 5i: h r = 5 + 5i, (h r) conj(t) = (5 + 5i)(2 - 5i) = 35 - 15i
  const s = handSpec("complex", 2, 1, 8, [[1, 2], [2, 5]], [[3, -1]]);
  assert.ok(Math.abs(score(s, 0, 0, 1) - 35) < 1e-4);
  assert.ok(Math.abs(score(s, 0, 0, 1, false) - 35) < 1e-4);
  // antisymmetric relations: swapping h and t changes the score
  assert.ok(Math.abs(score(s, 1, 0, 0) - 35) > 1);
});
