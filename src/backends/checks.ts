/**
 * The input checks every backend runs before its engine sees a call (lengths and id ranges), so a
 * bad call is a KgcError naming the field on either backend, never an out-of-bounds read.
 */
import { KgcError } from "../core/errors.js";

export function need(cond: boolean, what: string, problem: string): void {
  if (!cond) throw new KgcError(what, problem);
}

export function checkLen(a: ArrayLike<number> | undefined, n: number, what: string): void {
  need(a !== undefined, what, "missing");
  need(a!.length >= n, what, `has ${a!.length} elements, needs ${n}`);
}

/** The first n ids lie in [0, limit). */
export function checkIds(ids: Int32Array, n: number, limit: number, what: string): void {
  checkLen(ids, n, what);
  for (let i = 0; i < n; i++) {
    const v = ids[i]!;
    if (v < 0 || v >= limit) throw new KgcError(what, `id ${v} at position ${i} is outside [0, ${limit})`);
  }
}
