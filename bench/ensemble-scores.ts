/**
 * Generated score arrays with signal for the ensemble benchmark: per query a latent score per
 * candidate (the true one shifted up by a per-query margin), and input m sees it through its own
 * noise level plus a noise term shared by all inputs (real models agree on many mistakes). Rows
 * are generated on demand from (seed, query), so 20 × 20,000 × 1,001 values never sit in memory.
 */
import { Rng } from "../src/core/rng.js";
import { normaliseRows } from "../src/ensemble/normalise.js";
import type { RowSource } from "../src/ensemble/rank-problem.js";

export class GeneratedScores implements RowSource {
  readonly correctIndex: Int32Array; // shape: [Q]
  private readonly latent: Float32Array; // shape: [K] scratch
  private readonly shared: Float32Array; // shape: [K] scratch
  private readonly normals: Float32Array; // shape: [2^20] N(0, 1) draws, indexed at random (Box-Muller per value would dominate the bench)

  constructor(readonly inputCount: number, readonly queries: number, readonly width: number, readonly seed: number) {
    const rng = new Rng(seed);
    this.correctIndex = Int32Array.from({ length: queries }, () => rng.int(width));
    this.latent = new Float32Array(width);
    this.shared = new Float32Array(width);
    this.normals = Float32Array.from({ length: 1 << 20 }, () => rng.normal());
  }

  /** input m's noise level: the first inputs are the informative ones */
  noise(m: number): number {
    return 0.4 + (1.2 * m) / Math.max(1, this.inputCount - 1);
  }

  read(start: number, count: number, out: Float32Array[]): void {
    const K = this.width;
    for (let i = 0; i < count; i++) {
      const q = start + i;
      const rng = new Rng(this.seed * 1_000_003 + q);
      const margin = 3 + 4 * rng.next();
      for (let j = 0; j < K; j++) {
        this.latent[j] = this.normals[rng.nextU32() >>> 12]! + (j === this.correctIndex[q] ? margin : 0);
        this.shared[j] = 0.7 * this.normals[rng.nextU32() >>> 12]!;
      }
      for (let m = 0; m < this.inputCount; m++) {
        const row = out[m]!.subarray(i * K, (i + 1) * K);
        const sigma = this.noise(m);
        const scale = 1 + m; // raw scales differ between inputs, as between models
        for (let j = 0; j < K; j++) row[j] = scale * (this.latent[j]! + this.shared[j]! + sigma * this.normals[rng.nextU32() >>> 12]!);
      }
    }
    for (let m = 0; m < this.inputCount; m++) normaliseRows(out[m]!.subarray(0, count * K), K, "query-minmax");
  }
}
