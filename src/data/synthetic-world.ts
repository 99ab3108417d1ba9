import type { Rng } from "../core/rng.js";
import type { ResolvedSynthOptions } from "./synthetic-options.js";
import { normalise, randomPermutation, randomUnit } from "./synthetic-math.js";
import { planRelations, type RelationTable } from "./synthetic-relations.js";

/**
 * The hidden "world" behind the synthetic WikiKG90M: entity types, popularity, latent vectors and
 * latent clusters. Relations live in synthetic-relations.ts, sampling in synthetic-sampling.ts.
 *
 * Types: T types with Zipf sizes, |type k| ∝ (k+1)^−a (a = typeSizeExponent), each at least one
 * entity. Entity ids are a random permutation, so the id says nothing about the type.
 *
 * Popularity: inside a type, entities have a random rank; w_e = (rank_e + 1)^−s
 * (s = popularityExponent), so a few entities of each type attract most of the edges, as in
 * Wikidata (countries, big cities, common occupations).
 *
 * Latent vectors: type t has K_t = min(clustersPerType, |t|) cluster centroids c_k, random unit
 * vectors in R^d; an entity of cluster k has z_e = normalise(c_k + σ·g/√d), g ~ N(0, I),
 * σ = clusterSpread. The clusters are what a KGE model can discover; the spread inside a cluster
 * is the fine structure.
 */
export interface SynthWorld {
  numEntities: number;
  numTypes: number;
  latentDim: number;
  /** tail pool of a cluster: its poolSize most popular members (see synthetic-sampling.ts) */
  poolSize: number;
  /** probability of a long-tail (whole-cluster popularity) tail draw */
  longTailRate: number;
  /** shape: [E] type of each entity */
  entityType: Int32Array;
  /** shape: [T + 1] offsets into byRank; type t owns byRank[typeStart[t] .. typeStart[t+1]) */
  typeStart: Int32Array;
  /** shape: [E] entity ids grouped by type, each group in popularity order (most popular first) */
  byRank: Int32Array;
  /** shape: [E] popularity weight w_e = (rank_e + 1)^−s */
  weight: Float64Array;
  /** shape: [E, d] latent vectors, unit norm */
  latent: Float64Array;
  /** shape: [E] global cluster id of each entity */
  entityCluster: Int32Array;
  /** shape: [T + 1] clusters of type t are typeClusterStart[t] .. typeClusterStart[t+1] */
  typeClusterStart: Int32Array;
  /** shape: [C, d] cluster centroids, unit norm */
  centroid: Float64Array;
  /** shape: [C + 1] offsets into clusterMembers */
  clusterStart: Int32Array;
  /** shape: [E] entity ids grouped by cluster, in popularity order inside a cluster */
  clusterMembers: Int32Array;
  /** shape: [E] alias-table acceptance probability of each clusterMembers slot (Walker/Vose) */
  aliasProb: Float64Array;
  /** shape: [E] alias-table fallback slot (an index into clusterMembers, same cluster) */
  aliasSlot: Int32Array;
  /** shape: [E, d] latent vectors in clusterMembers order (a cluster's pool is one block) */
  memberLatent: Float64Array;
  /** shape: [E] log w_e in clusterMembers order */
  memberLogWeight: Float64Array;
  /** shape: [E] slot of each entity in clusterMembers */
  memberSlot: Int32Array;
  /** shape: [C] log W_k, W_k = Σ_{e ∈ k} w_e */
  clusterLogMass: Float64Array;
  /** shape: [T] cumulative type sizes as floats, to draw a type ∝ its size */
  typeCumSize: Float64Array;
  relations: RelationTable;
}

/** Builds the world deterministically from `rng`. */
export function buildWorld(o: ResolvedSynthOptions, rng: Rng): SynthWorld {
  const E = o.numEntities;
  const T = o.numTypes;
  const d = o.latentDim;
  const sizes = zipfSizes(E, T, o.typeSizeExponent);
  const typeStart = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) typeStart[t + 1] = typeStart[t]! + sizes[t]!;
  const typeCumSize = new Float64Array(T);
  for (let t = 0; t < T; t++) typeCumSize[t] = typeStart[t + 1]!;

  const byRank = randomPermutation(E, rng);
  const entityType = new Int32Array(E);
  const weight = new Float64Array(E);
  for (let t = 0; t < T; t++) {
    for (let i = typeStart[t]!; i < typeStart[t + 1]!; i++) {
      const e = byRank[i]!;
      entityType[e] = t;
      weight[e] = Math.pow(i - typeStart[t]! + 1, -o.popularityExponent);
    }
  }

  // clusters: the K most popular entities of a type seed one cluster each (so every cluster has
  // some mass), the others join a uniformly random cluster of their type
  const typeClusterStart = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) typeClusterStart[t + 1] = typeClusterStart[t]! + Math.min(o.clustersPerType, sizes[t]!);
  const C = typeClusterStart[T]!;
  const entityCluster = new Int32Array(E);
  for (let t = 0; t < T; t++) {
    const k0 = typeClusterStart[t]!;
    const kt = typeClusterStart[t + 1]! - k0;
    for (let i = typeStart[t]!; i < typeStart[t + 1]!; i++) {
      const rank = i - typeStart[t]!;
      entityCluster[byRank[i]!] = k0 + (rank < kt ? rank : rng.int(kt));
    }
  }
  const centroid = new Float64Array(C * d);
  for (let k = 0; k < C; k++) randomUnit(rng, centroid.subarray(k * d, (k + 1) * d));

  const latent = new Float64Array(E * d);
  const scale = o.clusterSpread / Math.sqrt(d);
  for (let e = 0; e < E; e++) {
    const z = latent.subarray(e * d, (e + 1) * d);
    const k = entityCluster[e]!;
    for (let j = 0; j < d; j++) z[j] = centroid[k * d + j]! + scale * rng.normal();
    normalise(z);
  }

  // counting sort of the entities by cluster, keeping popularity order inside a cluster
  const clusterStart = new Int32Array(C + 1);
  for (let e = 0; e < E; e++) clusterStart[entityCluster[e]! + 1]!++;
  for (let k = 0; k < C; k++) clusterStart[k + 1] = clusterStart[k + 1]! + clusterStart[k]!;
  const fill = clusterStart.slice(0, C);
  const clusterMembers = new Int32Array(E);
  for (let i = 0; i < E; i++) {
    const e = byRank[i]!;
    clusterMembers[fill[entityCluster[e]!]!++] = e;
  }
  const clusterLogMass = new Float64Array(C);
  const aliasProb = new Float64Array(E);
  const aliasSlot = new Int32Array(E);
  for (let k = 0; k < C; k++) {
    clusterLogMass[k] = Math.log(buildAlias(clusterMembers, weight, clusterStart[k]!, clusterStart[k + 1]!, aliasProb, aliasSlot));
  }
  const memberLatent = new Float64Array(E * d);
  const memberLogWeight = new Float64Array(E);
  const memberSlot = new Int32Array(E);
  for (let i = 0; i < E; i++) {
    const e = clusterMembers[i]!;
    memberLatent.set(latent.subarray(e * d, (e + 1) * d), i * d);
    memberLogWeight[i] = Math.log(weight[e]!);
    memberSlot[e] = i;
  }

  const relations = planRelations(o, sizes, typeCumSize, rng);
  return {
    numEntities: E, numTypes: T, latentDim: d, poolSize: o.poolSize, longTailRate: o.longTailRate, entityType, typeStart, byRank, weight, latent, entityCluster,
    typeClusterStart, centroid, clusterStart, clusterMembers, aliasProb, aliasSlot, memberLatent, memberLogWeight, memberSlot, clusterLogMass, typeCumSize, relations,
  };
}

/**
 * Walker's alias table (Vose's construction) over slots [lo, hi) of `members` with weights
 * w[members[i]]: a draw is one uniform slot i, kept with probability prob[i], else alias[i]; O(1)
 * per draw. Returns the total weight.
 */
function buildAlias(members: Int32Array, w: Float64Array, lo: number, hi: number, prob: Float64Array, alias: Int32Array): number {
  const n = hi - lo;
  let total = 0;
  for (let i = lo; i < hi; i++) total += w[members[i]!]!;
  const small: number[] = [];
  const large: number[] = [];
  for (let i = lo; i < hi; i++) {
    prob[i] = (w[members[i]!]! * n) / total;
    alias[i] = i;
    (prob[i]! < 1 ? small : large).push(i);
  }
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large[large.length - 1]!;
    alias[s] = l;
    prob[l] = prob[l]! + prob[s]! - 1;
    if (prob[l]! < 1) small.push(large.pop()!);
  }
  for (const i of small) prob[i] = 1;
  for (const i of large) prob[i] = 1;
  return total;
}

/**
 * Sizes n_k ∝ (k+1)^−a summing to `total`, each ≥ 1: one entity per type, the rest shared by
 * largest remainder (ties to the lower index), so the result is exact and deterministic.
 */
export function zipfSizes(total: number, parts: number, exponent: number): Int32Array {
  const sizes = new Int32Array(parts).fill(1);
  const spare = total - parts;
  const w = Array.from({ length: parts }, (_, k) => Math.pow(k + 1, -exponent));
  const sum = w.reduce((a, b) => a + b, 0);
  const frac: Array<[number, number]> = [];
  let given = 0;
  for (let k = 0; k < parts; k++) {
    const share = (spare * w[k]!) / sum;
    const whole = Math.floor(share);
    sizes[k] = sizes[k]! + whole;
    given += whole;
    frac.push([share - whole, k]);
  }
  frac.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; i < spare - given; i++) sizes[frac[i]![1]]!++;
  return sizes;
}
