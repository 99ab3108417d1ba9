/** RotatE's self-adversarial sampling companion: per-positive loss weights from pattern frequencies. */
import type { Triples } from "../core/types.js";

/** RotatE's sub-sampling weights: 1 / sqrt(#(h, r) + #(t, r^-1)), counts starting at 4. shape: [n] */
export function subsamplingWeights(t: Triples, numRelations: number): Float32Array {
  const hr = new Map<number, number>(), tr = new Map<number, number>();
  for (let i = 0; i < t.length; i++) {
    const a = t.head[i]! * numRelations + t.relation[i]!, b = t.tail[i]! * numRelations + t.relation[i]!;
    hr.set(a, (hr.get(a) ?? 4) + 1);
    tr.set(b, (tr.get(b) ?? 4) + 1);
  }
  const w = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) w[i] = 1 / Math.sqrt(hr.get(t.head[i]! * numRelations + t.relation[i]!)! + tr.get(t.tail[i]! * numRelations + t.relation[i]!)!);
  return w;
}
