import type { Rng } from "../core/rng.js";
import type { Triples } from "../core/types.js";
import { zipfConstant, zipfRank } from "./synthetic-math.js";
import type { ResolvedSynthOptions } from "./synthetic-options.js";
import { streamNpy } from "./synthetic-npy.js";
import { LatentSampler } from "./synthetic-sampling.js";
import type { SynthWorld } from "./synthetic-world.js";

/**
 * Candidate tails for held-out queries, WikiKG90M style: each row holds the true tail at a
 * uniformly random index plus K − 1 distinct negatives:
 *   ⌊ρ·(K − 1)⌉ from the relation's range type (ρ = sameTypeNegativeRate; fewer when the type is
 *   too small), each drawn by popularity (rank Zipf with the popularity exponent) or, when that
 *   entity is already taken, uniformly inside the type: so the most popular entities of the type
 *   are there and neither the type nor raw popularity alone solves the task;
 *   the rest uniform over all entities.
 * A negative is never the true tail, never repeats in its row, and is never a known tail of
 * (h, r) in train, valid or test (a "filtered" list: no other true answer hides among the
 * negatives; only when K is close to E may the last few be known tails).
 *
 * Rows are generated and written in chunks of CHUNK_ROWS, so memory stays at one chunk.
 * Two reference rankers are scored on the way (mean reciprocal rank over all K candidates, ties
 * counted half): train in-degree (popularity), on every query, and the generator's own latent
 * plausibility, on the first ORACLE_QUERIES.
 */
export interface CandidateRankers {
  popularityMrr: number;
  latentOracleMrr: number;
}

const CHUNK_ROWS = 1024;
/** the latent oracle is a reference figure: its first queries estimate it well at a fraction of the cost */
const ORACLE_QUERIES = 4000;

export class CandidateWriter {
  /** shape: [E] 2·id when used in row id, 2·id + 1 when a known tail of row id's (h, r) */
  private readonly stamp: Int32Array;
  private rowId = 0;
  private readonly sampler: LatentSampler;
  /** known (r, t) of each head over train + valid + test, CSR. shapes: [E + 1], [N], [N] */
  private readonly headStart: Int32Array;
  private readonly edgeRelation: Int32Array;
  private readonly edgeTail: Int32Array;

  constructor(
    private readonly world: SynthWorld,
    private readonly o: ResolvedSynthOptions,
    /** every known triple (train, valid, test) */
    known: readonly Triples[],
    /** shape: [E] train in-degree */
    private readonly inDegree: Int32Array,
    private readonly rng: Rng,
  ) {
    const E = world.numEntities;
    this.stamp = new Int32Array(E).fill(-1);
    this.sampler = new LatentSampler(world);
    this.headStart = new Int32Array(E + 1);
    for (const x of known) for (let i = 0; i < x.length; i++) this.headStart[x.head[i]! + 1]!++;
    for (let e = 0; e < E; e++) this.headStart[e + 1] = this.headStart[e + 1]! + this.headStart[e]!;
    const n = this.headStart[E]!;
    this.edgeRelation = new Int32Array(n);
    this.edgeTail = new Int32Array(n);
    const fill = this.headStart.slice(0, E);
    for (const x of known) {
      for (let i = 0; i < x.length; i++) {
        const at = fill[x.head[i]!]!++;
        this.edgeRelation[at] = x.relation[i]!;
        this.edgeTail[at] = x.tail[i]!;
      }
    }
  }

  /**
   * Writes `candidatePath` (int64 [Q, K]) and fills `correctIndex` (shape: [Q]) for the queries
   * (h, r) with true tails t; returns the reference rankers' MRR on these queries.
   */
  write(queries: Triples, candidatePath: string, correctIndex: Int32Array): CandidateRankers {
    const K = this.o.numCandidates;
    const Q = queries.length;
    const chunk = new Int32Array(Math.min(CHUNK_ROWS, Math.max(Q, 1)) * K); // shape: [rows, K]
    const scores = new Float64Array(K); // shape: [K]
    let popularity = 0;
    let oracle = 0;
    streamNpy(candidatePath, "<i8", [Q, K], (writer) => {
      for (let start = 0; start < Q; start += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, Q - start);
        for (let i = 0; i < rows; i++) {
          const q = start + i;
          const row = chunk.subarray(i * K, (i + 1) * K);
          const h = queries.head[q]!;
          const r = queries.relation[q]!;
          const at = this.fillRow(h, r, queries.tail[q]!, row);
          correctIndex[q] = at;
          for (let j = 0; j < K; j++) scores[j] = this.inDegree[row[j]!]!;
          popularity += reciprocalRank(scores, at);
          if (q < ORACLE_QUERIES) {
            this.sampler.oracleScores(r, h, row, scores);
            oracle += reciprocalRank(scores, at);
          }
        }
        writer.write(chunk.subarray(0, rows * K));
      }
    });
    return { popularityMrr: Q > 0 ? popularity / Q : 0, latentOracleMrr: Q > 0 ? oracle / Math.min(Q, ORACLE_QUERIES) : 0 };
  }

  /** Fills one row; returns the index of the true tail. shape of row: [K] */
  private fillRow(h: number, r: number, t: number, row: Int32Array): number {
    const { world, rng, stamp } = this;
    const K = row.length;
    const E = world.numEntities;
    const used = 2 * this.rowId++;
    const knownTail = used + 1;
    for (let i = this.headStart[h]!; i < this.headStart[h + 1]!; i++) {
      if (this.edgeRelation[i] === r) stamp[this.edgeTail[i]!] = knownTail;
    }
    stamp[t] = used;
    // stamp ≥ used: taken in this row, the true tail, or a known tail of (h, r)
    let n = 0;
    const type = world.relations.range[r]!;
    const typeStart = world.typeStart[type]!;
    const typeSize = world.typeStart[type + 1]! - typeStart;
    const byRank = world.byRank;
    const sameType = Math.min(Math.round(this.o.sameTypeNegativeRate * (K - 1)), typeSize - 1);
    const s = this.o.popularityExponent;
    const zc = zipfConstant(typeSize, s);
    for (let tries = 0; n < sameType && tries < 4 * sameType + 64; tries++) {
      let c = byRank[typeStart + zipfRank(typeSize, s, rng.next(), zc)]!;
      if (stamp[c]! >= used) c = byRank[typeStart + rng.int(typeSize)]!;
      if (stamp[c]! >= used) continue;
      stamp[c] = used;
      row[n++] = c;
    }
    for (let tries = 0; n < K - 1 && tries < 64 * K + 10_000; tries++) {
      const c = rng.int(E);
      if (stamp[c]! >= used) continue;
      stamp[c] = used;
      row[n++] = c;
    }
    if (n < K - 1) {
      // K close to E: sweep the ids, first the entities still free, then (only if that is not
      // enough) known tails of (h, r) other than t
      const from = rng.int(E);
      for (const wanted of [-1, knownTail]) {
        for (let i = 0; n < K - 1 && i < E; i++) {
          const c = (from + i) % E;
          const mark = stamp[c]!;
          if (wanted === -1 ? mark < used : mark === wanted) {
            stamp[c] = used;
            row[n++] = c;
          }
        }
      }
    }
    // the true tail goes to a uniform index; the negative there moves to the end
    const at = rng.int(K);
    row[K - 1] = row[at]!;
    row[at] = t;
    return at;
  }
}

/** 1 / (1 + #{better} + #{tied}/2) of entry `at` (higher score is better). shape of scores: [K] */
function reciprocalRank(scores: Float64Array, at: number): number {
  const s = scores[at]!;
  let better = 0;
  let tied = 0;
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j]!;
    if (v > s) better++;
    else if (v === s) tied++;
  }
  return 1 / (1 + better + (tied - 1) / 2);
}
