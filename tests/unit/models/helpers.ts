/** Hand-made models: explicit rows, shallow encoder, scored through the native addon. */
import { nativeScore, type NativeSpec } from "../../../src/backends/native/binding.js";
import { getInteraction } from "../../../src/models/registry.js";
import { createSpec } from "../../../src/train/tables.js";
import { tinyConfig } from "../../contract/fixtures.js";

export function handSpec(model: string, dim: number, block: number, gamma: number, entities: number[][], relations: number[][]): NativeSpec {
  const m = getInteraction(model);
  const spec = createSpec({ interaction: m, dim, block, gamma, encoder: "shallow", numEntities: entities.length, numRelations: relations.length, entityFeatures: null, relationFeatures: null, seed: 1 }, tinyConfig());
  spec.entity.rows.set(entities.flat());
  spec.relation.rows.set(relations.flat());
  return spec;
}

/** Native score of (h, r, t) seen from the tail side (or the head side). */
export function score(spec: NativeSpec, h: number, r: number, t: number, tailSide = true): number {
  const out = new Float32Array(1);
  nativeScore(spec, Int32Array.of(tailSide ? h : t), Int32Array.of(r), tailSide, Int32Array.of(tailSide ? t : h), 1, out);
  return out[0]!;
}
