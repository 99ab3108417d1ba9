/**
 * One batch on the device: its unique rows gathered from the host tables and uploaded, the loss
 * and gradients computed by batch-gradients.ts (dense W, b from the resident DeviceDense), and
 * the row gradients downloaded for the host-side sparse update. Dispatch and download are apart
 * so the caller can prepare the next batch while an asynchronous device (tfjs-node-gpu) computes.
 */
import type { Tensor } from "@tensorflow/tfjs";
import type { TrainConfig } from "../../models/config.js";
import type { EncoderTables, ModelTables } from "../../models/model-tables.js";
import { getInteraction } from "../../models/registry.js";
import { batchGradients, type DeviceGradients, type EncoderBatch } from "./batch-gradients.js";
import type { BatchLayout } from "./batch-layout.js";
import type { DeviceDense } from "./dense-adam.js";
import { gatherFeatures, gatherRows } from "./host-rows.js";
import { tfScore } from "./score.js";
import type { Tf } from "./load.js";

export interface DenseOnDevice {
  entity: DeviceDense | null;
  relation: DeviceDense | null;
}

export interface HostGradients {
  loss: number;
  /** shape: [U, entity.raw] rows of layout.uEnt; [Ur, relation.raw] rows of layout.uRel */
  entityRows: Float32Array;
  relationRows: Float32Array;
}

function encoderBatch(tf: Tf, e: EncoderTables, ids: Int32Array, dense: DeviceDense | null): EncoderBatch {
  const rows = tf.tensor2d(gatherRows(e.rows, e.raw, ids), [ids.length, e.raw]);
  if (!dense) return { rows };
  return { rows, feat: tf.tensor2d(gatherFeatures(e, ids), [ids.length, e.featDim!]), W: dense.W as EncoderBatch["rows"], b: dense.b as NonNullable<EncoderBatch["b"]> };
}

/** Gathers, uploads and runs the batch; the returned tensors belong to the caller. */
export function dispatchBatch(tf: Tf, tables: ModelTables, config: TrainConfig, layout: BatchLayout, dense: DenseOnDevice): DeviceGradients {
  const score = tfScore(getInteraction(tables.model));
  const shape = { dim: tables.dim, block: tables.block, gamma: tables.gamma, phaseScale: tables.phaseScale };
  return tf.tidy(() => batchGradients(tf, score, shape, config, layout,
    encoderBatch(tf, tables.entity, layout.uEnt, dense.entity), encoderBatch(tf, tables.relation, layout.uRel, dense.relation)) as unknown as Record<string, Tensor>) as unknown as DeviceGradients;
}

/** Waits for the device and brings the loss and row gradients to the host (and frees them there). */
export async function downloadGradients(g: DeviceGradients): Promise<HostGradients> {
  const [loss, entityRows, relationRows] = await Promise.all([g.loss.data(), g.entityRows.data(), g.relationRows.data()]);
  for (const t of [g.loss, g.entityRows, g.relationRows]) t.dispose();
  return { loss: loss[0]!, entityRows: entityRows as Float32Array, relationRows: relationRows as Float32Array };
}
