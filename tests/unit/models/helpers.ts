/** Hand-made models: explicit rows, shallow encoder, scored through the native addon. */
import { nativeScore } from "../../../src/backends/native/binding.js";
import type { ModelTables } from "../../../src/models/model-tables.js";
import { getInteraction } from "../../../src/models/registry.js";
import { createTables } from "../../../src/train/tables.js";
import { tinyConfig, type TinySpec } from "../../contract/fixtures.js";

export function handSpec(model: string, dim: number, block: number, gamma: number, entities: number[][], relations: number[][]): TinySpec {
  const m = getInteraction(model);
  const config = tinyConfig();
  const spec: TinySpec = { ...createTables({ interaction: m, dim, block, gamma, encoder: "shallow", numEntities: entities.length, numRelations: relations.length, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer), config };
  spec.entity.rows.set(entities.flat());
  spec.relation.rows.set(relations.flat());
  return spec;
}

/** Native score of (h, r, t) seen from the tail side (or the head side). */
export function score(spec: ModelTables, h: number, r: number, t: number, tailSide = true): number {
  const out = new Float32Array(1);
  nativeScore(spec, Int32Array.of(tailSide ? h : t), Int32Array.of(r), tailSide, Int32Array.of(tailSide ? t : h), 1, out);
  return out[0]!;
}
