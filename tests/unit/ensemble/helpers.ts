/** Score arrays held in memory as a RowSource, and random inputs with signal, for the ensemble's unit tests. */
import type { Rng } from "../../../src/core/rng.js";
import type { RowSource } from "../../../src/ensemble/rank-problem.js";

export class ArraySource implements RowSource {
  /** @param arrays M arrays of shape [Q, K] */
  constructor(readonly arrays: Float32Array[], readonly queries: number, readonly width: number) {}
  get inputCount(): number {
    return this.arrays.length;
  }
  read(start: number, count: number, out: Float32Array[]): void {
    this.arrays.forEach((a, m) => out[m]!.set(a.subarray(start * this.width, (start + count) * this.width)));
  }
}

/** M inputs of [Q, K] scores: the true candidate raised by a margin, values quantised to 1/8 when `grid`. */
export function randomInputs(rng: Rng, M: number, Q: number, K: number, grid: boolean): { source: ArraySource; correct: Int32Array } {
  const correct = Int32Array.from({ length: Q }, () => rng.int(K));
  const arrays = Array.from({ length: M }, (_, m) => {
    const a = new Float32Array(Q * K);
    for (let q = 0; q < Q; q++) {
      for (let j = 0; j < K; j++) {
        const v = rng.normal() + (j === correct[q] ? 1.5 - 0.3 * m : 0);
        a[q * K + j] = grid ? Math.round(v * 8) / 8 : v;
      }
    }
    return a;
  });
  return { source: new ArraySource(arrays, Q, K), correct };
}
