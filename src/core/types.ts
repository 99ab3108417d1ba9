/**
 * Core data types. Hot data is columnar typed arrays, never arrays of objects.
 */

/** Triples as three aligned int32 columns. shape of each column: [length] */
export interface Triples {
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  length: number;
}

/** Which end of a triple is corrupted or predicted. */
export enum Side {
  Head = "head",
  Tail = "tail",
}

/** WikiKG90M-style queries: (h, r) with K candidate tails each. */
export interface CandidateQueries {
  /** shape: [Q] */
  head: Int32Array;
  /** shape: [Q] */
  relation: Int32Array;
  /** shape: [Q, K], row-major */
  candidates: Int32Array;
  /** K, the number of candidates per query */
  width: number;
  /** index of the true tail inside each row, or null when the answers are hidden. shape: [Q] */
  correctIndex: Int32Array | null;
}

export function emptyTriples(): Triples {
  return { head: new Int32Array(0), relation: new Int32Array(0), tail: new Int32Array(0), length: 0 };
}

export function allocTriples(length: number): Triples {
  return { head: new Int32Array(length), relation: new Int32Array(length), tail: new Int32Array(length), length };
}
