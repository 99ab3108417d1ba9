/** Tiny random models shared by the contract tests. */
import type { KnownTriples, TrainTriples } from "../../src/backends/index.js";
import { Rng } from "../../src/core/rng.js";
import { float16ToFloat32, float32ToFloat16 } from "../../src/io/float16.js";
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from "../../src/models/config.js";
import type { Interaction } from "../../src/models/interaction.js";
import { featureArray, type ModelTables } from "../../src/models/model-tables.js";
import type { ReferenceEncoder } from "../../src/models/reference.js";
import { createTables, type EncoderKind } from "../../src/train/tables.js";

/** A small config through the schema (its defaults and checks), batch 4 x 5 negatives. */
export const tinyConfig = (over: Partial<TrainConfigInput> = {}): TrainConfig =>
  parseTrainConfig({ model: "transe-l2", steps: 1, threads: 1, batch: 4, negatives: 5, lr: 0.1, denseLr: 1e-3, ...over }, "tinyConfig");

/** Tables with the config they train under and, when a test sets them, the triples and known adjacency. */
export interface TinySpec extends ModelTables {
  config: TrainConfig;
  data?: TrainTriples;
  known?: KnownTriples;
}

/** dim / block small but valid for every model (QuatE needs dim % 4, OTE dim % block). */
export function tinyShape(m: Interaction): { dim: number; block: number } {
  return m.comparator === "block-l2" ? { dim: 8, block: 4 } : { dim: 8, block: 1 };
}

/**
 * Wide enough to cross the SIMD kernels' edges: dim 44 leaves a partial vector after full ones at
 * 8 and 16 lanes (RotatE's 22 complex coordinates too); with batch 7 x negatives 70 (see
 * tinyConfig's fields) a batch has whole query tiles and left-over rows, and more candidates than
 * one candidate block.
 */
export function wideShape(m: Interaction): { dim: number; block: number } {
  return { dim: 44, block: m.comparator === "block-l2" ? 4 : 1 };
}

/** Both corruption sides at the tiny and the wide shape, each with the words a test title names it by. */
export const sideAndWidthCases = [true, false].flatMap((tailSide) => [false, true].map((wide) => ({
  tailSide, wide, label: `${tailSide ? "tail" : "head"} side${wide ? ", wide (dim 44, B 7, N 70)" : ""}`,
})));

export function tinySpec(m: Interaction, encoder: EncoderKind, seed: number, over: Partial<TrainConfigInput> = {}, numEntities = 10, numRelations = 3,
  { dim, block } = tinyShape(m)): TinySpec {
  const rng = new Rng(seed + 1000);
  const feat = (rows: number, d: number): { data: Uint16Array; dim: number } => {
    const f = new Float32Array(rows * d).map(() => rng.normal() * 0.5);
    return { data: float32ToFloat16(f), dim: d };
  };
  const config = tinyConfig(over);
  const spec: TinySpec = {
    ...createTables({
      interaction: m, dim, block, gamma: m.comparator === "dot" ? 1 : 6, encoder, numEntities, numRelations,
      entityFeatures: encoder === "concat" ? feat(numEntities, 6) : null,
      relationFeatures: encoder === "concat" ? feat(numRelations, 5) : null, seed,
    }, config.optimizer),
    config,
  };
  // gamma (the init range, and the margin of the distance models) and this jitter put the scores where
  // both the positive and the negative loss terms carry gradients the finite differences can check
  for (const e of [spec.entity, spec.relation]) for (let i = 0; i < e.rows.length; i++) e.rows[i] = e.rows[i]! + rng.normal() * 0.3;
  return spec;
}

export function referenceEncoders(spec: ModelTables): { ent: ReferenceEncoder; rel: ReferenceEncoder } {
  const conv = (e: ModelTables["entity"]): ReferenceEncoder => {
    const r: ReferenceEncoder = { rows: Float64Array.from(e.rows), raw: e.raw };
    if (!e.concat) return r;
    const feat = featureArray(e.feat!, "the float64 reference");
    const f = new Float32Array(feat.length);
    if (feat instanceof Uint16Array) float16ToFloat32(feat, f);
    else f.set(feat);
    return { ...r, feat: Float64Array.from(f), featDim: e.featDim!, W: Float64Array.from(e.W!), b: Float64Array.from(e.b!) };
  };
  return { ent: conv(spec.entity), rel: conv(spec.relation) };
}

export function randomIds(rng: Rng, n: number, limit: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(limit));
}
