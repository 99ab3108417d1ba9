/**
 * Second, independent oracle of the 1-N training modes (src/native/common/one-to-n.cc): tfjs
 * autograd of 1vsAll's softmax cross-entropy and KvsAll's label-smoothed binary cross-entropy,
 * each row against every entity, weighted mean over the rows, plus N3 (the cubed modulus of each
 * coordinate, Interaction.n3Parts), against the native hand-written backward, for every model.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Tensor, Tensor2D } from "@tensorflow/tfjs";
import type { BatchGradients } from "../../src/backends/index.js";
import { nativeGradients } from "../../src/backends/native/binding.js";
import { loadTfjs } from "../../src/backends/tfjs/load.js";
import { tfScore } from "../../src/backends/tfjs/score.js";
import { Rng } from "../../src/core/rng.js";
import { getInteraction, interactionNames } from "../../src/models/registry.js";
import { modelShape } from "../../src/train/tables.js";
import { adjacency } from "./adjacency.js";
import { randomIds, tinySpec } from "./fixtures.js";

const E = 10, R = 2; // base relations; the reciprocal tables hold 2R rows

describe("1-N training: native backward == tfjs autograd", async () => {
  const { tf } = await loadTfjs();
  const cases = [
    { training: "1vsAll", tailSide: true, n3: 0.05, labelSmoothing: 0, weighted: false },
    { training: "1vsAll", tailSide: false, n3: 0.05, labelSmoothing: 0, weighted: true },
    { training: "KvsAll", tailSide: true, n3: 0.05, labelSmoothing: 0.1, weighted: true },
  ] as const;
  for (const name of interactionNames()) {
    for (const c of cases) {
      it(`${name} ${c.training} ${c.tailSide ? "tail" : "head"} side, N3${c.labelSmoothing ? ", label smoothing" : ""}${c.weighted ? ", weights" : ""}`, () => {
        const m = getInteraction(name);
        const rng = new Rng(31);
        const spec = tinySpec(m, "shallow", 29, { training: c.training, reciprocal: true, n3: c.n3, labelSmoothing: c.labelSmoothing, batch: 6, negatives: 1 }, E, 2 * R);
        const triples = Array.from({ length: 30 }, (): [number, number, number] => [rng.int(E), rng.int(R), rng.int(E)]);
        const known = { out: adjacency(triples, E, true), in: adjacency(triples, E, false) };
        const B = spec.config.batch;
        const batch = {
          head: randomIds(rng, B, E), relation: randomIds(rng, B, 2 * R), tail: randomIds(rng, B, E), negatives: new Int32Array(1), tailSide: c.tailSide,
          ...(c.weighted ? { posWeight: Float32Array.from({ length: B }, () => 0.2 + rng.next()) } : {}),
        };
        const out: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
        const nativeLoss = nativeGradients(spec, spec.config, batch, out, c.training === "KvsAll" ? known : null);

        const shape = modelShape({ interaction: m, dim: spec.dim, block: spec.block, gamma: spec.gamma });
        const keepIds = c.tailSide ? batch.head : batch.tail, targetIds = c.tailSide ? batch.tail : batch.head;
        // targets: one-hot of the target (1vsAll) or the smoothed known answers of (keep, r) (KvsAll;
        // r >= R asks for the heads of r - R)
        const Y = new Float32Array(B * E);
        for (let i = 0; i < B; i++) {
          if (c.training === "1vsAll") {
            Y[i * E + targetIds[i]!] = 1;
            continue;
          }
          const r = batch.relation[i]!, keep = keepIds[i]!;
          const answers = triples.filter((t) => (r < R ? t[0] === keep && t[1] === r : t[2] === keep && t[1] === r - R)).map((t) => (r < R ? t[2] : t[0]));
          for (let j = 0; j < E; j++) Y[i * E + j] = c.labelSmoothing / E + (answers.includes(j) ? 1 - c.labelSmoothing : 0);
        }
        const w = Float32Array.from({ length: B }, (_, i) => (batch.posWeight ? batch.posWeight[i]! : 1));
        const wsum = w.reduce((a, v) => a + v, 0);
        const weights = tf.tensor1d(w.map((v) => v / wsum));
        const targets = tf.tensor2d(Y, [B, E]);
        const keepIdx = tf.tensor1d(keepIds, "int32"), targetIdx = tf.tensor1d(targetIds, "int32"), relIdx = tf.tensor1d(batch.relation, "int32");
        const score = tfScore(m);
        // N3 of rows X [n, width] split into `parts` planes: sum over coordinates of |x_i|^3
        const cubes = (X: Tensor2D, parts: number): Tensor => {
          const planes = tf.reshape(X, [X.shape[0], parts, X.shape[1] / parts]);
          return tf.sum(tf.pow(tf.sqrt(tf.sum(tf.square(planes), 1)), 3));
        };
        const loss = (Et: Tensor, Rt: Tensor): Tensor => {
          const ent = Et as Tensor2D, rel = Rt as Tensor2D;
          const keep = tf.gather(ent, keepIdx), relRows = tf.gather(rel, relIdx);
          const S = score(tf, keep, relRows, ent, c.tailSide, shape); // [B, E]
          const rows = c.training === "1vsAll"
            ? tf.sub(tf.logSumExp(S, 1), tf.sum(tf.mul(S, targets), 1))
            : tf.sum(tf.sub(tf.softplus(S), tf.mul(targets, S)), 1);
          let total = tf.sum(tf.mul(weights, rows));
          const { entity: pe, relation: pr } = m.n3Parts;
          let reg = cubes(keep, pe);
          if (pr > 0) reg = tf.add(reg, cubes(relRows, pr));
          if (c.training === "1vsAll") reg = tf.add(reg, cubes(tf.gather(ent, targetIdx), pe));
          total = tf.add(total, tf.mul(c.n3 / B, reg));
          return total;
        };
        const E0 = tf.tensor2d(spec.entity.rows, [E, spec.entity.raw]), R0 = tf.tensor2d(spec.relation.rows, [2 * R, spec.relation.raw]);
        const { value, grads } = tf.valueAndGrads(loss)([E0, R0]);
        const tfLoss = value.dataSync()[0]!;
        assert.ok(Math.abs(tfLoss - nativeLoss) < 1e-4 * Math.max(1, Math.abs(nativeLoss)), `${name} ${c.training}: loss tfjs ${tfLoss} vs native ${nativeLoss}`);
        for (const [label, g, mine] of [["entity", grads[0]!, out.entity], ["relation", grads[1]!, out.relation]] as const) {
          const ref = g.dataSync();
          for (let x = 0; x < ref.length; x++) {
            assert.ok(Math.abs(ref[x]! - mine[x]!) <= 1e-4 + 2e-3 * Math.abs(ref[x]!), `${name} ${c.training} ${label}[${x}]: native ${mine[x]} vs tfjs ${ref[x]}`);
          }
        }
      });
    }
  }
});
