/**
 * Plain-TS float64 reference of every candidate feature (priors.ts), computed literally from the
 * formulas: the six transition probabilities from triple counts, then sums over every entity or
 * relation, with no adjacency lists and no shortcut. O(Q·K·E²) at worst: for tests on small graphs
 * only, where it checks the native kernel feature by feature.
 */
import type { Triples } from "../core/types.js";
import { PRIOR_FEATURES } from "./priors.js";

export interface ReferenceQueries {
  /** shape: [Q] */
  head: Int32Array;
  /** shape: [Q] */
  relation: Int32Array;
  /** shape: [Q, K] */
  candidates: Int32Array;
  width: number;
}

/** The six transition probabilities of SEED-SOLUTION §3.1 over `train`. */
export class TransitionProbabilities {
  private readonly outDeg: Float64Array;
  private readonly inDeg: Float64Array;
  private readonly relCount: Float64Array;
  private readonly pair = new Map<number, number>();
  private readonly headRel = new Map<number, number>();
  private readonly tailRel = new Map<number, number>();

  constructor(train: Triples, readonly numEntities: number, readonly numRelations: number) {
    this.outDeg = new Float64Array(numEntities);
    this.inDeg = new Float64Array(numEntities);
    this.relCount = new Float64Array(numRelations);
    const bump = (m: Map<number, number>, k: number): void => {
      m.set(k, (m.get(k) ?? 0) + 1);
    };
    for (let i = 0; i < train.length; i++) {
      const h = train.head[i]!, r = train.relation[i]!, t = train.tail[i]!;
      this.outDeg[h]!++;
      this.inDeg[t]!++;
      this.relCount[r]!++;
      bump(this.pair, h * numEntities + t);
      bump(this.headRel, h * numRelations + r);
      bump(this.tailRel, t * numRelations + r);
    }
  }

  private static ratio(n: number | undefined, d: number): number {
    return d > 0 ? (n ?? 0) / d : 0;
  }

  inDegree(e: number): number {
    return this.inDeg[e]!;
  }

  ht(h: number, t: number): number {
    return TransitionProbabilities.ratio(this.pair.get(h * this.numEntities + t), this.outDeg[h]!);
  }

  th(t: number, h: number): number {
    return TransitionProbabilities.ratio(this.pair.get(h * this.numEntities + t), this.inDeg[t]!);
  }

  hr(h: number, r: number): number {
    return TransitionProbabilities.ratio(this.headRel.get(h * this.numRelations + r), this.outDeg[h]!);
  }

  tr(t: number, r: number): number {
    return TransitionProbabilities.ratio(this.tailRel.get(t * this.numRelations + r), this.inDeg[t]!);
  }

  rh(r: number, h: number): number {
    return TransitionProbabilities.ratio(this.headRel.get(h * this.numRelations + r), this.relCount[r]!);
  }

  rt(r: number, t: number): number {
    return TransitionProbabilities.ratio(this.tailRel.get(t * this.numRelations + r), this.relCount[r]!);
  }
}

/** M[r, r'] = Σ_e left(r, e) · right(e, r'). shape: [R, R] */
function relationWalk(p: TransitionProbabilities, left: (r: number, e: number) => number, right: (e: number, r: number) => number): Float64Array {
  const R = p.numRelations;
  const m = new Float64Array(R * R);
  for (let r = 0; r < R; r++) {
    for (let r2 = 0; r2 < R; r2++) {
      let s = 0;
      for (let e = 0; e < p.numEntities; e++) s += left(r, e) * right(e, r2);
      m[r * R + r2] = s;
    }
  }
  return m;
}

/** Every feature in PRIOR_FEATURES order, each shape [Q, K], float64. */
export function referencePriorFeatures(train: Triples, numEntities: number, numRelations: number, q: ReferenceQueries, hubLimit: number): Map<string, Float64Array> {
  const p = new TransitionProbabilities(train, numEntities, numRelations);
  const E = numEntities;
  const R = numRelations;
  const K = q.width;
  const Q = q.head.length;
  const rtTr = relationWalk(p, (r, e) => p.rt(r, e), (e, r2) => p.tr(e, r2));
  const rtHr = relationWalk(p, (r, e) => p.rt(r, e), (e, r2) => p.hr(e, r2));
  const rhHr = relationWalk(p, (r, e) => p.rh(r, e), (e, r2) => p.hr(e, r2));
  const sumEntities = (f: (e: number) => number): number => {
    let s = 0;
    for (let e = 0; e < E; e++) s += f(e);
    return s;
  };
  const sumRelations = (f: (r2: number) => number): number => {
    let s = 0;
    for (let r2 = 0; r2 < R; r2++) s += f(r2);
    return s;
  };
  const listCount = (key: Int32Array, qi: number, c: number): number => {
    let n = 0;
    for (let q2 = 0; q2 < Q; q2++) {
      if (key[q2] !== key[qi]) continue;
      for (let j = 0; j < K; j++) if (q.candidates[q2 * K + j] === c) n++;
    }
    return n;
  };
  const formulas: Record<string, (h: number, r: number, c: number, qi: number, hht: Float64Array) => number> = {
    "rt-tr-rt": (_h, r, c) => sumRelations((r2) => rtTr[r * R + r2]! * p.rt(r2, c)),
    "ht-th": (h, _r, c) => sumEntities((e) => p.ht(h, e) * p.th(e, c)),
    "th-ht": (h, _r, c) => sumEntities((e) => p.th(h, e) * p.ht(e, c)),
    "ht-ht": (h, _r, c) => sumEntities((e) => p.ht(h, e) * p.ht(e, c)),
    "ht-th-ht": (_h, _r, c, _qi, hht) => sumEntities((h2) => hht[h2]! * p.ht(h2, c)),
    "rt-hr-rh": (_h, r, c) => sumRelations((r2) => rtHr[r * R + r2]! * p.rh(r2, c)),
    rt: (_h, r, c) => p.rt(r, c),
    "rh-hr-rt": (_h, r, c) => sumRelations((r2) => rhHr[r * R + r2]! * p.rt(r2, c)),
    "relation-list-count": (_h, _r, c, qi) => listCount(q.relation, qi, c),
    "head-list-count": (_h, _r, c, qi) => listCount(q.head, qi, c),
    ht: (h, _r, c) => p.ht(h, c),
    th: (h, _r, c) => p.th(h, c),
    "th-th": (h, _r, c) => sumEntities((e) => p.th(h, e) * p.th(e, c)),
    rh: (_h, r, c) => p.rh(r, c),
  };
  const out = new Map<string, Float64Array>();
  for (const f of PRIOR_FEATURES) out.set(f.name, new Float64Array(Q * K));
  const hht = new Float64Array(E); // Q[h, ·] of the query's head
  for (let qi = 0; qi < Q; qi++) {
    const h = q.head[qi]!;
    const r = q.relation[qi]!;
    for (let h2 = 0; h2 < E; h2++) hht[h2] = sumEntities((t) => (p.inDegree(t) <= hubLimit ? p.ht(h, t) * p.th(t, h2) : 0));
    for (let j = 0; j < K; j++) {
      const c = q.candidates[qi * K + j]!;
      for (const f of PRIOR_FEATURES) out.get(f.name)![qi * K + j] = formulas[f.name]!(h, r, c, qi, hht);
    }
  }
  return out;
}
