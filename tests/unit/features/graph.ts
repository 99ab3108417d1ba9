/** Small in-memory graphs for the walk and smoothing kernels: CSR built by plain sorting. */
import type { WalkGraph } from "../../../src/backends/native/walk-binding.js";
import type { Csr } from "../../../src/data/csr.js";
import { Rng } from "../../../src/core/rng.js";

export type Triple = readonly [number, number, number];

/** One CSR direction: out = (tail, relation) by head; in = (head, relation) by tail; sorted by (neighbor, relation). */
function csrOf(triples: readonly Triple[], numNodes: number, by: 0 | 2): Csr {
  const other = by === 0 ? 2 : 0;
  const edges = triples.map((t) => [t[by], t[other], t[1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  const indptr = new Float64Array(numNodes + 1);
  for (const e of edges) indptr[e[0] + 1]! += 1;
  for (let i = 0; i < numNodes; i++) indptr[i + 1]! += indptr[i]!;
  return { indptr, neighbor: Int32Array.from(edges, (e) => e[1]), relation: Int32Array.from(edges, (e) => e[2]) };
}

export function graphOf(triples: readonly Triple[], numNodes: number, numRelations: number): WalkGraph {
  return { numNodes, numRelations, out: csrOf(triples, numNodes, 0), in: csrOf(triples, numNodes, 2) };
}

/** Random triples over entities [0, active) (the rest isolated), with a repeated pair under two relations and a self loop. */
export function randomTriples(rng: Rng, n: number, active: number, numRelations: number): Triple[] {
  const t: Triple[] = [];
  for (let i = 0; i < n; i++) t.push([rng.int(active), rng.int(numRelations), rng.int(active)]);
  t.push([0, 0, 1], [0, numRelations - 1, 1], [2, 0, 2]);
  return t;
}
