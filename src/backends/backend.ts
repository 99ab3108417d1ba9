/**
 * The Backend seam: what the train and eval stages need from a compute engine, picked once per
 * run by pickBackend. Tables (src/models/model-tables.ts) and the training config (the zod schema
 * in src/models/config.ts) are backend-neutral; each backend translates them to its engine in its
 * own folder (native/: the C++ addon; tfjs/: TensorFlow.js, tfjs-node-gpu when present).
 */
import type { Csr } from "../data/csr.js";
import type { TrainConfig } from "../models/config.js";
import type { ModelTables } from "../models/model-tables.js";

export type BackendName = "native" | "tfjs";
export const BACKEND_NAMES: readonly BackendName[] = ["native", "tfjs"];

/** The training triples as columns, with the permutation the epochs walk. */
export interface TrainTriples {
  length: number;
  /** shape: [length] each */
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  /** shape: [length], a permutation of 0..length-1 (reshuffled in shards per epoch) */
  perm: Int32Array;
  /** shape: [length] per-positive loss weights (RotatE sub-sampling), or absent */
  posWeight?: Float32Array;
}

/** Both directions of the training adjacency: out masks tail-side negatives, in head-side ones. */
export interface KnownTriples {
  out: Csr;
  in: Csr;
}

/** Counters a run carries across chunks and checkpoints, for an exact resume. */
export interface TrainCounters {
  /** [steps done, optimizer updates done] */
  global: Float64Array;
  /** shape: [threads, 4] xoshiro256** states */
  rng: BigUint64Array;
  /** shape: [threads, 2] permutation cursor, local step */
  threads: Float64Array;
}

export interface TrainChunkResult {
  lossSum: number;
  steps: number;
  diverged: boolean;
  divergedStep: number;
}

/** One explicit batch for the gradient contract tests. */
export interface ExplicitBatch {
  /** shape: [B] each */
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  /** shape: [negatives per group * groups] */
  negatives: Int32Array;
  tailSide: boolean;
  /** shape: [B] */
  posWeight?: Float32Array;
  /** the step's dropout draw (an integer below 2^53; entityDropout / relationDropout > 0) */
  dropSeed?: number;
}

/** Dense gradients of every table, added into by Backend.gradients. */
export interface BatchGradients {
  /** shape: [numEntities, entity.raw] */
  entity: Float32Array;
  /** shape: [numRelations, relation.raw] */
  relation: Float32Array;
  entityW?: Float32Array;
  entityB?: Float32Array;
  relationW?: Float32Array;
  relationB?: Float32Array;
}

/** Everything one training run hands its backend; the tables are trained in place. */
export interface TrainJob {
  tables: ModelTables;
  config: TrainConfig;
  data: TrainTriples;
  known: KnownTriples | null;
  counters: TrainCounters;
}

export interface Backend {
  readonly name: BackendName;
  /** what runs the maths, for the log and the run registry (e.g. "native avx512 openblas", "tfjs-node-gpu") */
  readonly device: string;
  /** the config's options this backend cannot honour, as one-line reasons (empty: all supported) */
  unsupported(config: TrainConfig): string[];
  /** runs `steps` steps of `job`, learning rates scaled by `lrScale` (the schedule lives in train/) */
  train(job: TrainJob, steps: number, lrScale: number): Promise<TrainChunkResult>;
  /**
   * Scores queries (kept entity, relation, side) against candidates: shared (k = 0, candidates
   * [N], out [B, N]) or per row (candidates [B, k], out [B, k]). `threads`: host threads the
   * backend may use (native: C++ threads; default 1); a backend without host threads ignores it.
   */
  score(tables: ModelTables, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array, threads?: number): Promise<void>;
  /**
   * loss of one explicit batch; its gradients are added into `out` (no update). `known`: the
   * filtered sampler's adjacency (negatives forming a known triple add nothing), as in training.
   */
  gradients(tables: ModelTables, config: TrainConfig, batch: ExplicitBatch, out: BatchGradients, known?: KnownTriples | null): Promise<number>;
  /** frees what the backend holds on its device */
  dispose(): void;
}
