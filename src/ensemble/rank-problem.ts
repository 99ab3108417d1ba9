/**
 * The weight search's view of a split, pruned once. With non-negative weights w (not all 0), the
 * blended score of candidate j beats the true candidate t of its row exactly when
 * Σ_m w_m · d_m > 0, d_m = ŝ_m[j] − ŝ_m[t] (ties: the lower index first, as topK orders them).
 * So a candidate below t under every input can never overtake it (dropped), one above t under every
 * input always does (counted once in `alwaysAhead`), and only the rest, the contested candidates,
 * are kept with their M differences. OGB's MRR only sees ranks ≤ 10, so a row with 10 candidates
 * always ahead keeps nothing. This turns Q·K·M values per objective evaluation into E·M, E ≪ Q·K.
 * Offsets are int32: E < 2^31 (about 2M queries at 1,000 contested candidates each).
 */
import { KgcError } from "../core/errors.js";
import type { RankProblem } from "../backends/native/ensemble-binding.js";
import { OGB_TOP } from "../eval/index.js";

/** Chunked rows of M normalised [Q, K] inputs (the ensemble's inputs, or generated ones in the bench). */
export interface RowSource {
  readonly inputCount: number;
  readonly queries: number;
  readonly width: number;
  /** rows [start, start + count) of every input; out: one buffer per input, shape [≥ count, K] */
  read(start: number, count: number, out: Float32Array[]): void;
}

export type { RankProblem };

/** Growable typed storage for the contested entries. */
class EntryBuffer {
  columns: Float32Array[];
  tie = new Uint8Array(1 << 14);
  count = 0;

  constructor(inputs: number) {
    this.columns = Array.from({ length: inputs }, () => new Float32Array(1 << 14));
  }

  push(d: Float32Array, tieAhead: boolean): void {
    if (this.count === this.tie.length) {
      const capacity = this.tie.length * 2;
      if (capacity > 2 ** 31) throw new KgcError("ensemble", `too many contested candidates (${this.count}) to hold; fit on fewer queries`);
      const tie = new Uint8Array(capacity);
      tie.set(this.tie);
      this.tie = tie;
      this.columns = this.columns.map((old) => {
        const grown = new Float32Array(capacity);
        grown.set(old);
        return grown;
      });
    }
    for (let m = 0; m < d.length; m++) this.columns[m]![this.count] = d[m]!;
    this.tie[this.count++] = tieAhead ? 1 : 0;
  }
}

/**
 * Builds the pruned problem from rows read `chunk` queries at a time.
 * @param correctIndex shape: [Q] the true candidate of each row
 */
export function buildRankProblem(source: RowSource, correctIndex: Int32Array, chunk = 1024): RankProblem {
  const { inputCount: M, queries: Q, width: K } = source;
  if (correctIndex.length !== Q) throw new KgcError("correct index", `${correctIndex.length} answers for ${Q} queries`);
  const rows = Array.from({ length: M }, () => new Float32Array(chunk * K)); // shape: M × [chunk, K]
  const alwaysAhead = new Int32Array(Q);
  const offsets = new Int32Array(Q + 1);
  const entries = new EntryBuffer(M);
  const d = new Float32Array(M); // shape: [M]
  for (let start = 0; start < Q; start += chunk) {
    const count = Math.min(chunk, Q - start);
    source.read(start, count, rows);
    for (let i = 0; i < count; i++) {
      const q = start + i;
      const t = correctIndex[q]!;
      if (t < 0 || t >= K) throw new KgcError("correct index", `query ${q}: ${t} outside [0, ${K})`);
      const first = entries.count;
      let ahead = 0;
      for (let j = 0; j < K && ahead < OGB_TOP; j++) {
        if (j === t) continue;
        let anyAbove = false;
        let anyBelow = false;
        let allAbove = true; // strictly, under every input
        let allBelow = true;
        for (let m = 0; m < M; m++) {
          const row = i * K;
          const diff = rows[m]![row + j]! - rows[m]![row + t]!;
          d[m] = diff;
          if (diff > 0) { anyAbove = true; allBelow = false; }
          else if (diff < 0) { anyBelow = true; allAbove = false; }
          else { allAbove = false; allBelow = false; }
        }
        const winsTie = j < t;
        if (allBelow || (!anyAbove && !winsTie)) continue; // never ahead
        if (allAbove || (!anyBelow && winsTie)) { ahead++; continue; } // always ahead
        entries.push(d, winsTie);
      }
      alwaysAhead[q] = ahead;
      if (ahead >= OGB_TOP) entries.count = first; // rank > 10 whatever the weights: nothing to keep
      offsets[q + 1] = entries.count;
    }
  }
  return {
    inputs: M,
    queries: Q,
    alwaysAhead,
    offsets,
    columns: entries.columns.map((column) => column.slice(0, entries.count)),
    tieAhead: entries.tie.slice(0, entries.count),
  };
}
