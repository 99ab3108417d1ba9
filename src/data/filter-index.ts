import { Side, type Triples } from "../core/types.js";

/**
 * The filter of filtered link prediction: for a query (h, r, ?) the tails t of every known
 * triple (h, r, t) of train ∪ valid ∪ test, and for (?, r, t) the heads. Stored as a CSR keyed
 * by the sorted pair key (entity · R + r): `keys` [P], `indptr` [P + 1], `answers` [nnz] (each
 * pair's answers sorted and unique), so a lookup is one binary search and the result a
 * contiguous slice that can be handed to the native ranker as is.
 */
export interface FilterIndex {
  numRelations: number;
  /** shape: [P], sorted ascending */
  keys: Float64Array;
  /** shape: [P + 1] */
  indptr: Int32Array;
  /** shape: [nnz] */
  answers: Int32Array;
}

/** Builds the index of one side: "tail" answers (h, r, ?) queries, "head" answers (?, r, t). */
export function buildFilterIndex(parts: readonly Triples[], numRelations: number, side: Side): FilterIndex {
  const total = parts.reduce((n, p) => n + p.length, 0);
  // sort the rows by (pair key, answer) through an index permutation
  const pairKey = new Float64Array(total);
  const answer = new Int32Array(total);
  let at = 0;
  for (const p of parts) {
    const from = side === Side.Tail ? p.head : p.tail;
    const to = side === Side.Tail ? p.tail : p.head;
    for (let i = 0; i < p.length; i++, at++) {
      pairKey[at] = from[i]! * numRelations + p.relation[i]!;
      answer[at] = to[i]!;
    }
  }
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => pairKey[a]! - pairKey[b]! || answer[a]! - answer[b]!);
  const keys: number[] = [];
  const indptr: number[] = [0];
  const answers = new Int32Array(total);
  let n = 0;
  for (let j = 0; j < total; j++) {
    const i = order[j]!;
    const k = pairKey[i]!;
    if (keys.length === 0 || keys[keys.length - 1] !== k) {
      if (keys.length > 0) indptr.push(n);
      keys.push(k);
    } else if (answers[n - 1] === answer[i]) {
      continue; // duplicate triple across splits
    }
    answers[n++] = answer[i]!;
  }
  indptr.push(n);
  return { numRelations, keys: Float64Array.from(keys), indptr: Int32Array.from(indptr), answers: answers.slice(0, n) };
}

/** The known answers of (entity, relation): a view into `index.answers` (empty when none). */
export function filterAnswers(index: FilterIndex, entity: number, relation: number): Int32Array {
  const key = entity * index.numRelations + relation;
  let lo = 0;
  let hi = index.keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = index.keys[mid]!;
    if (k === key) return index.answers.subarray(index.indptr[mid]!, index.indptr[mid + 1]!);
    if (k < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return index.answers.subarray(0, 0);
}
