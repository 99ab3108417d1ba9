import { Rng } from "../core/rng.js";
import { SPLITS, type SplitName } from "../io/manifest.js";
import { csrHasEdge, type Csr } from "./csr.js";
import type { Dataset } from "./dataset.js";

/**
 * Dataset statistics: counts, degree distribution, and the relation patterns a KGE model must
 * capture (symmetric, inverse pairs, and the 1-1 / 1-N / N-1 / N-N categories of Bordes et al.,
 * by mean tails per head and heads per tail with the usual 1.5 threshold). Pattern tests are
 * CSR binary searches over a seeded sample of training triples, so they scale to WikiKG90M.
 */
export interface DegreeSummary {
  min: number;
  median: number;
  mean: number;
  p99: number;
  max: number;
  /** entities with degree 0 */
  zero: number;
}

export interface RelationPattern {
  relation: number;
  name: string;
  triples: number;
  /** share of sampled (h, r, t) whose (t, r, h) is in train */
  symmetric: number;
  /** the relation r' ≠ r with the largest share of sampled (h, r, t) having (t, r', h) in train, or null */
  inverseOf: string | null;
  inverseShare: number;
  tailsPerHead: number;
  headsPerTail: number;
  category: "1-1" | "1-N" | "N-1" | "N-N";
}

export interface DatasetStats {
  name: string;
  entities: number;
  relations: number;
  /** entities that occur in at least one triple of any split */
  entitiesInTriples: number;
  triples: Record<SplitName, number>;
  queries: Record<SplitName, { queries: number; candidatesPerQuery: number }>;
  outDegree: DegreeSummary;
  inDegree: DegreeSummary;
  patterns: {
    sampled: number;
    symmetric: string[];
    inversePairs: [string, string][];
    categories: Record<RelationPattern["category"], number>;
    relations: RelationPattern[];
  };
}

const PATTERN_THRESHOLD = 0.8;

function summarise(csr: Csr): DegreeSummary {
  const n = csr.indptr.length - 1;
  const degrees = new Float64Array(n);
  for (let e = 0; e < n; e++) degrees[e] = csr.indptr[e + 1]! - csr.indptr[e]!;
  const sorted = degrees.slice().sort();
  let zero = 0;
  let sum = 0;
  for (const d of degrees) {
    if (d === 0) zero++;
    sum += d;
  }
  const at = (q: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * (n - 1)))]!);
  return { min: at(0), median: at(0.5), mean: n === 0 ? 0 : sum / n, p99: at(0.99), max: at(1), zero };
}

export async function computeStats(ds: Dataset, sampleSize = 1_000_000, seed = 0): Promise<DatasetStats> {
  const out = ds.adjacency("out");
  const inn = ds.adjacency("in");
  const train = await ds.triples("train");
  const R = ds.numRelations;
  const dictionary = ds.dictionary();
  const relationName = (r: number): string => dictionary.nameOf("relation", r);

  const seen = new Uint8Array(ds.numEntities);
  for (const t of await ds.allTriples()) {
    for (let i = 0; i < t.length; i++) {
      seen[t.head[i]!] = 1;
      seen[t.tail[i]!] = 1;
    }
  }
  let entitiesInTriples = 0;
  for (const s of seen) entitiesInTriples += s;

  // per relation: triple counts, distinct heads and tails (1-N / N-1 categories)
  const count = new Float64Array(R);
  const distinctHeads = new Float64Array(R);
  const distinctTails = new Float64Array(R);
  const countDistinct = (csr: Csr, into: Float64Array): void => {
    const mark = new Int32Array(R).fill(-1);
    for (let e = 0; e < csr.indptr.length - 1; e++) {
      for (let k = csr.indptr[e]!; k < csr.indptr[e + 1]!; k++) {
        const r = csr.relation[k]!;
        if (mark[r] !== e) {
          mark[r] = e;
          into[r]!++;
        }
      }
    }
  };
  countDistinct(out, distinctHeads);
  countDistinct(inn, distinctTails);
  for (let i = 0; i < train.length; i++) count[train.relation[i]!]!++;

  // symmetric / inverse: a seeded sample of training triples
  const rng = new Rng(seed);
  const sampled = Math.min(sampleSize, train.length);
  const symmetricHits = new Float64Array(R);
  const sampledPerRelation = new Float64Array(R);
  const inverseHits = new Map<number, number>(); // key r * R + r'
  for (let s = 0; s < sampled; s++) {
    const i = sampled === train.length ? s : rng.int(train.length);
    const h = train.head[i]!;
    const r = train.relation[i]!;
    const t = train.tail[i]!;
    sampledPerRelation[r]!++;
    if (csrHasEdge(out, t, h, r)) symmetricHits[r]!++;
    // relations r' with (t, r', h): the run of neighbour h inside out(t)
    let lo = out.indptr[t]!;
    let hi = out.indptr[t + 1]!;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (out.neighbor[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < out.indptr[t + 1]! && out.neighbor[k] === h; k++) {
      const r2 = out.relation[k]!;
      if (r2 !== r) inverseHits.set(r * R + r2, (inverseHits.get(r * R + r2) ?? 0) + 1);
    }
  }
  const bestInverse = new Map<number, [number, number]>();
  for (const [key, hits] of inverseHits) {
    const r = Math.floor(key / R);
    const share = hits / sampledPerRelation[r]!;
    if (share > (bestInverse.get(r)?.[1] ?? 0)) bestInverse.set(r, [key - r * R, share]);
  }

  const relations: RelationPattern[] = [];
  const categories = { "1-1": 0, "1-N": 0, "N-1": 0, "N-N": 0 };
  for (let r = 0; r < R; r++) {
    if (count[r] === 0) continue;
    const tailsPerHead = count[r]! / distinctHeads[r]!;
    const headsPerTail = count[r]! / distinctTails[r]!;
    const category = tailsPerHead < 1.5 ? (headsPerTail < 1.5 ? "1-1" : "N-1") : headsPerTail < 1.5 ? "1-N" : "N-N";
    categories[category]++;
    const inv = bestInverse.get(r);
    relations.push({
      relation: r,
      name: relationName(r),
      triples: count[r]!,
      symmetric: sampledPerRelation[r]! > 0 ? symmetricHits[r]! / sampledPerRelation[r]! : 0,
      inverseOf: inv ? relationName(inv[0]) : null,
      inverseShare: inv ? inv[1] : 0,
      tailsPerHead,
      headsPerTail,
      category,
    });
  }
  const symmetric = relations.filter((p) => p.symmetric >= PATTERN_THRESHOLD).map((p) => p.name);
  const inversePairs: [string, string][] = relations
    .filter((p) => p.inverseOf !== null && p.inverseShare >= PATTERN_THRESHOLD && p.symmetric < PATTERN_THRESHOLD)
    .map((p) => [p.name, p.inverseOf!]);

  const triples = Object.fromEntries(SPLITS.map((s) => [s, ds.manifest.splits[s].triples])) as Record<SplitName, number>;
  const queries = Object.fromEntries(
    SPLITS.map((s) => [s, { queries: ds.manifest.splits[s].queries, candidatesPerQuery: ds.manifest.splits[s].candidatesPerQuery }]),
  ) as DatasetStats["queries"];
  return {
    name: ds.name,
    entities: ds.numEntities,
    relations: R,
    entitiesInTriples,
    triples,
    queries,
    outDegree: summarise(out),
    inDegree: summarise(inn),
    patterns: { sampled, symmetric, inversePairs, categories, relations },
  };
}

/** Human-readable table of the stats. */
export function formatStats(s: DatasetStats): string {
  const n = (x: number): string => x.toLocaleString("en-US");
  const deg = (d: DegreeSummary): string => `min ${d.min}  median ${d.median}  mean ${d.mean.toFixed(2)}  p99 ${d.p99}  max ${n(d.max)}  zero ${n(d.zero)}`;
  const lines = [
    `dataset      ${s.name}`,
    `entities     ${n(s.entities)} (${n(s.entitiesInTriples)} in triples)`,
    `relations    ${n(s.relations)}`,
    `triples      train ${n(s.triples.train)}  valid ${n(s.triples.valid)}  test ${n(s.triples.test)}`,
    `queries      ${SPLITS.filter((x) => s.queries[x].queries > 0).map((x) => `${x} ${n(s.queries[x].queries)} × ${s.queries[x].candidatesPerQuery}`).join("  ") || "none"}`,
    `out-degree   ${deg(s.outDegree)}`,
    `in-degree    ${deg(s.inDegree)}`,
    `patterns     (${n(s.patterns.sampled)} sampled train triples, threshold ${PATTERN_THRESHOLD})`,
    `  symmetric  ${s.patterns.symmetric.length}${s.patterns.symmetric.length ? `: ${s.patterns.symmetric.slice(0, 8).join(", ")}${s.patterns.symmetric.length > 8 ? ", …" : ""}` : ""}`,
    `  inverse    ${s.patterns.inversePairs.length}${s.patterns.inversePairs.length ? `: ${s.patterns.inversePairs.slice(0, 5).map(([a, b]) => `${a}⇄${b}`).join(", ")}${s.patterns.inversePairs.length > 5 ? ", …" : ""}` : ""}`,
    `  categories 1-1 ${s.patterns.categories["1-1"]}  1-N ${s.patterns.categories["1-N"]}  N-1 ${s.patterns.categories["N-1"]}  N-N ${s.patterns.categories["N-N"]}`,
  ];
  return lines.join("\n");
}
