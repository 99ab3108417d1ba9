import type { Triples } from "../core/types.js";

/**
 * A re-iterable stream of triples in chunks. Large inputs (WikiKG90M's 504M training triples)
 * are never materialised whole by the import stage: every pass re-reads the source.
 */
export interface TripleSource {
  /** total number of triples */
  readonly length: number;
  /** yields consecutive chunks; a chunk's arrays may be reused, so use them before the next one */
  chunks(): Iterable<Triples>;
}

/** A source over triples already in memory (one chunk). */
export function memoryTripleSource(triples: Triples): TripleSource {
  return {
    length: triples.length,
    *chunks() {
      yield triples;
    },
  };
}

/** Concatenates in-memory triples (used for train ∪ valid ∪ test filters). */
export function concatTriples(parts: readonly Triples[]): Triples {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = { head: new Int32Array(length), relation: new Int32Array(length), tail: new Int32Array(length), length };
  let offset = 0;
  for (const p of parts) {
    out.head.set(p.head.subarray(0, p.length), offset);
    out.relation.set(p.relation.subarray(0, p.length), offset);
    out.tail.set(p.tail.subarray(0, p.length), offset);
    offset += p.length;
  }
  return out;
}
