import type { Rng } from "../core/rng.js";
import { matVec, pickCumulative, randomPermutation } from "./synthetic-math.js";
import type { ResolvedSynthOptions } from "./synthetic-options.js";

/**
 * Relations of the synthetic world. Relation r has a domain type, a range type and an affine map
 * of the latent space, q = A_r·z_h + b_r with A_r orthogonal (d × d); the tail of (h, r, ?) is
 * drawn near q among range-type entities (synthetic-sampling.ts): β_r sets how sharply the latent
 * cluster is chosen, γ_r how sharply the entity inside it. The cardinality shapes them:
 *
 *   general      β = 30, γ = 50,  head exponent 0.3
 *   1-N          β = 6,  γ = 8,   head exponent 0.8   (fewer heads, many spread-out tails each)
 *   N-1          β = 80, γ = 100, head exponent 0     (every head, a near-deterministic tail)
 *
 * Planted patterns, consistent with the latent maps and emitted explicitly as partner triples:
 *   symmetric    A = Q·diag(±1)·Qᵀ (an involution, Aᵀ = A), b = 0, domain = range; (t, r, h) added
 *   inverse pair r' = r⁻¹: A' = Aᵀ, b' = −Aᵀ·b, domain and range swapped; (t, r', h) added
 *   composition  r3 = r2 ∘ r1: A3 = A2·A1, b3 = A2·b1 + b2; for a chain (h r1 m)(m r2 t), (h r3 t) added
 *   parallel     r' restates r (Wikidata's "country" beside "country of citizenship", "located in"
 *                beside "location"): same domain, range and map; (h, r', t) added beside (h, r, t).
 *                So a held-out (h, r, t) is often a direct train edge h → t under r' (the F_HT
 *                feature), and h's queries of r and r' share their answer (the per-head
 *                candidate-list count).
 *
 * Besides the patterns, the graph has what the walk features of src/features/priors.ts need:
 * Zipf popularity makes hub tails (rt, rh-hr-rt), typed domains and ranges make relation
 * co-occurrence at entities (rt-tr-rt, rt-hr-rh), latent clusters make heads share tails and
 * tails share heads (ht-th, th-ht, ht-th-ht), compositions make two-hop paths (ht-ht), inverse
 * and symmetric partners make reverse edges (th, th-th).
 *
 * Roles, in a random order of the relation ids: ≈3% of R in compositions (3 relations each), ≈5%
 * in inverse pairs, ≈4% in parallel pairs, ≈4% symmetric, ≈10% 1-N, ≈20% N-1 (each at least one
 * while relations remain), the rest general. Domains and ranges are drawn ∝ type size, except the ranges of N-1
 * and the domains of 1-N relations, uniform over types (so often small types: countries, genders).
 * Relation frequencies are Zipf (relationFrequencyExponent) over generation groups ranked by a
 * noisy capacity (see FANOUT).
 */
export type RelationRole = "general" | "symmetric" | "inverse" | "parallel" | "composition-part" | "composed" | "one-to-many" | "many-to-one";

export interface PlantedPatterns {
  symmetric: number[];
  /** [r, r'] with r' the inverse of r */
  inversePairs: Array<[number, number]>;
  /** [r1, r2, r3]: (h r1 m) ∧ (m r2 t) ⇒ (h r3 t) */
  compositions: Array<[number, number, number]>;
  /** [r, r']: (h r t) ⇒ (h r' t) */
  parallelPairs: Array<[number, number]>;
  oneToMany: number[];
  manyToOne: number[];
}

/** Kinds of generation group: a group emits its triples together so the patterns hold. */
export const GROUP_SINGLE = 0;
export const GROUP_SYMMETRIC = 1;
export const GROUP_INVERSE = 2;
export const GROUP_COMPOSITION = 3;
export const GROUP_PARALLEL = 4;

export interface RelationTable {
  numRelations: number;
  /** shape: [R] */
  domain: Int32Array;
  /** shape: [R] */
  range: Int32Array;
  /** shape: [R, d, d] row-major A_r */
  matrix: Float64Array;
  /** shape: [R, d] */
  bias: Float64Array;
  /** shape: [R] inverse temperature β of the cluster choice */
  beta: Float64Array;
  /** shape: [R] inverse temperature γ of the entity choice inside the cluster */
  gamma: Float64Array;
  /** shape: [R] Zipf exponent of the head draw over the domain type */
  headExponent: Float64Array;
  /** shape: [R] */
  role: RelationRole[];
  planted: PlantedPatterns;
  /** shape: [G] GROUP_* kind of each generation group */
  groupKind: Int8Array;
  /** shape: [G, 3] relations of each group (unused slots −1) */
  groupRelations: Int32Array;
  /** shape: [G] cumulative Zipf weights of the groups */
  groupCumWeight: Float64Array;
}

const PARAMS: Record<"general" | "one-to-many" | "many-to-one", [beta: number, gamma: number, headExponent: number]> = {
  general: [30, 50, 0.3],
  "one-to-many": [6, 8, 0.8],
  "many-to-one": [80, 100, 0],
};

/** typical distinct tails per head, to rank relations by how many facts they can hold */
const FANOUT: Record<RelationRole, number> = {
  general: 2, symmetric: 2, inverse: 2, parallel: 2, "composition-part": 2, composed: 2, "one-to-many": 4, "many-to-one": 1,
};

/** Plans roles, types and latent maps of all relations. */
export function planRelations(o: ResolvedSynthOptions, typeSizes: Int32Array, typeCumSize: Float64Array, rng: Rng): RelationTable {
  const R = o.numRelations;
  const d = o.latentDim;
  const T = typeSizes.length;
  const table: RelationTable = {
    numRelations: R,
    domain: new Int32Array(R),
    range: new Int32Array(R),
    matrix: new Float64Array(R * d * d),
    bias: new Float64Array(R * d),
    beta: new Float64Array(R),
    gamma: new Float64Array(R),
    headExponent: new Float64Array(R),
    role: new Array<RelationRole>(R).fill("general"),
    planted: { symmetric: [], inversePairs: [], compositions: [], parallelPairs: [], oneToMany: [], manyToOne: [] },
    groupKind: new Int8Array(0),
    groupRelations: new Int32Array(0),
    groupCumWeight: new Float64Array(0),
  };
  const bySize = (): number => pickCumulative(typeCumSize, rng.next() * typeCumSize[T - 1]!);
  const anyType = (): number => rng.int(T);
  const matrixOf = (r: number): Float64Array => table.matrix.subarray(r * d * d, (r + 1) * d * d);
  const biasOf = (r: number): Float64Array => table.bias.subarray(r * d, (r + 1) * d);
  const setKind = (r: number, role: RelationRole, kind: keyof typeof PARAMS, domain: number, range: number): void => {
    table.role[r] = role;
    [table.beta[r], table.gamma[r], table.headExponent[r]] = PARAMS[kind];
    table.domain[r] = domain;
    table.range[r] = range;
  };
  const randomMap = (r: number): void => {
    randomOrthogonal(rng, d, matrixOf(r));
    const b = biasOf(r);
    for (let j = 0; j < d; j++) b[j] = (0.5 / Math.sqrt(d)) * rng.normal();
  };

  const order = Array.from(randomPermutation(R, rng));
  let next = 0;
  /** how many groups of `size` relations fit among the relations not yet given a role */
  const take = (want: number, size: number): number => Math.min(want, Math.floor((R - next) / size));
  const groups: Array<[number, number, number, number]> = [];

  for (let i = 0, n = take(R >= 6 ? Math.max(1, Math.round(0.03 * R)) : 0, 3); i < n; i++) {
    const [r1, r2, r3] = [order[next++]!, order[next++]!, order[next++]!];
    const [a, b, c] = [bySize(), bySize(), bySize()];
    setKind(r1, "composition-part", "general", a, b);
    setKind(r2, "composition-part", "general", b, c);
    setKind(r3, "composed", "general", a, c);
    randomMap(r1);
    randomMap(r2);
    multiply(matrixOf(r2), matrixOf(r1), d, matrixOf(r3));
    const b3 = biasOf(r3);
    matVec(matrixOf(r2), biasOf(r1), d, b3);
    for (let j = 0; j < d; j++) b3[j] = b3[j]! + biasOf(r2)[j]!;
    table.planted.compositions.push([r1, r2, r3]);
    groups.push([GROUP_COMPOSITION, r1, r2, r3]);
  }
  for (let i = 0, n = take(R >= 4 ? Math.max(1, Math.round(0.05 * R)) : 0, 2); i < n; i++) {
    const [r, ri] = [order[next++]!, order[next++]!];
    const [a, b] = [bySize(), bySize()];
    setKind(r, "inverse", "general", a, b);
    setKind(ri, "inverse", "general", b, a);
    randomMap(r);
    transpose(matrixOf(r), d, matrixOf(ri));
    matVec(matrixOf(ri), biasOf(r), d, biasOf(ri));
    for (let j = 0; j < d; j++) biasOf(ri)[j] = -biasOf(ri)[j]!;
    table.planted.inversePairs.push([r, ri]);
    groups.push([GROUP_INVERSE, r, ri, -1]);
  }
  for (let i = 0, n = take(R >= 8 ? Math.max(1, Math.round(0.02 * R)) : 0, 2); i < n; i++) {
    const [r, rp] = [order[next++]!, order[next++]!];
    const [a, b] = [bySize(), bySize()];
    setKind(r, "parallel", "general", a, b);
    setKind(rp, "parallel", "general", a, b);
    randomMap(r);
    matrixOf(rp).set(matrixOf(r));
    biasOf(rp).set(biasOf(r));
    table.planted.parallelPairs.push([r, rp]);
    groups.push([GROUP_PARALLEL, r, rp, -1]);
  }
  for (let i = 0, n = take(R >= 2 ? Math.max(1, Math.round(0.04 * R)) : 0, 1); i < n; i++) {
    const r = order[next++]!;
    const a = bySize();
    setKind(r, "symmetric", "general", a, a);
    randomInvolution(rng, d, matrixOf(r));
    table.planted.symmetric.push(r);
    groups.push([GROUP_SYMMETRIC, r, -1, -1]);
  }
  for (let i = 0, n = take(Math.max(1, Math.round(0.1 * R)), 1); i < n; i++) {
    const r = order[next++]!;
    setKind(r, "one-to-many", "one-to-many", anyType(), bySize());
    randomMap(r);
    table.planted.oneToMany.push(r);
    groups.push([GROUP_SINGLE, r, -1, -1]);
  }
  for (let i = 0, n = take(Math.max(1, Math.round(0.2 * R)), 1); i < n; i++) {
    const r = order[next++]!;
    setKind(r, "many-to-one", "many-to-one", bySize(), anyType());
    randomMap(r);
    table.planted.manyToOne.push(r);
    groups.push([GROUP_SINGLE, r, -1, -1]);
  }
  while (next < R) {
    const r = order[next++]!;
    setKind(r, "general", "general", bySize(), bySize());
    randomMap(r);
    groups.push([GROUP_SINGLE, r, -1, -1]);
  }

  // group frequencies: Zipf over the groups ordered by a noisy capacity (domain size × fanout ×
  // lognormal noise), so the most frequent relations have the room for their facts (as
  // "instance of" or "country" span most of Wikidata) rather than repeating the same heads
  const G = groups.length;
  const capacity = groups.map(([, r]) => typeSizes[table.domain[r]!]! * FANOUT[table.role[r]!] * Math.exp(0.5 * rng.normal()));
  const byCapacity = Array.from({ length: G }, (_, g) => g).sort((x, y) => capacity[y]! - capacity[x]! || x - y);
  const rankOf = new Int32Array(G);
  byCapacity.forEach((g, rank) => (rankOf[g] = rank));
  table.groupKind = new Int8Array(G);
  table.groupRelations = new Int32Array(G * 3);
  table.groupCumWeight = new Float64Array(G);
  let sum = 0;
  for (let g = 0; g < G; g++) {
    const [kind, a, b, c] = groups[g]!;
    table.groupKind[g] = kind;
    table.groupRelations.set([a, b, c], g * 3);
    sum += Math.pow(rankOf[g]! + 1, -o.relationFrequencyExponent);
    table.groupCumWeight[g] = sum;
  }
  for (const list of [table.planted.symmetric, table.planted.oneToMany, table.planted.manyToOne]) list.sort((a, b) => a - b);
  return table;
}

/** Random orthogonal matrix: Gram–Schmidt on the rows of a Gaussian matrix. shape of out: [d, d] */
function randomOrthogonal(rng: Rng, d: number, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    for (;;) {
      for (let j = 0; j < d; j++) out[i * d + j] = rng.normal();
      for (let p = 0; p < i; p++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += out[i * d + j]! * out[p * d + j]!;
        for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! - dot * out[p * d + j]!;
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += out[i * d + j]! ** 2;
      if (norm > 1e-8) {
        const inv = 1 / Math.sqrt(norm);
        for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! * inv;
        break;
      }
    }
  }
}

/** A = Q·diag(s)·Qᵀ with random signs s: orthogonal, symmetric, A² = I. shape of out: [d, d] */
function randomInvolution(rng: Rng, d: number, out: Float64Array): void {
  const q = new Float64Array(d * d);
  randomOrthogonal(rng, d, q);
  const sign = Array.from({ length: d }, () => (rng.next() < 0.5 ? -1 : 1));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += q[k * d + i]! * sign[k]! * q[k * d + j]!;
      out[i * d + j] = s;
    }
  }
}

/** out = a·b. shapes: [d, d] */
function multiply(a: Float64Array, b: Float64Array, d: number, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[k * d + j]!;
      out[i * d + j] = s;
    }
  }
}

/** out = aᵀ. shapes: [d, d] */
function transpose(a: Float64Array, d: number, out: Float64Array): void {
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[j * d + i] = a[i * d + j]!;
}
