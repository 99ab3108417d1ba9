/**
 * The undirected entity graph the walk kernels read: the dataset's two CSR directions over the
 * training triples (csr-{out,in}-*.npy, written by `kgc data import`). A dataset without them is
 * refused by name before any work starts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { WalkGraph } from "../backends/native/walk-binding.js";
import { KgcError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import { DatasetFiles } from "../io/manifest.js";

export function walkGraph(ds: Dataset): WalkGraph {
  for (const direction of ["out", "in"] as const) {
    for (const part of ["indptr", "neighbor", "relation"] as const) {
      const path = join(ds.dir, DatasetFiles.csr(direction, part));
      if (!existsSync(path)) throw new KgcError(path, "missing: the dataset has no CSR adjacency (re-import it with `kgc data import`)");
    }
  }
  return { numNodes: ds.numEntities, numRelations: ds.numRelations, out: ds.adjacency("out"), in: ds.adjacency("in") };
}

