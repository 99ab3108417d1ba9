/**
 * Cross-validation folds over validation queries, grouped by head: every query of one head falls
 * in the same fold, so weights are never judged on a head they were fitted on (queries sharing a
 * head share candidates and answers). Heads are shuffled (seeded) and each goes to the fold with
 * the fewest queries so far, which keeps folds within one head's queries of each other in size.
 */
import { KgcError } from "../core/errors.js";
import { Rng } from "../core/rng.js";

/**
 * @param head shape: [Q] each query's head entity
 * @returns k folds of query ids (ascending within each fold)
 */
export function headGroupedFolds(head: Int32Array, k: number, seed: number): Int32Array[] {
  if (!Number.isInteger(k) || k < 2) throw new KgcError("--folds", `must be an integer ≥ 2, got ${k}`);
  const byHead = new Map<number, number[]>();
  head.forEach((h, q) => {
    const list = byHead.get(h);
    if (list) list.push(q);
    else byHead.set(h, [q]);
  });
  if (byHead.size < k) throw new KgcError("--folds", `${k} folds need at least ${k} distinct heads, the split has ${byHead.size}`);
  const heads = [...byHead.keys()].sort((a, b) => a - b);
  const rng = new Rng(seed);
  for (let i = heads.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [heads[i], heads[j]] = [heads[j]!, heads[i]!];
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const h of heads) {
    let smallest = 0;
    for (let f = 1; f < k; f++) if (folds[f]!.length < folds[smallest]!.length) smallest = f;
    folds[smallest]!.push(...byHead.get(h)!);
  }
  return folds.map((fold) => Int32Array.from(fold).sort());
}

/** Every query id not in `fold`, ascending. */
export function complement(queries: number, fold: Int32Array): Int32Array {
  const held = new Uint8Array(queries);
  for (const q of fold) held[q] = 1;
  const out = new Int32Array(queries - fold.length);
  let n = 0;
  for (let q = 0; q < queries; q++) if (!held[q]) out[n++] = q;
  return out;
}
