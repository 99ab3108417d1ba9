import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import type { Rng } from "../core/rng.js";
import { allocTriples, type Triples } from "../core/types.js";
import { pickCumulative, randomPermutation } from "./synthetic-math.js";
import type { ResolvedSynthOptions } from "./synthetic-options.js";
import { GROUP_COMPOSITION, GROUP_INVERSE, GROUP_PARALLEL, GROUP_SYMMETRIC } from "./synthetic-relations.js";
import { LatentSampler } from "./synthetic-sampling.js";
import { TripleKeySet } from "./synthetic-triple-set.js";
import type { SynthWorld } from "./synthetic-world.js";

/**
 * The triples of the synthetic world.
 *
 * 1. Model triples: until numTrain − noise + numValid + numTest distinct ones exist, pick a
 *    generation group with its Zipf weight and emit its triples (h ≠ t, duplicates skipped):
 *      single       (h, r, t), h from the domain by popularity, t from the latent model;
 *      symmetric    (h, r, t) and, with probability patternRate, (t, r, h);
 *      inverse      (h, r, t) and, with probability patternRate, (t, r', h) (either side first);
 *      composition  (h, r1, m), (m, r2, t) and, with probability patternRate, (h, r3, t);
 *      parallel     (h, r, t) and, with probability patternRate, (h, r', t) (either relation first).
 * 2. Held out: numValid + numTest of the model triples, uniformly — true facts absent from train,
 *    like the later Wikidata dumps behind WikiKG90M's validation and test sets. The two triples
 *    of a parallel pair are one fact stated twice, which a later dump often adds together: when
 *    one is held out, half the time (PAIR_HELD_TOGETHER) so is the other, in the same split
 *    (while room remains), so that split's queries (h, r, ?) and (h, r', ?) share their answer;
 *    otherwise the partner stays in train as a direct edge h → t.
 * 3. Noise: round(noiseRate · numTrain) extra training triples with a popular head of the
 *    relation's domain and a uniform tail (half from the range type, half from anywhere).
 * 4. Train is shuffled, so its order says nothing about how a triple was made.
 */
export interface SynthTriples {
  train: Triples;
  valid: Triples;
  test: Triples;
  noiseTriples: number;
}

export function generateTriples(world: SynthWorld, o: ResolvedSynthOptions, rng: Rng): SynthTriples {
  const E = world.numEntities;
  const rel = world.relations;
  const held = o.numValid + o.numTest;
  const noise = Math.round(o.noiseRate * o.numTrain);
  const modelTarget = o.numTrain - noise + held;
  const known = new TripleKeySet(E, rel.numRelations, o.numTrain + held);
  const model = allocTriples(modelTarget);
  let count = 0;
  /** shape: [modelTarget]; 1 when model triple i is the parallel partner of triple i − 1 */
  const pairedWithPrevious = new Uint8Array(modelTarget);
  const emit = (h: number, r: number, t: number): boolean => {
    if (count === modelTarget || h === t || !known.add(h, r, t)) return false;
    model.head[count] = h;
    model.relation[count] = r;
    model.tail[count] = t;
    count++;
    return true;
  };

  const sampler = new LatentSampler(world);
  const groups = rel.groupCumWeight;
  const totalWeight = groups[groups.length - 1]!;
  const maxSteps = 20 * modelTarget + 10_000;
  const progress = startProgress("synth triples", modelTarget, "triples");
  for (let step = 0; count < modelTarget; step++) {
    if (step >= maxSteps) {
      progress.stop();
      throw new KgcError("synth options", `only ${count} of ${modelTarget} distinct triples could be drawn; raise numEntities or lower numTrain`);
    }
    if ((step & 0xffff) === 0) progress.update(count);
    const g = pickCumulative(groups, rng.next() * totalWeight);
    const r = rel.groupRelations[g * 3]!;
    switch (rel.groupKind[g]) {
      case GROUP_SYMMETRIC: {
        const h = sampler.head(r, rng);
        const t = sampler.tail(r, h, rng);
        emit(h, r, t);
        if (rng.next() < o.patternRate) emit(t, r, h);
        break;
      }
      case GROUP_INVERSE: {
        const r2 = rel.groupRelations[g * 3 + 1]!;
        const [first, second] = rng.next() < 0.5 ? [r, r2] : [r2, r];
        const h = sampler.head(first, rng);
        const t = sampler.tail(first, h, rng);
        emit(h, first, t);
        if (rng.next() < o.patternRate) emit(t, second, h);
        break;
      }
      case GROUP_PARALLEL: {
        const r2 = rel.groupRelations[g * 3 + 1]!;
        const [first, second] = rng.next() < 0.5 ? [r, r2] : [r2, r];
        const h = sampler.head(first, rng);
        const t = sampler.tail(first, h, rng);
        const firstAdded = emit(h, first, t);
        if (rng.next() < o.patternRate && emit(h, second, t) && firstAdded) pairedWithPrevious[count - 1] = 1;
        break;
      }
      case GROUP_COMPOSITION: {
        const r2 = rel.groupRelations[g * 3 + 1]!;
        const r3 = rel.groupRelations[g * 3 + 2]!;
        const h = sampler.head(r, rng);
        const m = sampler.tail(r, h, rng);
        const t = sampler.tail(r2, m, rng);
        emit(h, r, m);
        emit(m, r2, t);
        if (h !== m && m !== t && rng.next() < o.patternRate) emit(h, r3, t);
        break;
      }
      default: {
        const h = sampler.head(r, rng);
        emit(h, r, sampler.tail(r, h, rng));
      }
    }
  }
  progress.update(count);
  progress.stop();

  // held-out split: a random subset of the model triples, parallel pairs kept together
  const order = holdOutOrder(randomPermutation(modelTarget, rng), pairedWithPrevious, [o.numValid, held], rng);
  const valid = pickRows(model, order, 0, o.numValid);
  const test = pickRows(model, order, o.numValid, held);
  const train = allocTriples(o.numTrain);
  for (let i = held; i < modelTarget; i++) {
    const j = order[i]!;
    train.head[i - held] = model.head[j]!;
    train.relation[i - held] = model.relation[j]!;
    train.tail[i - held] = model.tail[j]!;
  }

  // noise triples
  let filled = modelTarget - held;
  const maxNoiseSteps = 50 * noise + 10_000;
  for (let step = 0; filled < o.numTrain; step++) {
    if (step >= maxNoiseSteps) throw new KgcError("synth options", `only ${filled - (modelTarget - held)} of ${noise} noise triples could be drawn; lower noiseRate`);
    const r = rng.int(rel.numRelations);
    const h = sampler.head(r, rng);
    let t: number;
    if (rng.next() < 0.5) {
      const ran = rel.range[r]!;
      t = world.byRank[world.typeStart[ran]! + rng.int(world.typeStart[ran + 1]! - world.typeStart[ran]!)]!;
    } else {
      t = rng.int(E);
    }
    if (h === t || !known.add(h, r, t)) continue;
    train.head[filled] = h;
    train.relation[filled] = r;
    train.tail[filled] = t;
    filled++;
  }

  shuffleTriples(train, rng);
  return { train, valid, test, noiseTriples: noise };
}

/** probability that a held-out parallel triple takes its partner along into the same split */
const PAIR_HELD_TOGETHER = 0.5;

/**
 * Reorders a permutation so that positions [0, limits[0]) are valid, [limits[0], limits[1]) test
 * and the rest train, pulling the partner of each held-out paired triple into the same split.
 */
function holdOutOrder(order: Int32Array, pairedWithPrevious: Uint8Array, limits: readonly number[], rng: Rng): Int32Array {
  const n = order.length;
  const out = new Int32Array(n);
  const placed = new Uint8Array(n);
  let filled = 0;
  let cursor = 0;
  const place = (j: number): void => {
    placed[j] = 1;
    out[filled++] = j;
  };
  for (const limit of limits) {
    for (; filled < limit && cursor < n; cursor++) {
      const j = order[cursor]!;
      if (placed[j]) continue;
      place(j);
      const partner = pairedWithPrevious[j] ? j - 1 : j + 1 < n && pairedWithPrevious[j + 1] ? j + 1 : -1;
      if (partner >= 0 && !placed[partner] && filled < limit && rng.next() < PAIR_HELD_TOGETHER) place(partner);
    }
  }
  for (const j of order) if (!placed[j]) place(j);
  return out;
}

function pickRows(src: Triples, order: Int32Array, from: number, to: number): Triples {
  const out = allocTriples(to - from);
  for (let i = from; i < to; i++) {
    const j = order[i]!;
    out.head[i - from] = src.head[j]!;
    out.relation[i - from] = src.relation[j]!;
    out.tail[i - from] = src.tail[j]!;
  }
  return out;
}

function shuffleTriples(x: Triples, rng: Rng): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    for (const col of [x.head, x.relation, x.tail]) {
      const tmp = col[i]!;
      col[i] = col[j]!;
      col[j] = tmp;
    }
  }
}
