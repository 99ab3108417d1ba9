/**
 * Per-input normalisation before the weighted sum, so one weight means the same for every input:
 *   query-minmax   (s − min_row) / (max_row − min_row)          a constant row becomes 0
 *   global-minmax  (s − min) / (max − min) with the fitted split's extremes (the seed's choice)
 *   query-rank     (K − rank + 1) / K, rank 1 = best, ties share their mean rank: in (0, 1]
 * Every method keeps "higher = better" and maps into [0, 1] on the fitted split.
 */
import type { Normalisation } from "./weights.js";

export interface GlobalRange {
  min: number;
  max: number;
}

/**
 * Normalises whole rows in place.
 * @param rows shape: [n, width], row-major
 * @param range global-minmax only: the fitted split's extremes
 */
export function normaliseRows(rows: Float32Array, width: number, method: Normalisation, range: GlobalRange | null = null): void {
  const n = rows.length / width;
  if (method === "global-minmax") {
    if (!range) throw new Error("global-minmax needs the fitted split's min and max");
    const span = range.max - range.min;
    const scale = span > 0 ? 1 / span : 0;
    for (let i = 0; i < rows.length; i++) rows[i] = (rows[i]! - range.min) * scale;
    return;
  }
  if (method === "query-minmax") {
    for (let q = 0; q < n; q++) {
      const row = rows.subarray(q * width, (q + 1) * width);
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of row) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = hi > lo ? 1 / (hi - lo) : 0;
      for (let j = 0; j < width; j++) row[j] = (row[j]! - lo) * scale;
    }
    return;
  }
  const order = new Int32Array(width); // shape: [width]
  const values = new Float64Array(width); // shape: [width]
  for (let q = 0; q < n; q++) {
    const row = rows.subarray(q * width, (q + 1) * width);
    values.set(row);
    for (let j = 0; j < width; j++) order[j] = j;
    order.sort((a, b) => values[b]! - values[a]!); // best first
    for (let start = 0; start < width; ) {
      let end = start + 1;
      while (end < width && values[order[end]!] === values[order[start]!]) end++;
      const meanRank = (start + 1 + end) / 2; // ranks start+1 .. end share their mean
      for (let k = start; k < end; k++) row[order[k]!] = (width - meanRank + 1) / width;
      start = end;
    }
  }
}
