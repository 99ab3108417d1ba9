import { KgcError } from "../core/errors.js";

/**
 * Options of the synthetic WikiKG90M generator. Every field has a default (SYNTH_DEFAULTS); the
 * counts mirror the OGB layout, the rest are knobs of the planted latent model (see
 * synthetic-world.ts for what each one does to the graph).
 */
export interface SynthOptions {
  /** number of entities E */
  numEntities?: number;
  /** number of relations R */
  numRelations?: number;
  /** training triples (distinct) */
  numTrain?: number;
  /** validation queries (held-out true triples) */
  numValid?: number;
  /** test queries (held-out true triples) */
  numTest?: number;
  /** candidates per query: the true tail + numCandidates − 1 negatives */
  numCandidates?: number;
  /** width of the entity and relation text-like features */
  featureDim?: number;
  /** seed of every random draw (unsigned 32-bit integer) */
  seed?: number;
  /** number of entity types (Zipf-sized) */
  numTypes?: number;
  /** Zipf exponent of the type sizes: |type k| ∝ (k+1)^−s */
  typeSizeExponent?: number;
  /** dimension d of the latent entity vectors */
  latentDim?: number;
  /** latent clusters inside each type (fewer when the type is smaller) */
  clustersPerType?: number;
  /** spread of an entity's latent vector around its cluster centroid (0 = all equal) */
  clusterSpread?: number;
  /** the tail pool of a latent cluster: its poolSize most popular entities */
  poolSize?: number;
  /** probability that a tail is drawn by popularity from the whole cluster instead of the pool */
  longTailRate?: number;
  /** Zipf exponent of the popularity inside a type: w_e = (rank_e + 1)^−s */
  popularityExponent?: number;
  /** Zipf exponent of the relation frequencies */
  relationFrequencyExponent?: number;
  /** probability that a planted partner triple (symmetric, inverse, composed) is emitted */
  patternRate?: number;
  /** fraction of training triples that are noise (uniform tails, no latent structure) */
  noiseRate?: number;
  /** fraction of the negative candidates drawn from the range type of the relation, by popularity */
  sameTypeNegativeRate?: number;
  /** standard deviation of the i.i.d. feature noise (the latent signal has unit variance) */
  featureNoise?: number;
  /** weight of the per-type direction added to the features */
  typeSignal?: number;
}

export type ResolvedSynthOptions = Required<SynthOptions>;

export const SYNTH_DEFAULTS: Readonly<ResolvedSynthOptions> = Object.freeze({
  numEntities: 100_000,
  numRelations: 200,
  numTrain: 2_000_000,
  numValid: 20_000,
  numTest: 20_000,
  numCandidates: 1001,
  featureDim: 768,
  seed: 42,
  numTypes: 32,
  typeSizeExponent: 1.0,
  latentDim: 16,
  clustersPerType: 24,
  clusterSpread: 1.0,
  poolSize: 32,
  longTailRate: 0.1,
  popularityExponent: 1.0,
  relationFrequencyExponent: 1.0,
  patternRate: 0.9,
  noiseRate: 0.05,
  sameTypeNegativeRate: 0.5,
  featureNoise: 1.0,
  typeSignal: 0.5,
});

const WHERE = "synth options";

const POSITIVE_INTS = ["numEntities", "numRelations", "numTrain", "numValid", "numTest", "numCandidates", "featureDim", "numTypes", "latentDim", "clustersPerType", "poolSize"] as const;

/** Fills defaults and validates; throws KgcError("synth options", …) naming the bad field. */
export function resolveSynthOptions(options: SynthOptions): ResolvedSynthOptions {
  const known = new Set(Object.keys(SYNTH_DEFAULTS));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new KgcError(WHERE, `unknown option '${key}' (known: ${[...known].join(", ")})`);
  }
  // an option explicitly set to undefined (a JS caller, an unset flag) takes its default
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SynthOptions;
  const o: ResolvedSynthOptions = { ...SYNTH_DEFAULTS, ...given };
  for (const key of POSITIVE_INTS) {
    const v = o[key];
    if (!Number.isSafeInteger(v) || v <= 0) throw new KgcError(WHERE, `${key} must be a positive integer, got ${String(v)}`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new KgcError(WHERE, `seed must be an integer in [0, 2^32), got ${String(o.seed)}`);
  }
  const finite = (key: keyof ResolvedSynthOptions, lo: number, hi: number, hiInclusive: boolean): void => {
    const v = o[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || (hiInclusive ? v > hi : v >= hi)) {
      throw new KgcError(WHERE, `${key} must be a number in [${lo}, ${hi}${hiInclusive ? "]" : ")"}, got ${String(v)}`);
    }
  };
  finite("typeSizeExponent", 0, 4, true);
  finite("popularityExponent", 0, 4, true);
  finite("relationFrequencyExponent", 0, 4, true);
  finite("clusterSpread", 0, 10, true);
  finite("patternRate", 0, 1, true);
  finite("longTailRate", 0, 1, true);
  finite("noiseRate", 0, 1, false);
  finite("sameTypeNegativeRate", 0, 1, true);
  finite("featureNoise", 0, 100, true);
  finite("typeSignal", 0, 100, true);
  if (o.numCandidates < 2) throw new KgcError(WHERE, `numCandidates must be at least 2 (the true tail and one negative), got ${o.numCandidates}`);
  if (o.numCandidates > o.numEntities) {
    throw new KgcError(WHERE, `numCandidates (${o.numCandidates}) must not exceed numEntities (${o.numEntities}): a candidate row has no duplicates`);
  }
  if (o.numTypes > o.numEntities) throw new KgcError(WHERE, `numTypes (${o.numTypes}) must not exceed numEntities (${o.numEntities})`);
  if (o.numEntities < 2) throw new KgcError(WHERE, `numEntities must be at least 2, got ${o.numEntities}`);
  if (o.latentDim < 2) throw new KgcError(WHERE, `latentDim must be at least 2, got ${o.latentDim}`);
  if (o.numEntities > 2 ** 31 - 1 || o.numRelations > 2 ** 31 - 1) throw new KgcError(WHERE, "numEntities and numRelations must fit in int32");
  // triple keys (h·R + r)·E + t must stay exact in a double
  if (o.numEntities * o.numEntities * o.numRelations > Number.MAX_SAFE_INTEGER) {
    throw new KgcError(WHERE, `numEntities² × numRelations (${o.numEntities}² × ${o.numRelations}) exceeds 2^53`);
  }
  const held = o.numValid + o.numTest;
  // a crude capacity bound: there must be room for the distinct triples asked for
  if (o.numTrain + held > (o.numEntities * (o.numEntities - 1) * o.numRelations) / 8) {
    throw new KgcError(WHERE, `numTrain + numValid + numTest (${o.numTrain + held}) is too many distinct triples for ${o.numEntities} entities and ${o.numRelations} relations`);
  }
  return o;
}
