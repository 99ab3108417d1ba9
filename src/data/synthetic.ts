import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkOutputFolder, withAtomicDir } from "../core/atomic.js";
import { withOutputLock } from "../core/output-lock.js";
import { startProgress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import type { Triples } from "../core/types.js";
import { writeNpy } from "../io/npy.js";
import { CandidateWriter } from "./synthetic-candidates.js";
import { FeatureBasis } from "./synthetic-features.js";
import { resolveSynthOptions, type ResolvedSynthOptions, type SynthOptions } from "./synthetic-options.js";
import type { PlantedPatterns } from "./synthetic-relations.js";
import { generateTriples, type SynthTriples } from "./synthetic-triples.js";
import { buildWorld, type SynthWorld } from "./synthetic-world.js";

export { SYNTH_DEFAULTS, resolveSynthOptions, type ResolvedSynthOptions, type SynthOptions } from "./synthetic-options.js";
export type { PlantedPatterns } from "./synthetic-relations.js";
export type { SynthTriples } from "./synthetic-triples.js";
export type { SynthWorld } from "./synthetic-world.js";

/**
 * The synthetic WikiKG90M: the project's embedded default dataset, in the exact OGB WikiKG90M v1
 * layout, generated from a planted latent model that is learnable the way Wikidata is.
 *
 *   world      Zipf-sized entity types, Zipf popularity inside a type, latent unit vectors in
 *              clusters (synthetic-world.ts)
 *   relations  domain/range types, an orthogonal latent map each; symmetric, inverse, composed,
 *              1-N and N-1 relations planted (synthetic-relations.ts)
 *   triples    tails drawn near A_r·z_h + b_r among popular range-type entities, partner triples of
 *              the patterns, noise; held-out true triples for valid/test (synthetic-triples.ts)
 *   candidates the true tail at a random index among same-type (by popularity) and uniform
 *              negatives, filtered (synthetic-candidates.ts)
 *   features   noisy random projections of the latent vectors plus a type signal (synthetic-features.ts)
 *
 * Layout written (atomically, as a whole folder):
 *   processed/train_hrt.npy int64 [numTrain, 3], val_hr.npy / test_hr.npy int64 [Q, 2],
 *   val_t_candidate.npy / test_t_candidate.npy int64 [Q, K], val_t_correct_index.npy int64 [Q],
 *   entity_feat.npy / relation_feat.npy float16 [·, featureDim];
 *   answers/test_t_correct_index.npy int64 [numTest] (kept apart: hidden in OGB);
 *   meta.json; RELEASE_v1.txt.
 * Same options and seed → same bytes (only the seeded Rng draws; no clock, no Math.random).
 */
export interface SynthSummary {
  outDir: string;
  options: ResolvedSynthOptions;
  /** entities per type, shape: [numTypes] */
  typeSizes: number[];
  /** noise triples among the training triples */
  noiseTriples: number;
  planted: PlantedPatterns;
  /** validation MRR (over all candidates, ties half) of ranking by train in-degree */
  popularityValidMrr: number;
  /**
   * validation MRR of log p(t | h, r) under the latent model (exact, but blind to the planted
   * partner triples and the noise), on the first 4,000 queries: a reference ceiling
   */
  latentOracleValidMrr: number;
  /** paths written, relative to outDir */
  files: string[];
}

export const SYNTH_FILES = {
  train: "processed/train_hrt.npy",
  validHr: "processed/val_hr.npy",
  validCandidates: "processed/val_t_candidate.npy",
  validCorrect: "processed/val_t_correct_index.npy",
  testHr: "processed/test_hr.npy",
  testCandidates: "processed/test_t_candidate.npy",
  entityFeatures: "processed/entity_feat.npy",
  relationFeatures: "processed/relation_feat.npy",
  testCorrect: "answers/test_t_correct_index.npy",
  meta: "meta.json",
  release: "RELEASE_v1.txt",
} as const;

/** The drawn graph before anything is written: the hidden world, the triples and the seeds left. */
export interface SyntheticGraph {
  options: ResolvedSynthOptions;
  world: SynthWorld;
  triples: SynthTriples;
  /** seeds of the candidate and feature streams */
  candidateSeed: number;
  featureSeed: number;
}

/** Validates the options and draws world and triples (deterministic in the seed). */
export function drawSyntheticGraph(options: SynthOptions): SyntheticGraph {
  const o = resolveSynthOptions(options);
  // independent streams, so e.g. the feature draws do not depend on how many triples were tried
  const master = new Rng(o.seed);
  const [worldSeed, tripleSeed, candidateSeed, featureSeed] = [master.nextU32(), master.nextU32(), master.nextU32(), master.nextU32()];
  const world = buildWorld(o, new Rng(worldSeed));
  const triples = generateTriples(world, o, new Rng(tripleSeed));
  return { options: o, world, triples, candidateSeed, featureSeed };
}

/** Generates the synthetic WikiKG90M into `outDir` (replacing it as a whole; nothing on failure). */
export async function generateSynthetic(options: SynthOptions, outDir: string, force = false): Promise<SynthSummary> {
  // one writer for the whole stage; a bad --out is refused before the seconds spent drawing
  return withOutputLock(outDir, "data synth", () => {
    checkOutputFolder(outDir, "synth", force);
    return writeSynthetic(options, outDir, force);
  });
}

function writeSynthetic(options: SynthOptions, outDir: string, force: boolean): Promise<SynthSummary> {
  const { options: o, world, triples, candidateSeed, featureSeed } = drawSyntheticGraph(options);

  return withAtomicDir(outDir, (tmp) => {
    mkdirSync(join(tmp, "processed"), { recursive: true });
    mkdirSync(join(tmp, "answers"), { recursive: true });
    const at = (file: string): string => join(tmp, file);

    writeNpy(at(SYNTH_FILES.train), "<i8", [o.numTrain, 3], interleave(triples.train, true));
    writeNpy(at(SYNTH_FILES.validHr), "<i8", [o.numValid, 2], interleave(triples.valid, false));
    writeNpy(at(SYNTH_FILES.testHr), "<i8", [o.numTest, 2], interleave(triples.test, false));

    const inDegree = new Int32Array(o.numEntities); // shape: [E]
    for (let i = 0; i < triples.train.length; i++) inDegree[triples.train.tail[i]!]!++;
    const candidates = new CandidateWriter(world, o, [triples.train, triples.valid, triples.test], inDegree, new Rng(candidateSeed));
    const validCorrect = new Int32Array(o.numValid); // shape: [numValid]
    const progress = startProgress("synth candidates", o.numValid + o.numTest, "queries");
    const rankers = candidates.write(triples.valid, at(SYNTH_FILES.validCandidates), validCorrect);
    writeNpy(at(SYNTH_FILES.validCorrect), "<i8", [o.numValid], validCorrect);
    progress.update(o.numValid);
    const testCorrect = new Int32Array(o.numTest); // shape: [numTest]
    candidates.write(triples.test, at(SYNTH_FILES.testCandidates), testCorrect);
    progress.update(o.numValid + o.numTest);
    progress.stop();
    writeNpy(at(SYNTH_FILES.testCorrect), "<i8", [o.numTest], testCorrect);

    const basis = new FeatureBasis(world, o, new Rng(featureSeed));
    const featureProgress = startProgress("synth entity features", o.numEntities, "rows");
    basis.writeEntityFeatures(at(SYNTH_FILES.entityFeatures), (done) => featureProgress.update(done));
    featureProgress.stop();
    basis.writeRelationFeatures(at(SYNTH_FILES.relationFeatures));

    const typeSizes = Array.from({ length: world.numTypes }, (_, t) => world.typeStart[t + 1]! - world.typeStart[t]!);
    const summary: SynthSummary = {
      outDir,
      options: o,
      typeSizes,
      noiseTriples: triples.noiseTriples,
      planted: world.relations.planted,
      popularityValidMrr: rankers.popularityMrr,
      latentOracleValidMrr: rankers.latentOracleMrr,
      files: Object.values(SYNTH_FILES),
    };
    writeFileSync(at(SYNTH_FILES.meta), `${JSON.stringify(metaOf(summary), null, 2)}\n`);
    writeFileSync(at(SYNTH_FILES.release), releaseNote(o));
    return summary;
  }, { kind: "synth", replace: force });
}

/** meta.json: the OGB meta fields first, then the resolved options and what was planted. */
function metaOf(s: SynthSummary): Record<string, unknown> {
  const { seed, ...rest } = s.options;
  return {
    num_entities: s.options.numEntities,
    num_relations: s.options.numRelations,
    generator: "kgc synth",
    seed,
    ...rest,
    type_sizes: s.typeSizes,
    noise_triples: s.noiseTriples,
    planted: s.planted,
    reference_valid_mrr: { popularity: round6(s.popularityValidMrr), latent_oracle: round6(s.latentOracleValidMrr) },
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function releaseNote(o: ResolvedSynthOptions): string {
  return [
    "kgc synthetic WikiKG90M, layout of OGB-LSC WikiKG90M v1 (KDD Cup 2021).",
    `Generated by "kgc synth" with seed ${o.seed}: ${o.numEntities} entities, ${o.numRelations} relations,`,
    `${o.numTrain} training triples, ${o.numValid} validation and ${o.numTest} test queries of ${o.numCandidates} candidates.`,
    "The test answers are in answers/, outside processed/, as they are hidden in the real dataset.",
    "",
  ].join("\n");
}

/** Row-major int32 [n, 3] (h, r, t) or [n, 2] (h, r). */
function interleave(x: Triples, withTail: boolean): Int32Array {
  const w = withTail ? 3 : 2;
  const out = new Int32Array(x.length * w);
  for (let i = 0; i < x.length; i++) {
    out[i * w] = x.head[i]!;
    out[i * w + 1] = x.relation[i]!;
    if (withTail) out[i * w + 2] = x.tail[i]!;
  }
  return out;
}
