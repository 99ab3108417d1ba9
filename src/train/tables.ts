/**
 * Model tables: allocation and initialisation of the learned rows, optimizer state (Adagrad row
 * state; row Adam moments when the rows use Adam) and encoder
 * weights, as the backend-neutral ModelTables every backend trains in place (DGL-KE init: rows ~ U(-eps, eps),
 * eps = (gamma + 2) / hidden; Adagrad state adagradInit, default 0; concat encoder W Xavier-uniform, b ~ U(+-1/sqrt(fan_in))).
 */
import { KgcError } from "../core/errors.js";
import { Rng } from "../core/rng.js";
import type { TrainConfig } from "../models/config.js";
import type { Interaction, ModelShape } from "../models/interaction.js";
import { checkModelShape } from "../models/interaction.js";
import type { EncoderTables, MappedRows, ModelTables } from "../models/model-tables.js";
import type { Features } from "./frozen-features.js";

export type EncoderKind = "shallow" | "concat";

export interface TableOptions {
  interaction: Interaction;
  dim: number;
  block: number;
  gamma: number;
  encoder: EncoderKind;
  numEntities: number;
  numRelations: number;
  entityFeatures: Features | null;
  relationFeatures: Features | null;
  /** seed of the initialisation; null: allocate only, for tables a trained model's files fill */
  seed: number | null;
  /** a trained entity table mapped from its file (scoring): its rows and state are not allocated */
  mappedEntities?: MappedRows | null;
  /** initial Adagrad state of every row (default 0) */
  adagradInit?: number | undefined;
}

export function modelShape(o: Pick<TableOptions, "interaction" | "dim" | "block" | "gamma">): ModelShape {
  checkModelShape(o.interaction, o.dim, o.block);
  return { dim: o.dim, block: o.block, gamma: o.gamma, phaseScale: o.interaction.phaseScale(o.gamma, o.dim) };
}

function uniform(rng: Rng | null, a: Float32Array, range: number): void {
  if (rng) for (let i = 0; i < a.length; i++) a[i] = (rng.next() * 2 - 1) * range;
}

function encoder(what: string, rng: Rng | null, rows: number, raw: number, out: number, concat: boolean, feat: Features | null, range: number, state0: number, mapped: MappedRows | null): EncoderTables {
  if (concat && !feat) throw new KgcError(`${what} features`, "the concat encoder needs features but the dataset has none");
  const e: EncoderTables = mapped
    ? { numRows: rows, raw, concat, rows: new Float32Array(0), state: new Float32Array(0), mapped }
    : { numRows: rows, raw, concat, rows: new Float32Array(rows * raw), state: new Float32Array(rows).fill(state0) };
  uniform(rng, e.rows, range);
  if (!concat || !feat) return e;
  if (feat.data.length !== rows * feat.dim) throw new KgcError(`${what} features`, `expected ${rows} x ${feat.dim} values, got ${feat.data.length}`);
  const inW = feat.dim + raw;
  e.featDim = feat.dim;
  e.feat = feat.data;
  e.W = new Float32Array(out * inW);
  uniform(rng, e.W, Math.sqrt(6 / (inW + out)));
  e.b = new Float32Array(out);
  uniform(rng, e.b, 1 / Math.sqrt(inW));
  e.mW = new Float32Array(out * inW);
  e.vW = new Float32Array(out * inW);
  e.mb = new Float32Array(out);
  e.vb = new Float32Array(out);
  return e;
}

/** Allocates and initialises every table of a model (row Adam moments for optimizer "adam"). */
export function createTables(o: TableOptions, optimizer: TrainConfig["optimizer"]): ModelTables {
  const shape = modelShape(o);
  const rng = o.seed === null ? null : new Rng(o.seed);
  const eps = o.interaction.initRange(o.gamma, o.dim);
  const state0 = o.adagradInit ?? 0;
  const relWidth = o.interaction.relationWidth(o.dim, o.block);
  const concat = o.encoder === "concat";
  const entity = encoder("entity", rng, o.numEntities, o.dim, o.dim, concat, o.entityFeatures, eps, state0, o.mappedEntities ?? null);
  const relation = encoder("relation", rng, o.numRelations, relWidth, relWidth, concat, o.relationFeatures, eps, state0, null);
  if (optimizer === "adam") {
    for (const e of [entity, relation]) {
      e.rowM = new Float32Array(e.rows.length);
      e.rowV = new Float32Array(e.rows.length);
    }
  }
  if (rng && o.interaction.initRelationRow) {
    for (let r = 0; r < o.numRelations; r++) o.interaction.initRelationRow(relation.rows.subarray(r * relWidth, (r + 1) * relWidth), shape);
  }
  return { model: o.interaction.name, dim: o.dim, block: o.block, gamma: o.gamma, phaseScale: shape.phaseScale, entity, relation };
}
