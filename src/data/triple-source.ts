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
