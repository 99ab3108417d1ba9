/** Known-triple adjacency for the contract tests. */
import type { Csr } from "../../src/data/csr.js";

/** Adjacency (src/data/csr.ts layout) of a triple list, sorted per entity by (neighbor, relation). */
export function adjacency(triples: readonly [number, number, number][], numEntities: number, out: boolean): Csr {
  const edges = triples.map(([h, r, t]) => (out ? [h, t, r] : [t, h, r]) as [number, number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const indptr = new Float64Array(numEntities + 1);
  for (const [e] of edges) indptr[e + 1]!++;
  for (let e = 0; e < numEntities; e++) indptr[e + 1]! += indptr[e]!;
  return { indptr, neighbor: Int32Array.from(edges, (x) => x[1]), relation: Int32Array.from(edges, (x) => x[2]) };
}
