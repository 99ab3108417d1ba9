import { KgcError } from "../core/errors.js";
import type { Rng } from "../core/rng.js";
import type { CandidateQueries, Triples } from "../core/types.js";
import { checkCandidateRows } from "../io/id-columns.js";

/**
 * WikiKG90M's candidate protocol for any dataset: every (h, r, t) of a split becomes a query
 * (h, r) whose row holds the true tail and `numNegatives` sampled tails t' such that (h, r, t')
 * is no known triple (train ∪ valid ∪ test), without duplicates; the true tail sits at a
 * uniformly random index. Deterministic for a given Rng state.
 */
export class KnownTriples {
  /** key h * numRelations + r → the known tails of (h, r) */
  private readonly tails = new Map<number, number[]>();
  private static readonly none: readonly number[] = [];

  constructor(readonly numEntities: number, readonly numRelations: number, parts: readonly Triples[]) {
    for (const p of parts) {
      for (let i = 0; i < p.length; i++) {
        const key = p.head[i]! * numRelations + p.relation[i]!;
        const list = this.tails.get(key);
        if (list) list.push(p.tail[i]!);
        else this.tails.set(key, [p.tail[i]!]);
      }
    }
  }

  /** The known tails of (h, r) (may repeat). */
  tailsOf(h: number, r: number): readonly number[] {
    return this.tails.get(h * this.numRelations + r) ?? KnownTriples.none;
  }

  has(h: number, r: number, t: number): boolean {
    return this.tailsOf(h, r).includes(t);
  }
}

export function buildCandidates(split: Triples, known: KnownTriples, numNegatives: number, rng: Rng, what: string): CandidateQueries {
  const E = known.numEntities;
  if (!(Number.isInteger(numNegatives) && numNegatives > 0)) throw new KgcError("--candidates", `must be a positive integer, got ${numNegatives}`);
  if (numNegatives + 1 > E) {
    throw new KgcError("--candidates", `${numNegatives} negatives + the true tail need ${numNegatives + 1} entities, but ${what} has only ${E}`);
  }
  const K = numNegatives + 1;
  const Q = split.length;
  const candidates = new Int32Array(Q * K); // shape: [Q, K]
  const correctIndex = new Int32Array(Q);
  // stamp[e] === q + 1 marks e as unusable for query q (the true tail, a known tail, or taken)
  const stamp = new Int32Array(E);
  const pool = new Int32Array(E);
  for (let q = 0; q < Q; q++) {
    const h = split.head[q]!;
    const r = split.relation[q]!;
    const t = split.tail[q]!;
    const mark = q + 1;
    stamp[t] = mark;
    for (const known_t of known.tailsOf(h, r)) stamp[known_t] = mark;
    const row = candidates.subarray(q * K, (q + 1) * K);
    const position = rng.int(K);
    correctIndex[q] = position;
    row[position] = t;
    let filled = 0;
    const put = (c: number): void => {
      row[filled >= position ? filled + 1 : filled] = c;
      filled++;
    };
    let eligible = 0;
    for (let c = 0; c < E && numNegatives * 4 >= E; c++) if (stamp[c] !== mark) pool[eligible++] = c;
    if (numNegatives * 4 < E) {
      // rejection sampling: cheap when negatives are a small share of the entities
      let tries = 0;
      while (filled < numNegatives && ++tries <= numNegatives * 200) {
        const c = rng.int(E);
        if (stamp[c] === mark) continue;
        stamp[c] = mark;
        put(c);
      }
      if (filled < numNegatives) throw new KgcError("--candidates", `query ${q} of ${what} (h=${h}, r=${r}): too few tails form no known triple for ${numNegatives} negatives`);
    } else {
      // dense case: shuffle the eligible entities and take a prefix
      if (eligible < numNegatives) {
        throw new KgcError("--candidates", `query ${q} of ${what} (h=${h}, r=${r}) has only ${eligible} tails that form no known triple; ${numNegatives} negatives are impossible`);
      }
      for (let i = 0; i < numNegatives; i++) {
        const j = i + rng.int(eligible - i);
        const c = pool[j]!;
        pool[j] = pool[i]!;
        pool[i] = c;
        put(c);
      }
    }
  }
  return {
    head: split.head.slice(0, Q),
    relation: split.relation.slice(0, Q),
    candidates,
    width: K,
    correctIndex,
  };
}

/**
 * Validates a candidate table: ids in [0, numEntities), no duplicate inside a row, correct index
 * in range. `file` names the source in errors.
 */
export function checkCandidates(q: CandidateQueries, numEntities: number, numRelations: number, file: string): void {
  const Q = q.head.length;
  const K = q.width;
  if (q.candidates.length !== Q * K) throw new KgcError(file, `candidates have ${q.candidates.length} ids, expected ${Q} queries × ${K}`);
  for (let i = 0; i < Q; i++) {
    if (q.head[i]! < 0 || q.head[i]! >= numEntities) throw new KgcError(file, `query ${i}: head ${q.head[i]} outside [0, ${numEntities})`);
    if (q.relation[i]! < 0 || q.relation[i]! >= numRelations) throw new KgcError(file, `query ${i}: relation ${q.relation[i]} outside [0, ${numRelations})`);
    if (q.correctIndex) {
      const k = q.correctIndex[i]!;
      if (k < 0 || k >= K) throw new KgcError(file, `row ${i}: correct index ${k} outside [0, ${K})`);
    }
  }
  checkIdRange(q.candidates, K, numEntities, file, 0);
  checkCandidateRows(file, q.candidates, K, 0);
}

/** Every candidate id below `numEntities` (rows numbered from `firstRow` in errors). */
export function checkIdRange(candidates: Int32Array, width: number, numEntities: number, file: string, firstRow: number): void {
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c < 0 || c >= numEntities) throw new KgcError(file, `row ${firstRow + Math.floor(i / width)}, column ${i % width}: candidate ${c} outside [0, ${numEntities})`);
  }
}
