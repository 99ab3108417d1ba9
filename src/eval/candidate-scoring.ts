/**
 * Scoring candidate queries (h, r, ?) against their own row of candidates [Q, K] with a backend's
 * scorer, threaded, in chunks of queries so neither a split's Q x K scores nor its candidate rows
 * (read per chunk from the source) have to sit in memory:
 * each chunk goes to `onChunk` (the score stage writes it to npy; the candidate protocol ranks it).
 * While `onChunk` handles chunk i, the backend already scores chunk i + 1.
 */
import type { Backend } from "../backends/index.js";
import type { CandidateQuerySource } from "../core/types.js";
import type { ModelTables } from "../models/model-tables.js";

export interface CandidateChunk {
  /** first query of the chunk */
  start: number;
  /** queries in the chunk */
  count: number;
  /** shape: [count, K]; only valid during the callback */
  scores: Float32Array;
}

export async function scoreCandidateQueries(
  backend: Backend,
  tables: ModelTables,
  queries: CandidateQuerySource,
  threads: number,
  chunk: number,
  onChunk: (c: CandidateChunk) => void | Promise<void>,
): Promise<void> {
  const Q = queries.head.length;
  const K = queries.width;
  const size = Math.max(1, Math.min(chunk, Q));
  const buffers = [new Float32Array(size * K), new Float32Array(size * K)]; // shape: [chunk, K] each
  const rowBuffers = [new Int32Array(size * K), new Int32Array(size * K)]; // shape: [chunk, K] each: candidate rows read from disk
  const launch = (i: number): Promise<void> => {
    const start = i * size;
    const end = Math.min(Q, start + size);
    const out = end - start === size ? buffers[i % 2]! : buffers[i % 2]!.subarray(0, (end - start) * K);
    return backend.score(tables, queries.head.subarray(start, end), queries.relation.subarray(start, end), true,
      queries.rows(start, end, rowBuffers[i % 2]!), K, out, threads);
  };
  const chunks = Math.ceil(Q / size);
  let pending = chunks > 0 ? launch(0) : null;
  for (let i = 0; i < chunks; i++) {
    await pending;
    pending = i + 1 < chunks ? launch(i + 1) : null;
    const start = i * size;
    const count = Math.min(Q, start + size) - start;
    try {
      await onChunk({ start, count, scores: buffers[i % 2]!.subarray(0, count * K) });
    } catch (err) {
      await pending?.catch(() => undefined);
      throw err;
    }
  }
}
