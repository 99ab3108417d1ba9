/**
 * A model's tables, backend-neutral: plain typed arrays in host memory that every backend trains
 * in place (the native engine through zero-copy pointers, tfjs by gathering the batch's rows and
 * scattering their updates back: DGL-KE's mix_cpu_gpu), so checkpoints and model folders are the
 * same whichever backend wrote them.
 */
import { KgcError } from "../core/errors.js";

/**
 * One encoder's tables. shape: rows [numRows, raw], state [numRows] (row-wise Adagrad); rowM, rowV
 * [numRows, raw] (lazy row Adam moments, when the config's optimizer is adam); concat encoder
 * x = W [feat ; row] + b: W [out, featDim + raw], b [out] with their Adam moments mW, vW, mb, vb.
 */
export interface EncoderTables {
  numRows: number;
  raw: number;
  concat: boolean;
  /** empty when `mapped` holds the rows */
  rows: Float32Array;
  /**
   * The rows as float32 inside a memory-mapped file (the addon's mapping behind a handle, of any
   * size: an ArrayBuffer stops at 4 GiB in Node 20; the page cache, not the process, holds the
   * pages): a trained table scored where it does not fit in memory. Scoring only: `rows` and
   * `state` are empty and no backend trains such a table.
   */
  mapped?: MappedRows;
  state: Float32Array;
  rowM?: Float32Array;
  rowV?: Float32Array;
  featDim?: number;
  /** shape: [numRows, featDim]; float16 bits (Uint16Array) or float32, in memory or mapped */
  feat?: FeatureMatrix;
  W?: Float32Array;
  b?: Float32Array;
  mW?: Float32Array;
  vW?: Float32Array;
  mb?: Float32Array;
  vb?: Float32Array;
}

/** Shape of the interaction plus both encoders' tables. */
export interface ModelTables {
  model: string;
  dim: number;
  block: number;
  gamma: number;
  /** RotatE: phase = raw * phaseScale; 1 for the others */
  phaseScale: number;
  entity: EncoderTables;
  relation: EncoderTables;
  /**
   * reciprocal relations: the relation table holds 2R rows, r + R the inverse of r, and a head
   * query (?, r, t) is scored as the tail query (t, r + R, ?) (src/backends/reciprocal-scoring.ts)
   */
  reciprocal?: boolean;
}

/** A file the addon mapped (`file`: an opaque handle, unmapped when collected) and its size. */
export interface MappedFile {
  file: unknown;
  byteLength: number;
}

/** float32 rows [numRows, raw] at `byteOffset` of a mapped file. */
export interface MappedRows extends MappedFile {
  byteOffset: number;
}

/**
 * A frozen feature matrix inside a mapped file (any size: WikiKG90M's fp16 entity features are
 * 134 GB), the kernels gathering the rows they use straight from the mapping.
 */
export interface MappedFeatures extends MappedFile {
  byteOffset: number;
  dtype: "float16" | "float32";
  /** values in the matrix (rows x dim), as a typed array's length */
  length: number;
}

/** A frozen feature matrix: float16 bits (Uint16Array) or float32 in memory, or mapped. */
export type FeatureMatrix = Uint16Array | Float32Array | MappedFeatures;

/** The features as a typed array, for code that cannot read a mapping (`user` names it in the error). */
export function featureArray(feat: FeatureMatrix, user: string): Uint16Array | Float32Array {
  if (ArrayBuffer.isView(feat)) return feat;
  throw new KgcError("features", `${user} needs the features in memory; these ${feat.byteLength} bytes are memory-mapped (use the native backend)`);
}
