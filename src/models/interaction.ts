/**
 * An interaction (score function) = a relation operator that turns the kept entity of a triple
 * into a query vector for one side, and a comparator that scores the query against candidates
 * (PyTorch-BigGraph's operator x comparator). Distance comparators give score = gamma - distance.
 * The plain-TS functions here are the float64 reference the native kernels are tested against.
 */
import type { Tensor2D } from "@tensorflow/tfjs";
import { KgcError } from "../core/errors.js";
import type { Tf } from "./tf-ops.js";

export type ComparatorName = "dot" | "l1" | "l2" | "modulus" | "block-l2";

export interface ModelShape {
  /** entity width in floats (complex/quaternion models: real numbers, not coordinates) */
  dim: number;
  /** OTE block size; 1 for models without blocks */
  block: number;
  gamma: number;
  /** RotatE: phase = raw * phaseScale */
  phaseScale: number;
}

export interface Interaction {
  /** registry key, also the native kernel's name */
  readonly name: string;
  readonly summary: string;
  readonly comparator: ComparatorName;
  readonly defaults: { gamma: number; block: number };
  /**
   * N3 (1-N training): the planes of a raw row whose per-coordinate modulus is cubed (1 real,
   * 2 complex, 4 quaternion; coordinate i is row[p * width / parts + i]); relation 0: unit-modulus
   * operator, relation rows not regularised. The native kernel's entityParts / relationParts.
   */
  readonly n3Parts: { entity: number; relation: number };
  /** what dim must be a multiple of (2 complex, 4 quaternion, block for OTE) */
  dimMultiple(block: number): number;
  relationWidth(dim: number, block: number): number;
  /** DGL-KE init range epsilon = (gamma + 2) / hidden */
  initRange(gamma: number, dim: number): number;
  /** RotatE's phase scale pi / epsilon; 1 for others */
  phaseScale(gamma: number, dim: number): number;
  /** optional special init of a freshly drawn relation row (OTE: orthonormal blocks) */
  initRelationRow?(row: Float32Array, shape: ModelShape): void;
  /** reference: raw relation row (after the encoder) -> prepared operator. */
  prepare(raw: ArrayLike<number>, shape: ModelShape): Float64Array;
  /** reference: query for the side (tail = true: from the head, compared with tails). shape: [dim] */
  query(e: ArrayLike<number>, prepared: Float64Array, tail: boolean, shape: ModelShape): Float64Array;
  /**
   * tfjs form of the operator: the queries of a batch from the kept entities' rows and the raw
   * (encoded) relation rows, differentiable by tfjs autograd (the tfjs backend and the gradient
   * oracle compare them with the comparator). shape: keep [B, dim], rel [B, relWidth] -> [B, dim]
   */
  tfQuery(tf: Tf, keep: Tensor2D, rel: Tensor2D, tail: boolean, shape: ModelShape): Tensor2D;
}

/** Reference comparator: score of query q against candidate c. */
export function compare(name: ComparatorName, q: ArrayLike<number>, c: ArrayLike<number>, shape: ModelShape): number {
  const d = shape.dim;
  let acc = 0;
  switch (name) {
    case "dot":
      for (let x = 0; x < d; x++) acc += q[x]! * c[x]!;
      return acc;
    case "l1":
      for (let x = 0; x < d; x++) acc += Math.abs(q[x]! - c[x]!);
      return shape.gamma - acc;
    case "l2":
    case "block-l2": {
      const k = name === "l2" ? d : shape.block;
      for (let b = 0; b < d; b += k) {
        let s = 0;
        for (let x = b; x < b + k; x++) s += (q[x]! - c[x]!) ** 2;
        acc += Math.sqrt(s);
      }
      return shape.gamma - acc;
    }
    case "modulus": {
      const k = d / 2;
      for (let x = 0; x < k; x++) acc += Math.hypot(q[x]! - c[x]!, q[k + x]! - c[k + x]!);
      return shape.gamma - acc;
    }
  }
}

/** Reference score of one triple seen from `tail` side: compare(query(keep, r), candidate). */
export function referenceScore(m: Interaction, keep: ArrayLike<number>, relationRaw: ArrayLike<number>, candidate: ArrayLike<number>, tail: boolean, shape: ModelShape): number {
  return compare(m.comparator, m.query(keep, m.prepare(relationRaw, shape), tail, shape), candidate, shape);
}

/** Checks dim and block for a model; throws KgcError naming the field. */
export function checkModelShape(m: Interaction, dim: number, block: number): void {
  if (!Number.isInteger(dim) || dim <= 0) throw new KgcError("dim", `must be a positive integer, got ${dim}`);
  if (!Number.isInteger(block) || block <= 0 || block > 512) throw new KgcError("block", `must be an integer in [1, 512], got ${block}`);
  const mult = m.dimMultiple(block);
  if (dim % mult !== 0) throw new KgcError("dim", `${m.name} needs dim divisible by ${mult}, got ${dim}`);
}

/** Complex product q = e * r (or e * conj(r)) over [re ; im] halves; shared by ComplEx and RotatE. */
export function complexProduct(e: ArrayLike<number>, p: ArrayLike<number>, conj: boolean, k: number): Float64Array {
  const q = new Float64Array(2 * k);
  const sg = conj ? -1 : 1;
  for (let i = 0; i < k; i++) {
    const ri = sg * p[k + i]!;
    q[i] = e[i]! * p[i]! - e[k + i]! * ri;
    q[k + i] = e[i]! * ri + e[k + i]! * p[i]!;
  }
  return q;
}
