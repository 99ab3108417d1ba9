import assert from "node:assert/strict";
import { it } from "node:test";
import { hamilton } from "../../../src/models/quate.js";
import { handSpec, score } from "./helpers.js";

it("quate: the unit relation (1, 0, 0, 0) is the identity, any scale of it too", () => {
  const h = [0.1, 0.2, 0.3, 0.4], t = [0.5, -0.6, 0.7, 0.8];
  const s = handSpec("quate", 4, 1, 8, [h, t], [[3, 0, 0, 0]]);
  const dot = h.reduce((a, v, i) => a + v * t[i]!, 0);
  assert.ok(Math.abs(score(s, 0, 0, 1) - dot) < 1e-5);
});

it("quate: Hamilton product i * j = k and the norm is multiplicative", () => {
  const q = hamilton([0, 1, 0, 0], [0, 0, 1, 0], false, 1);
  assert.deepEqual(Array.from(q), [0, 0, 0, 1]);
  const a = [0.3, -0.2, 0.5, 0.1], b = [0.6, 0.0, -0.8, 0.0];
  const p = hamilton(a, b, false, 1);
  const norm = (v: ArrayLike<number>): number => Math.hypot(...Array.from(v));
  assert.ok(Math.abs(norm(p) - norm(a) * norm(b)) < 1e-12);
});

it("quate: a unit relation rotates h without changing its norm (score with t = h (x) r^)", () => {
  const h = [0.3, -0.2, 0.5, 0.1], r = [0.6, 0.0, -0.8, 0.0];
  const t = Array.from(hamilton(h, r, false, 1));
  const s = handSpec("quate", 4, 1, 8, [h, t], [r]);
  const hh = h.reduce((a, v) => a + v * v, 0);
  assert.ok(Math.abs(score(s, 0, 0, 1) - hh) < 1e-5);
});
