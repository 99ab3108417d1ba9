/**
 * Sampled validation during training: raw (unfiltered) tail-side ranks of a sample of validation
 * triples against every entity (or, for large graphs, against `maxCandidates` uniformly sampled
 * entities plus the true tail). A progress signal; the evaluation stage computes the real metrics.
 */
import type { Backend } from "../backends/index.js";
import { Rng } from "../core/rng.js";
import type { ModelTables } from "../models/model-tables.js";
import type { CandidateQueries, Triples } from "../core/types.js";

export interface SampledRanking {
  mrr: number;
  hits10: number;
  queries: number;
  candidates: number;
}

export async function sampledRanking(backend: Backend, tables: ModelTables, valid: Triples, sample: number, seed: number, threads: number, maxCandidates = 20000): Promise<SampledRanking> {
  const E = tables.entity.numRows;
  const rng = new Rng(seed);
  const Q = Math.min(sample, valid.length);
  const pick = Int32Array.from({ length: Q }, () => rng.int(valid.length));
  const all = E <= maxCandidates;
  const cands = all ? Int32Array.from({ length: E }, (_, i) => i) : Int32Array.from({ length: maxCandidates }, () => rng.int(E));
  let rr = 0, hits = 0;
  const chunk = 64;
  for (let s = 0; s < Q; s += chunk) {
    const n = Math.min(chunk, Q - s);
    const keep = new Int32Array(n), rel = new Int32Array(n), truth = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const e = pick[s + i]!;
      keep[i] = valid.head[e]!;
      rel[i] = valid.relation[e]!;
      truth[i] = valid.tail[e]!;
    }
    const S = new Float32Array(n * cands.length);
    await backend.score(tables, keep, rel, true, cands, 0, S, threads);
    const T = new Float32Array(n);
    await backend.score(tables, keep, rel, true, truth, 1, T, threads);
    for (let i = 0; i < n; i++) {
      let better = 0;
      for (let j = 0; j < cands.length; j++) if (cands[j] !== truth[i] && S[i * cands.length + j]! > T[i]!) better++;
      rr += 1 / (better + 1);
      if (better < 10) hits++;
    }
  }
  return { mrr: rr / Math.max(Q, 1), hits10: hits / Math.max(Q, 1), queries: Q, candidates: cands.length };
}

/**
 * OGB-style candidate ranking on a sample of queries: the rank of the true tail among each
 * query's K candidates (1 + number of candidates scoring strictly higher); MRR and Hits@10.
 */
export async function sampledCandidateRanking(backend: Backend, tables: ModelTables, q: CandidateQueries, sample: number, seed: number, threads: number): Promise<SampledRanking> {
  if (!q.correctIndex) throw new Error("candidate ranking needs the correct indices");
  const rng = new Rng(seed);
  const K = q.width;
  const n = Math.min(sample, q.head.length);
  const pick = Int32Array.from({ length: n }, () => rng.int(q.head.length));
  let rr = 0, hits = 0;
  const chunk = 256;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const keep = new Int32Array(m), rel = new Int32Array(m), cands = new Int32Array(m * K);
    for (let i = 0; i < m; i++) {
      const e = pick[s + i]!;
      keep[i] = q.head[e]!;
      rel[i] = q.relation[e]!;
      cands.set(q.candidates.subarray(e * K, (e + 1) * K), i * K);
    }
    const S = new Float32Array(m * K);
    await backend.score(tables, keep, rel, true, cands, K, S, threads);
    for (let i = 0; i < m; i++) {
      const truth = S[i * K + q.correctIndex[pick[s + i]!]!]!;
      let better = 0;
      for (let j = 0; j < K; j++) if (S[i * K + j]! > truth) better++;
      rr += 1 / (better + 1);
      if (better < 10) hits++;
    }
  }
  return { mrr: rr / Math.max(n, 1), hits10: hits / Math.max(n, 1), queries: n, candidates: K };
}
