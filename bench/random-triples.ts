/**
 * The training benchmarks' data: n uniform random triples over E entities and R relations, with
 * the identity permutation (FB15k-237's shape by default), as the TrainTriples a backend trains on.
 */
import { Rng } from "../src/core/rng.js";
import type { TrainTriples } from "../src/backends/index.js";

export function randomTriples(seed: number, n = 272115, E = 14541, R = 237): TrainTriples {
  const rng = new Rng(seed);
  return {
    length: n,
    head: Int32Array.from({ length: n }, () => rng.int(E)),
    relation: Int32Array.from({ length: n }, () => rng.int(R)),
    tail: Int32Array.from({ length: n }, () => rng.int(E)),
    perm: Int32Array.from({ length: n }, (_, i) => i),
  };
}
