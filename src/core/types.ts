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

/**
 * Candidate queries whose [Q, K] candidate rows are read per chunk of queries: a split's whole table
 * need not sit in memory (WikiKG90M's validation: 1.7M x 1,001 int32 = 6.8 GB). The per-query
 * columns are small ([Q] each) and held whole.
 */
export interface CandidateQuerySource {
  /** shape: [Q] */
  head: Int32Array;
  /** shape: [Q] */
  relation: Int32Array;
  width: number;
  /** shape: [Q], or null when the answers are hidden */
  correctIndex: Int32Array | null;
  /**
   * Candidate rows [start, end), shape [end - start, K]: a view of a table in memory, or `scratch`
   * (at least that long) filled from disk. Valid while `scratch` is not reused.
   */
  rows(start: number, end: number, scratch: Int32Array): Int32Array;
}

export function emptyTriples(): Triples {
  return { head: new Int32Array(0), relation: new Int32Array(0), tail: new Int32Array(0), length: 0 };
}

export function allocTriples(length: number): Triples {
  return { head: new Int32Array(length), relation: new Int32Array(length), tail: new Int32Array(length), length };
}
