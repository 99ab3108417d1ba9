/**
 * Contract of the 1-N training modes (src/native/common/one-to-n.cc) over the interaction
 * registry: native gradients of 1vsAll and KvsAll (label smoothing, N3, reciprocal answers,
 * weights, both sides) against central finite differences of the float64 reference; and the
 * all-entity score block, chunked over entities and query rows, against the shared-negative
 * scorer with N = every entity (the 1vsAll loss recomputed from those scores must match).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BatchGradients, KnownTriples } from "../../src/backends/index.js";
import { nativeGradients, nativeScore } from "../../src/backends/native/binding.js";
import { Rng } from "../../src/core/rng.js";
import { negativeCount } from "../../src/models/config.js";
import type { Interaction } from "../../src/models/interaction.js";
import { referenceOneToNLoss, type ReferenceOneToNBatch } from "../../src/models/reference.js";
import { getInteraction, interactionNames } from "../../src/models/registry.js";
import { modelShape } from "../../src/train/tables.js";
import { adjacency } from "./adjacency.js";
import { randomIds, referenceEncoders, tinySpec, type TinySpec } from "./fixtures.js";

const E = 10, R = 2; // base relations; reciprocal tables hold 2R rows

/** Random base triples, their adjacency, and the answers of (keep, r) with r + R the inverse of r. */
function knownGraph(rng: Rng): { known: KnownTriples; answers: (keep: number, r: number) => Set<number> } {
  const triples: [number, number, number][] = [];
  const seen = new Set<string>();
  for (let k = 0; k < 40; k++) {
    const t: [number, number, number] = [rng.int(E), rng.int(R), rng.int(E)];
    if (seen.has(t.join())) continue;
    seen.add(t.join());
    triples.push(t);
  }
  const answers = (keep: number, r: number): Set<number> =>
    new Set(r < R ? triples.filter((t) => t[0] === keep && t[1] === r).map((t) => t[2]) : triples.filter((t) => t[2] === keep && t[1] === r - R).map((t) => t[0]));
  return { known: { out: adjacency(triples, E, true), in: adjacency(triples, E, false) }, answers };
}

function checkOneToN(m: Interaction, training: "1vsAll" | "KvsAll", tailSide: boolean, seed: number, n3: number, labelSmoothing: number, weighted: boolean, dropout = 0): void {
  const rng = new Rng(seed);
  const spec: TinySpec = tinySpec(m, "shallow", seed, { training, reciprocal: true, n3, labelSmoothing, negatives: 1, entityDropout: dropout, relationDropout: dropout }, E, 2 * R);
  const { known, answers } = knownGraph(rng);
  const B = spec.config.batch;
  const batch = {
    head: randomIds(rng, B, E), relation: randomIds(rng, B, 2 * R), tail: randomIds(rng, B, E),
    negatives: randomIds(rng, negativeCount(spec.config), E), tailSide,
    ...(weighted ? { posWeight: Float32Array.from({ length: B }, () => 0.2 + rng.next()) } : {}),
    ...(dropout > 0 ? { dropSeed: 77 + seed } : {}),
  };
  const out: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
  const nativeLoss = nativeGradients(spec, spec.config, batch, out, training === "KvsAll" ? known : null);
  if (dropout > 0) {
    const { dropSeed: _, ...undropped } = batch;
    const kept = nativeGradients(spec, spec.config, undropped, { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) }, training === "KvsAll" ? known : null);
    assert.ok(Math.abs(kept - nativeLoss) > 1e-6, `${m.name} ${training}: dropout changed nothing (loss ${nativeLoss})`);
  }
  const shape = modelShape({ interaction: m, dim: spec.dim, block: spec.block, gamma: spec.gamma });
  const { ent, rel } = referenceEncoders(spec);
  const ref: ReferenceOneToNBatch = { ...batch, training, n3, labelSmoothing, answers, ...(dropout > 0 ? { drop: { seed: 77 + seed, entity: dropout, relation: dropout } } : {}) };
  const base = referenceOneToNLoss(m, shape, ent, rel, ref);
  assert.ok(Math.abs(base - nativeLoss) <= 1e-4 * Math.max(1, Math.abs(base)), `${m.name} ${training}: loss native ${nativeLoss} vs reference ${base}`);
  const h = 1e-5;
  let checked = 0;
  for (const [name, params, grad] of [["entity", ent.rows, out.entity], ["relation", rel.rows, out.relation]] as const) {
    for (let x = 0; x < params.length; x++) {
      const keep = params[x]!;
      params[x] = keep + h;
      const up = referenceOneToNLoss(m, shape, ent, rel, ref);
      params[x] = keep - h;
      const down = referenceOneToNLoss(m, shape, ent, rel, ref);
      params[x] = keep;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(grad[x]! - fd) <= 2e-4 + 1e-2 * Math.abs(fd), `${m.name} ${training} ${name}[${x}]: native ${grad[x]} vs finite difference ${fd}`);
      if (Math.abs(fd) > 1e-3) checked++;
    }
  }
  // every entity row is a candidate, so (nearly) every entity coordinate carries a gradient
  assert.ok(checked > spec.entity.rows.length / 2, `${m.name} ${training}: too few non-zero gradients (${checked})`);
}

describe("1-N training: native gradients == finite differences of the float64 reference", () => {
  for (const name of interactionNames()) {
    const m = getInteraction(name);
    it(`${name} 1vsAll (both sides, N3, weights) and KvsAll (label smoothing, reciprocal answers)`, () => {
      checkOneToN(m, "1vsAll", true, 3, 0, 0, false);
      checkOneToN(m, "1vsAll", false, 4, 0.01, 0, true);
      checkOneToN(m, "KvsAll", true, 5, 0.01, 0.1, false);
      checkOneToN(m, "KvsAll", true, 6, 0, 0, true);
    });
  }
  it("entity and relation dropout on the query side (the step's mask rebuilt by the reference)", () => {
    for (const name of ["complex", "distmult", "rotate"]) {
      checkOneToN(getInteraction(name), "1vsAll", true, 11, 0.01, 0, false, 0.3);
      checkOneToN(getInteraction(name), "KvsAll", true, 12, 0, 0.1, true, 0.5);
    }
  });
});

describe("1vsAll's all-entity block == the shared-negative scorer with N = every entity", () => {
  // 5,000 entities and 130 query rows cross the engine's entity chunk (4,096) and row block (128)
  for (const name of ["distmult", "transe-l2", "rotate", "ote"]) {
    it(`${name}: loss from nativeScore over all entities equals the 1vsAll loss`, () => {
      const m = getInteraction(name);
      const numEntities = 5000, B = 130;
      const spec = tinySpec(m, "shallow", 8, { training: "1vsAll", batch: B, negatives: 1 }, numEntities, 3);
      const rng = new Rng(9);
      for (const tailSide of [true, false]) {
        const batch = { head: randomIds(rng, B, numEntities), relation: randomIds(rng, B, 3), tail: randomIds(rng, B, numEntities), negatives: new Int32Array(1), tailSide };
        const out: BatchGradients = { entity: new Float32Array(spec.entity.rows.length), relation: new Float32Array(spec.relation.rows.length) };
        const loss = nativeGradients(spec, spec.config, batch, out);
        const S = new Float32Array(B * numEntities);
        const all = Int32Array.from({ length: numEntities }, (_, e) => e);
        nativeScore(spec, tailSide ? batch.head : batch.tail, batch.relation, tailSide, all, 0, S);
        let expected = 0;
        for (let i = 0; i < B; i++) {
          const row = S.subarray(i * numEntities, (i + 1) * numEntities);
          let mx = -Infinity;
          for (const v of row) mx = Math.max(mx, v);
          let z = 0;
          for (const v of row) z += Math.exp(v - mx);
          expected += (mx + Math.log(z) - row[tailSide ? batch.tail[i]! : batch.head[i]!]!) / B;
        }
        assert.ok(Math.abs(loss - expected) <= 1e-4 * Math.max(1, Math.abs(expected)), `${name}: 1vsAll loss ${loss} vs from shared scores ${expected}`);
        // the dense gradient reaches entities no batch triple names
        const named = new Set([...batch.head, ...batch.tail]);
        const free = [...Array(numEntities).keys()].find((e) => !named.has(e))!;
        assert.ok(out.entity.subarray(free * spec.dim, (free + 1) * spec.dim).some((g) => g !== 0), `${name}: entity ${free} got no gradient`);
      }
    });
  }
});
