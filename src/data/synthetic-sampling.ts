import type { Rng } from "../core/rng.js";
import { zipfConstant, zipfRank } from "./synthetic-math.js";
import type { SynthWorld } from "./synthetic-world.js";

/**
 * Draws heads and tails from the planted latent model.
 *
 * Head of relation r: an entity of the domain type at Zipf rank (exponent = headExponent_r), so
 * popular entities have more outgoing facts.
 *
 * Tail of (h, r), h in cluster k_h with centroid c_{k_h}, q = A_r·z_h + b_r:
 *   1. a latent cluster k of the range type (a block model over clusters):
 *        p(k | k_h, r) ∝ W_k · exp(β_r · ⟨A_r·c_{k_h} + b_r, c_k⟩)
 *      W_k = Σ_{e ∈ k} w_e, so latent similarity is mixed with popularity; the cumulative table
 *      over (r, k_h, k) is built once (R·K²·d multiply-adds);
 *   2. an entity of cluster k: with probability 1 − ε from the pool P_k of its L most popular
 *      members by a softmax over the head's own image,
 *        p(t | pool) = exp(γ_r·⟨q, z_t⟩ + log w_t) / Σ_{e ∈ P_k} exp(γ_r·⟨q, z_e⟩ + log w_e),
 *      and with probability ε (longTailRate) by popularity over the whole cluster (alias table).
 * So p(t | h, r) = p(k_t | k_h, r) · [(1 − ε)·p(t | pool)·1{t ∈ P_k} + ε·w_t / W_k], which the
 * oracle evaluates exactly. The cost is O(d² + K + L·d) per tail whatever the type size, and the
 * pool is one contiguous block of memory.
 */
export class LatentSampler {
  private readonly q: Float64Array; // shape: [d]
  /** cumulative p(k | k_h, r), rows of width K_range(r). shape: [Σ_r K_dom(r)·K_range(r)] */
  private readonly clusterCum: Float64Array;
  /** shape: [R + 1] offset of relation r's block in clusterCum */
  private readonly tableStart: Int32Array;
  /** shape: [R] zipfConstant of the head draw */
  private readonly headZipf: Float64Array;
  /** shape: [L] pool logits, then their running exp-sum */
  private readonly poolWeight: Float64Array;
  /** shape: [max clusters per type] per-cluster log normaliser of one oracle query, NaN = not yet */
  private readonly poolLogNorm: Float64Array;
  /** shape: [max clusters per type, L] the pool logits of one oracle query, valid where poolLogNorm is set */
  private readonly poolLogits: Float64Array;

  constructor(private readonly world: SynthWorld) {
    const d = world.latentDim;
    const rel = world.relations;
    const R = rel.numRelations;
    const clustersOf = (t: number): [number, number] => [world.typeClusterStart[t]!, world.typeClusterStart[t + 1]!];
    this.q = new Float64Array(d);
    this.poolWeight = new Float64Array(Math.max(1, world.poolSize));
    this.headZipf = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      const t = rel.domain[r]!;
      this.headZipf[r] = zipfConstant(world.typeStart[t + 1]! - world.typeStart[t]!, rel.headExponent[r]!);
    }
    let maxK = 1;
    for (let t = 0; t < world.numTypes; t++) maxK = Math.max(maxK, world.typeClusterStart[t + 1]! - world.typeClusterStart[t]!);
    this.poolLogNorm = new Float64Array(maxK);
    this.poolLogits = new Float64Array(maxK * Math.max(1, world.poolSize));
    this.tableStart = new Int32Array(R + 1);
    for (let r = 0; r < R; r++) {
      const [a0, a1] = clustersOf(rel.domain[r]!);
      const [b0, b1] = clustersOf(rel.range[r]!);
      this.tableStart[r + 1] = this.tableStart[r]! + (a1 - a0) * (b1 - b0);
    }
    this.clusterCum = new Float64Array(this.tableStart[R]!);
    const image = new Float64Array(d); // shape: [d]
    for (let r = 0; r < R; r++) {
      const [a0, a1] = clustersOf(rel.domain[r]!);
      const [b0, b1] = clustersOf(rel.range[r]!);
      for (let a = a0; a < a1; a++) {
        this.affine(r, world.centroid, a * d, image);
        const start = this.tableStart[r]! + (a - a0) * (b1 - b0);
        const row = this.clusterCum.subarray(start, start + (b1 - b0));
        let max = -Infinity;
        for (let b = b0; b < b1; b++) {
          let dot = 0;
          for (let j = 0; j < d; j++) dot += image[j]! * world.centroid[b * d + j]!;
          row[b - b0] = rel.beta[r]! * dot + world.clusterLogMass[b]!;
          max = Math.max(max, row[b - b0]!);
        }
        let sum = 0;
        for (let i = 0; i < row.length; i++) {
          sum += Math.exp(row[i]! - max);
          row[i] = sum;
        }
        for (let i = 0; i < row.length; i++) row[i] = row[i]! / sum;
      }
    }
  }

  /** A head for relation r. */
  head(r: number, rng: Rng): number {
    const w = this.world;
    const t = w.relations.domain[r]!;
    const start = w.typeStart[t]!;
    return w.byRank[start + zipfRank(w.typeStart[t + 1]! - start, w.relations.headExponent[r]!, rng.next(), this.headZipf[r])]!;
  }

  /** q = A_r·z_h + b_r; returns an internal buffer, valid until the next call. shape: [d] */
  query(r: number, h: number): Float64Array {
    this.affine(r, this.world.latent, h * this.world.latentDim, this.q);
    return this.q;
  }

  /** A tail for (h, r) (see the class comment). */
  tail(r: number, h: number, rng: Rng): number {
    const w = this.world;
    const [b0, rowStart, width] = this.clusterRow(r, h);
    const cum = this.clusterCum;
    const u = rng.next();
    let i = 0;
    while (i < width - 1 && cum[rowStart + i]! <= u) i++;
    const k = b0 + i;
    const lo = w.clusterStart[k]!;
    const n = w.clusterStart[k + 1]! - lo;

    if (rng.next() < w.longTailRate) {
      // alias draw: one uniform gives the slot and the coin
      const x = rng.next() * n;
      const pick = Math.floor(x);
      const slot = x - pick < w.aliasProb[lo + pick]! ? lo + pick : w.aliasSlot[lo + pick]!;
      return w.clusterMembers[slot]!;
    }
    const size = this.fillPoolWeights(r, h, lo, n);
    const weights = this.poolWeight;
    let max = -Infinity;
    for (let j = 0; j < size; j++) if (weights[j]! > max) max = weights[j]!;
    let sum = 0;
    for (let j = 0; j < size; j++) {
      sum += Math.exp(weights[j]! - max);
      weights[j] = sum;
    }
    const v = rng.next() * sum;
    let j = 0;
    while (j < size - 1 && weights[j]! <= v) j++;
    return w.clusterMembers[lo + j]!;
  }

  /**
   * log p(c | h, r) under the generator (see the class comment) for each candidate c, −∞ outside
   * the range type: the "latent oracle" reference ranker (it ignores the planted partner
   * triples and the noise). shapes: candidates [K], out [K]
   */
  oracleScores(r: number, h: number, candidates: Int32Array, out: Float64Array): void {
    const w = this.world;
    const [b0, rowStart, width] = this.clusterRow(r, h);
    const cum = this.clusterCum;
    const norm = this.poolLogNorm;
    norm.fill(NaN, 0, width);
    const range = w.relations.range[r]!;
    const eps = w.longTailRate;
    for (let j = 0; j < candidates.length; j++) {
      const c = candidates[j]!;
      if (w.entityType[c] !== range) {
        out[j] = -Infinity;
        continue;
      }
      const k = w.entityCluster[c]!;
      const i = k - b0;
      const pk = cum[rowStart + i]! - (i > 0 ? cum[rowStart + i - 1]! : 0);
      const lo = w.clusterStart[k]!;
      const n = w.clusterStart[k + 1]! - lo;
      const slot = w.memberSlot[c]!;
      let p = (eps * Math.exp(w.memberLogWeight[slot]!)) / Math.exp(w.clusterLogMass[k]!);
      if (slot - lo < Math.min(n, w.poolSize)) {
        // a cluster's pool logits are computed once per query, for its first candidate in the pool
        const base = i * w.poolSize;
        if (Number.isNaN(norm[i]!)) {
          const size = this.fillPoolWeights(r, h, lo, n);
          let max = -Infinity;
          for (let x = 0; x < size; x++) if (this.poolWeight[x]! > max) max = this.poolWeight[x]!;
          let sum = 0;
          for (let x = 0; x < size; x++) sum += Math.exp(this.poolWeight[x]! - max);
          norm[i] = max + Math.log(sum);
          for (let x = 0; x < size; x++) this.poolLogits[base + x] = this.poolWeight[x]!;
        }
        p += (1 - eps) * Math.exp(this.poolLogits[base + slot - lo]! - norm[i]!);
      }
      out[j] = Math.log(pk * p);
    }
  }

  /** Fills poolWeight[0..size) with γ_r·⟨q, z_e⟩ + log w_e over the pool of the cluster at slots [lo, lo + n); returns size. */
  private fillPoolWeights(r: number, h: number, lo: number, n: number): number {
    const w = this.world;
    const d = w.latentDim;
    const q = this.query(r, h);
    const gamma = w.relations.gamma[r]!;
    const size = Math.min(n, w.poolSize);
    const zs = w.memberLatent;
    for (let j = 0; j < size; j++) {
      const base = (lo + j) * d;
      let dot = 0;
      for (let x = 0; x < d; x++) dot += q[x]! * zs[base + x]!;
      this.poolWeight[j] = gamma * dot + w.memberLogWeight[lo + j]!;
    }
    return size;
  }

  /** out = A_r·x + b_r with x = src[offset .. offset + d). shape of out: [d] */
  private affine(r: number, src: Float64Array, offset: number, out: Float64Array): void {
    const d = this.world.latentDim;
    const a = this.world.relations.matrix;
    const b = this.world.relations.bias;
    const aBase = r * d * d;
    for (let i = 0; i < d; i++) {
      let s = b[r * d + i]!;
      const row = aBase + i * d;
      for (let j = 0; j < d; j++) s += a[row + j]! * src[offset + j]!;
      out[i] = s;
    }
  }

  /** First cluster of the range type of r, the start of the p(k | k_h, r) row for head h, its width. */
  private clusterRow(r: number, h: number): [first: number, rowStart: number, width: number] {
    const w = this.world;
    const rel = w.relations;
    const a0 = w.typeClusterStart[rel.domain[r]!]!;
    const b0 = w.typeClusterStart[rel.range[r]!]!;
    const width = w.typeClusterStart[rel.range[r]! + 1]! - b0;
    return [b0, this.tableStart[r]! + (w.entityCluster[h]! - a0) * width, width];
  }
}
