/**
 * Second, independent oracle: tfjs autograd of the same loss (TensorFlow.js ops, pure-JS CPU)
 * against the native hand-written backward, for every model and both sides.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Tensor, Tensor2D } from "@tensorflow/tfjs";
import type { BatchGradients } from "../../src/backends/index.js";
import { nativeGradients } from "../../src/backends/native/binding.js";
import { tfScore } from "../../src/backends/tfjs/score.js";
import { loadTfjs } from "../../src/backends/tfjs/load.js";
import { Rng } from "../../src/core/rng.js";
import { getInteraction, interactionNames } from "../../src/models/registry.js";
import { modelShape } from "../../src/train/tables.js";
import { randomIds, sideAndWidthCases, tinySpec, wideShape } from "./fixtures.js";

describe("native backward == tfjs autograd", async () => {
  const { tf } = await loadTfjs();
  for (const name of interactionNames()) {
    for (const { tailSide, wide, label } of sideAndWidthCases) {
      it(`${name} ${label}`, () => {
        const m = getInteraction(name);
        const spec = wide ? tinySpec(m, "shallow", 13, { batch: 7, negatives: 70 }, 10, 3, wideShape(m)) : tinySpec(m, "shallow", 13);
        const rng = new Rng(17);
        const B = spec.config.batch, N = spec.config.negatives;
        const batch = { head: randomIds(rng, B, 10), relation: randomIds(rng, B, 3), tail: randomIds(rng, B, 10), negatives: randomIds(rng, N, 10), tailSide };
        const out: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
        const nativeLoss = nativeGradients(spec, spec.config, batch, out);
        const shape = modelShape({ interaction: m, dim: spec.dim, block: spec.block, gamma: spec.gamma });
        const score = tfScore(m);
        const keepIdx = tf.tensor1d(tailSide ? batch.head : batch.tail, "int32"), targetIdx = tf.tensor1d(tailSide ? batch.tail : batch.head, "int32");
        const relIdx = tf.tensor1d(batch.relation, "int32"), negIdx = tf.tensor1d(batch.negatives, "int32");
        const E0 = tf.tensor2d(spec.entity.rows, [10, spec.entity.raw]), R0 = tf.tensor2d(spec.relation.rows, [3, spec.relation.raw]);
        const scores = (E: Tensor2D, R: Tensor2D): { pos: Tensor; neg: Tensor2D } => {
          const keep = tf.gather(E, keepIdx), rel = tf.gather(R, relIdx);
          const pos = tf.sum(tf.mul(score(tf, keep, rel, tf.gather(E, targetIdx), tailSide, shape), tf.eye(B)), 1);
          return { pos, neg: score(tf, keep, rel, tf.gather(E, negIdx), tailSide, shape) };
        };
        const weights = tf.softmax(scores(E0, R0).neg); // self-adversarial weights: constants
        const loss = (E: Tensor, R: Tensor): Tensor => {
          const s = scores(E as Tensor2D, R as Tensor2D);
          return tf.mul(0.5, tf.add(tf.mean(tf.softplus(tf.neg(s.pos))), tf.mean(tf.sum(tf.mul(weights, tf.softplus(s.neg)), 1))));
        };
        const { value, grads } = tf.valueAndGrads(loss)([E0, R0]);
        assert.ok(Math.abs(value.dataSync()[0]! - nativeLoss) < 1e-4 * Math.max(1, nativeLoss), `loss tfjs ${value.dataSync()[0]} vs native ${nativeLoss}`);
        for (const [label, g, mine] of [["entity", grads[0]!, out.entity], ["relation", grads[1]!, out.relation]] as const) {
          const ref = g.dataSync();
          for (let x = 0; x < ref.length; x++) {
            assert.ok(Math.abs(ref[x]! - mine[x]!) <= 1e-4 + 2e-3 * Math.abs(ref[x]!), `${name} ${label}[${x}]: native ${mine[x]} vs tfjs ${ref[x]}`);
          }
        }
      });
    }
  }
});
