/**
 * Contract over the interaction registry: every native kernel's gradient (all tables and dense
 * encoder weights) against central finite differences of the float64 reference loss, both
 * corruption sides, shallow and concat encoders. Self-adversarial weights are frozen at the
 * evaluation point, as training treats them as constants.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BatchGradients } from "../../src/backends/index.js";
import { nativeGradients } from "../../src/backends/native/binding.js";
import { negativeCount, negGroupRows } from "../../src/models/config.js";
import { Rng } from "../../src/core/rng.js";
import type { Interaction } from "../../src/models/interaction.js";
import { referenceBatchLoss, type ReferenceBatch, type ReferenceLoss } from "../../src/models/reference.js";
import { interactionNames, getInteraction } from "../../src/models/registry.js";
import { modelShape } from "../../src/train/tables.js";
import { adjacency } from "./adjacency.js";
import { randomIds, referenceEncoders, tinySpec, type TinySpec } from "./fixtures.js";

function blankGradients(spec: TinySpec): BatchGradients {
  const out: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
  if (spec.entity.concat) {
    out.entityW = new Float32Array(spec.entity.W!.length);
    out.entityB = new Float32Array(spec.entity.b!.length);
    out.relationW = new Float32Array(spec.relation.W!.length);
    out.relationB = new Float32Array(spec.relation.b!.length);
  }
  return out;
}

/**
 * filtered: every third (row, negative) pair of a group is made a known triple (so masked), and
 * the native loss must differ from the unfiltered one.
 */
function checkGradients(m: Interaction, spec: TinySpec, loss: ReferenceLoss, tailSide: boolean, seed: number, weighted = false, filtered = false): void {
  const rng = new Rng(seed);
  const B = spec.config.batch, N = negativeCount(spec.config);
  const batch = {
    head: randomIds(rng, B, spec.entity.numRows), relation: randomIds(rng, B, spec.relation.numRows),
    tail: randomIds(rng, B, spec.entity.numRows), negatives: randomIds(rng, N, spec.entity.numRows), tailSide,
    ...(weighted ? { posWeight: Float32Array.from({ length: B }, () => 0.2 + rng.next()) } : {}),
  };
  const { entityDropout, relationDropout } = spec.config;
  const drop = entityDropout > 0 || relationDropout > 0 ? { seed: 1000 + seed, entity: entityDropout, relation: relationDropout } : undefined;
  if (drop) {
    const kept = nativeGradients(spec, spec.config, batch, blankGradients(spec), null);
    const dropped = nativeGradients(spec, spec.config, { ...batch, dropSeed: drop.seed }, blankGradients(spec), null);
    assert.ok(Math.abs(dropped - kept) > 1e-6, `dropout changed nothing (loss ${dropped})`);
    Object.assign(batch, { dropSeed: drop.seed });
  }
  let isKnown: ReferenceBatch["isKnown"];
  if (filtered) {
    const known = new Map<string, [number, number, number]>();
    const groupRows = negGroupRows(B, spec.config.negChunk), n = spec.config.negatives;
    for (let i = 0; i < B; i++) {
      const keep = tailSide ? batch.head[i]! : batch.tail[i]!;
      for (let j = 0; j < n; j++) {
        if ((i + j) % 3 !== 0) continue;
        const id = batch.negatives[Math.floor(i / groupRows) * n + j]!;
        const t: [number, number, number] = tailSide ? [keep, batch.relation[i]!, id] : [id, batch.relation[i]!, keep];
        known.set(t.join(","), t);
      }
    }
    // the first row's kept entity becomes a hub (more than 8 N edges): the engine's other lookup path
    const hub = tailSide ? batch.head[0]! : batch.tail[0]!;
    for (let other = 0; other < spec.entity.numRows; other++) for (let rel = 0; rel < spec.relation.numRows; rel++) {
      if ((other + rel) % 2 !== 0) continue;
      const t: [number, number, number] = tailSide ? [hub, rel, other] : [other, rel, hub];
      known.set(t.join(","), t);
    }
    assert.ok(spec.entity.numRows * spec.relation.numRows / 2 > 8 * n, "the hub needs more than 8 N edges");
    isKnown = (h, r, t) => known.has(`${h},${r},${t}`);
    const unfiltered = nativeGradients(spec, spec.config, batch, { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) }, null);
    spec.known = { out: adjacency([...known.values()], spec.entity.numRows, true), in: adjacency([...known.values()], spec.entity.numRows, false) };
    const masked = nativeGradients(spec, spec.config, batch, { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) }, spec.known);
    assert.ok(Math.abs(masked - unfiltered) > 1e-6, `masking known negatives changed nothing (loss ${masked})`);
  }
  const out = blankGradients(spec);
  const nativeLoss = nativeGradients(spec, spec.config, batch, out, spec.known ?? null);
  const shape = modelShape({ interaction: m, dim: spec.dim, block: spec.block, gamma: spec.gamma });
  const { ent, rel } = referenceEncoders(spec);
  const refBatch: ReferenceBatch = { ...batch, negChunk: spec.config.negChunk, ...(isKnown ? { isKnown } : {}), ...(drop ? { drop } : {}) };
  const base = referenceBatchLoss(m, shape, ent, rel, loss, refBatch);
  assert.ok(Math.abs(base.loss - nativeLoss) <= 1e-4 * Math.max(1, Math.abs(base.loss)), `loss native ${nativeLoss} vs reference ${base.loss}`);
  const targets: [string, Float64Array, Float32Array][] = [["entity", ent.rows, out.entity], ["relation", rel.rows, out.relation]];
  if (ent.W) targets.push(["entityW", ent.W, out.entityW!], ["entityB", ent.b!, out.entityB!], ["relationW", rel.W!, out.relationW!], ["relationB", rel.b!, out.relationB!]);
  const h = 1e-5;
  let checked = 0;
  for (const [name, params, grad] of targets) {
    for (let x = 0; x < params.length; x++) {
      const keep = params[x]!;
      params[x] = keep + h;
      const up = referenceBatchLoss(m, shape, ent, rel, loss, refBatch, base.weights).loss;
      params[x] = keep - h;
      const down = referenceBatchLoss(m, shape, ent, rel, loss, refBatch, base.weights).loss;
      params[x] = keep;
      const fd = (up - down) / (2 * h);
      const got = grad[x]!;
      assert.ok(Math.abs(got - fd) <= 2e-4 + 1e-2 * Math.abs(fd), `${m.name} ${name}[${x}]: native ${got} vs finite difference ${fd}`);
      if (fd !== 0) checked++;
    }
  }
  assert.ok(checked > 10, "too few non-zero gradients checked");
  // the negative path must carry gradients the tolerance above can tell from 0
  const inBatch = new Set([...batch.head, ...batch.tail]);
  let negMax = 0;
  for (const id of batch.negatives) {
    if (inBatch.has(id)) continue;
    for (let x = 0; x < ent.raw; x++) negMax = Math.max(negMax, Math.abs(out.entity[id * ent.raw + x]!));
  }
  assert.ok(negMax > 2e-3, `${m.name}: the negatives' gradients are too small to check (max ${negMax})`);
}

const LOGSIG: ReferenceLoss = { kind: "logsigmoid", advTemp: 1, margin: 1, reg: 0 };

describe("native gradients == finite differences of the float64 reference", () => {
  for (const name of interactionNames()) {
    const m = getInteraction(name);
    for (const encoder of ["shallow", "concat"] as const) {
      for (const tailSide of [true, false]) {
        it(`${name} ${encoder} ${tailSide ? "tail" : "head"}-corruption`, () => {
          checkGradients(m, tinySpec(m, encoder, 11), LOGSIG, tailSide, 7);
        });
      }
    }
  }
  it("plain mean (temperature 0), L3 regulariser", () => {
    const m = getInteraction("rotate");
    checkGradients(m, tinySpec(m, "shallow", 3, { advTemp: 0, reg: 1e-3 }), { ...LOGSIG, advTemp: 0, reg: 1e-3 }, true, 5);
  });
  it("sub-sampling weights on the positives", () => {
    const m = getInteraction("rotate");
    checkGradients(m, tinySpec(m, "shallow", 9), LOGSIG, false, 12, true);
  });
  it("negative groups (negChunk): each group of query rows against its own negatives", () => {
    for (const name of ["rotate", "transe-l2", "distmult"]) {
      const m = getInteraction(name);
      for (const negChunk of [1, 3]) checkGradients(m, tinySpec(m, "shallow", 4, { negChunk }), LOGSIG, negChunk === 3, 21);
    }
  });
  it("filtered negatives: known triples among the negatives add nothing (both sides, groups, plain mean, margin)", () => {
    const spec = (name: string, over: Parameters<typeof tinySpec>[3] = {}): TinySpec => tinySpec(getInteraction(name), "shallow", 4, over, 40);
    for (const name of ["rotate", "transe-l2", "distmult"]) {
      const m = getInteraction(name);
      checkGradients(m, spec(name), LOGSIG, true, 31, false, true);
      checkGradients(m, spec(name, { negChunk: 3 }), LOGSIG, false, 32, false, true);
    }
    checkGradients(getInteraction("rotate"), spec("rotate", { advTemp: 0 }), { ...LOGSIG, advTemp: 0 }, false, 33, true, true);
    checkGradients(getInteraction("transe-l2"), spec("transe-l2", { loss: "margin", margin: 2 }), { ...LOGSIG, kind: "margin", margin: 2 }, true, 34, false, true);
  });
  it("softmax loss (cross-entropy of the positive against its negatives), with groups, weights and filtered negatives", () => {
    const SOFTMAX: ReferenceLoss = { ...LOGSIG, kind: "softmax" };
    for (const name of ["complex", "distmult", "rotate"]) {
      const m = getInteraction(name);
      checkGradients(m, tinySpec(m, "shallow", 4, { loss: "softmax" }), SOFTMAX, true, 41);
      checkGradients(m, tinySpec(m, "shallow", 4, { loss: "softmax", negChunk: 3 }), SOFTMAX, false, 42, true);
    }
    checkGradients(getInteraction("distmult"), tinySpec(getInteraction("distmult"), "shallow", 4, { loss: "softmax" }, 40), SOFTMAX, true, 43, false, true);
  });
  it("entity and relation dropout (the step's mask rebuilt by the reference), both sides, concat encoder, groups", () => {
    for (const name of ["complex", "rotate", "transe-l2", "quate"]) {
      const m = getInteraction(name);
      checkGradients(m, tinySpec(m, "shallow", 4, { entityDropout: 0.3, relationDropout: 0.4 }), LOGSIG, true, 51);
      checkGradients(m, tinySpec(m, "concat", 4, { entityDropout: 0.5, negChunk: 3, loss: "softmax" }), { ...LOGSIG, kind: "softmax" }, false, 52);
    }
  });
  it("margin loss", () => {
    const m = getInteraction("transe-l2");
    checkGradients(m, tinySpec(m, "shallow", 4, { loss: "margin", margin: 2 }), { ...LOGSIG, kind: "margin", margin: 2 }, false, 6);
  });
});
