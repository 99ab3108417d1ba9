/** The tfjs backend's bad-input paths: device out of memory, options it lacks; and its scorer against the native one. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nativeScore } from "../../../src/backends/native/binding.js";
import { createTfjsBackend } from "../../../src/backends/tfjs/backend.js";
import { isOutOfMemory, outOfMemoryError } from "../../../src/backends/tfjs/out-of-memory.js";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import { parseTrainConfig } from "../../../src/models/config.js";
import { getInteraction, interactionNames } from "../../../src/models/registry.js";
import { randomIds, tinySpec } from "../../contract/fixtures.js";

// TensorFlow's own wording of a GPU allocation failure (tfjs-node-gpu surfaces it as an Error)
const tfOom = (): Error => new Error("OOM when allocating tensor with shape[1000,1000,200] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc\n\t [[{{node Sub}}]]");

describe("device out of memory", () => {
  it("names the largest halved batch that runs", async () => {
    const tried: number[] = [];
    const err = await outOfMemoryError(tfOom(), 1000, "tfjs-node-gpu", async (b) => {
      tried.push(b);
      if (b > 100) throw tfOom();
    });
    assert.ok(err instanceof KgcError);
    assert.deepEqual(tried, [500, 250, 125, 62]);
    assert.match(err.message, /^batch: tfjs-node-gpu ran out of memory for a batch of 1000 \(OOM when allocating tensor.*\); a batch of 62 fits: --set batch=62$/);
    assert.ok(!err.message.includes("\n"), "one line");
  });
  it("says so when not even one row fits, and passes other errors through", async () => {
    const none = await outOfMemoryError(tfOom(), 4, "tfjs-node-gpu", async () => Promise.reject(tfOom()));
    assert.match(none.message, /even for a batch of 1/);
    await assert.rejects(outOfMemoryError(tfOom(), 4, "tfjs-node-gpu", async () => Promise.reject(new Error("CUDA driver version is insufficient"))), /driver/);
  });
  it("recognises TensorFlow's and V8's allocation failures only", () => {
    assert.ok(isOutOfMemory(tfOom()));
    assert.ok(isOutOfMemory(new RangeError("Array buffer allocation failed")));
    assert.ok(!isOutOfMemory(new Error("shapes [3,4] and [5,4] are incompatible")));
  });
});

describe("tfjs backend", async () => {
  const backend = await createTfjsBackend();
  it("says which TensorFlow.js runs it and supports every registered interaction", () => {
    assert.match(backend.device, /^tfjs/);
    for (const model of interactionNames()) assert.deepEqual(backend.unsupported(parseTrainConfig({ model, dim: 8, block: 4, steps: 1 })), []);
  });
  for (const model of interactionNames()) {
    it(`${model}: score() == nativeScore (shared and per-row candidates, both sides, concat encoder)`, async () => {
      const m = getInteraction(model);
      const config = parseTrainConfig({ model, dim: 8, block: m.comparator === "block-l2" ? 4 : 1, gamma: 6, steps: 1, encoder: "concat" });
      const spec = tinySpec(m, "concat", 3, config);
      const rng = new Rng(9);
      const keep = randomIds(rng, 5, 10), rel = randomIds(rng, 5, 3);
      for (const tailSide of [true, false]) {
        for (const [cands, k] of [[randomIds(rng, 7, 10), 0], [randomIds(rng, 15, 10), 3]] as const) {
          const n = k > 0 ? 5 * k : 5 * cands.length;
          const ref = new Float32Array(n), mine = new Float32Array(n);
          nativeScore(spec, keep, rel, tailSide, cands, k, ref);
          await backend.score(spec, keep, rel, tailSide, cands, k, mine);
          for (let x = 0; x < n; x++) assert.ok(Math.abs(mine[x]! - ref[x]!) <= 1e-4 * (1 + Math.abs(ref[x]!)), `${model} [${x}]: tfjs ${mine[x]} vs native ${ref[x]}`);
        }
      }
    });
  }
});
