/**
 * The tfjs Backend (src/backends/backend.ts): the native engine's training recipe in TensorFlow.js
 * ops with autograd, DGL-KE "mix_cpu_gpu" layout. The embedding tables and their optimiser state
 * stay in the host ModelTables (the same arrays the native backend trains, so checkpoints and
 * model folders are interchangeable); each step gathers the batch's unique rows, computes loss and
 * gradients on the device, and scatters row-wise Adagrad / lazy Adam updates back on the host. The
 * concat encoder's W and b stay on the device with Adam during a train() call.
 *
 * One stream: it samples as the native engine's thread 0 with one thread (sampler.ts), so a run
 * with threads = 1 draws the same batches on both backends; config.threads (Hogwild threads) does
 * not apply. While the device computes a step, the host samples and lays out the next batch; its
 * rows are gathered after the update, so no row is read stale.
 */
import type { Tensor2D } from "@tensorflow/tfjs";
import { KgcError } from "../../core/errors.js";
import type { TrainConfig } from "../../models/config.js";
import type { EncoderTables, ModelTables } from "../../models/model-tables.js";
import type { Backend, BatchGradients, ExplicitBatch, KnownTriples, TrainChunkResult, TrainJob } from "../backend.js";
import { negativeCount } from "../../models/config.js";
import { getInteraction } from "../../models/registry.js";
import { checkIds } from "../checks.js";
import type { DeviceGradients } from "./batch-gradients.js";
import { layoutBatch, type BatchLayout } from "./batch-layout.js";
import { DeviceDense } from "./dense-adam.js";
import { gatherFeatures, gatherRows } from "./host-rows.js";
import { tfScore } from "./score.js";
import { loadTfjs, type Tf } from "./load.js";
import { isOutOfMemory, outOfMemoryError } from "./out-of-memory.js";
import { updateRows } from "./row-optimizer.js";
import { BatchSampler } from "./sampler.js";
import { dispatchBatch, downloadGradients, type DenseOnDevice, type HostGradients } from "./step.js";

export async function createTfjsBackend(): Promise<Backend> {
  const { tf, flavour } = await loadTfjs();
  return new TfjsBackend(tf, flavour);
}

function uploadDense(tf: Tf, tables: ModelTables): DenseOnDevice {
  return {
    entity: tables.entity.concat ? new DeviceDense(tf, tables.entity) : null,
    relation: tables.relation.concat ? new DeviceDense(tf, tables.relation) : null,
  };
}

function disposeDenseGradients(g: DeviceGradients): void {
  for (const t of [g.entityW, g.entityB, g.relationW, g.relationB]) t?.dispose();
}

function disposeDense(d: DenseOnDevice): void {
  d.entity?.dispose();
  d.relation?.dispose();
}

class TfjsBackend implements Backend {
  readonly name = "tfjs" as const;

  constructor(private readonly tf: Tf, readonly device: string) {}

  unsupported(config: TrainConfig): string[] {
    const reasons: string[] = []; // every interaction carries its tfjs form (Interaction.tfQuery)
    if (config.training !== "negatives") reasons.push(`training ${config.training} is native only (tfjs trains shared negatives)`);
    if (config.reciprocal) reasons.push("reciprocal relations are native only");
    if (config.entityDropout > 0 || config.relationDropout > 0) reasons.push("dropout is native only");
    return reasons;
  }

  async train(job: TrainJob, steps: number, lrScale: number): Promise<TrainChunkResult> {
    const { tables, config, counters } = job;
    const sampler = new BatchSampler(job.data, counters, config, tables.entity.numRows);
    const dense = uploadDense(this.tf, tables);
    const result: TrainChunkResult = { lossSum: 0, steps: 0, diverged: false, divergedStep: -1 };
    try {
      let layout = steps > 0 ? layoutBatch(sampler.next(), config, job.known) : null;
      for (let s = 0; s < steps; s++) {
        const step = counters.global[0]!;
        let grads: HostGradients;
        try {
          const device = dispatchBatch(this.tf, tables, config, layout!, dense);
          // the next batch's sampling and layout overlap the device's work on this one
          const next = s + 1 < steps ? layoutBatch(sampler.next(), config, job.known) : null;
          grads = await downloadGradients(device);
          const current = layout!;
          layout = next;
          if (!Number.isFinite(grads.loss)) {
            disposeDenseGradients(device);
            result.diverged = true;
            result.divergedStep = step;
            break;
          }
          dense.entity?.update(device.entityW!, device.entityB!, config.denseLr * lrScale, step);
          dense.relation?.update(device.relationW!, device.relationB!, config.denseLr * lrScale, step);
          disposeDenseGradients(device);
          updateRows(tables.entity, current.uEnt, grads.entityRows, config.optimizer === "adam", config.lr * lrScale, step);
          updateRows(tables.relation, current.uRel, grads.relationRows, config.optimizer === "adam", config.lr * lrScale, step);
        } catch (err) {
          if (isOutOfMemory(err)) throw await outOfMemoryError(err as Error, config.batch, this.device, (b) => this.tryBatch(job, b));
          throw err;
        }
        result.lossSum += grads.loss;
        result.steps++;
        counters.global[0] = step + 1;
        counters.global[1] = counters.global[1]! + 1;
      }
    } finally {
      dense.entity?.download();
      dense.relation?.download();
      disposeDense(dense);
    }
    return result;
  }

  /** One forward/backward with batch b from the job's triples (no update): the OOM probe. */
  private async tryBatch(job: TrainJob, b: number): Promise<void> {
    const n = Math.min(b, job.data.length), ids = job.data.perm.subarray(0, n);
    const pick = (col: Int32Array): Int32Array => Int32Array.from(ids, (e) => col[e]!);
    const config = { ...job.config, batch: n };
    const negatives = new Int32Array(negativeCount(config)).map((_, j) => j % job.tables.entity.numRows);
    const layout = layoutBatch({ head: pick(job.data.head), relation: pick(job.data.relation), tail: pick(job.data.tail), negatives, tailSide: true }, config, null);
    const dense = uploadDense(this.tf, job.tables);
    try {
      const g = dispatchBatch(this.tf, job.tables, config, layout, dense);
      await downloadGradients(g);
      disposeDenseGradients(g);
    } finally {
      disposeDense(dense);
    }
  }

  async score(tables: ModelTables, keep: Int32Array, relation: Int32Array, tailSide: boolean, candidates: Int32Array, k: number, out: Float32Array): Promise<void> {
    const tf = this.tf, B = keep.length;
    checkIds(keep, B, tables.entity.numRows, "keep");
    checkIds(relation, B, tables.relation.numRows, "relation");
    checkIds(candidates, candidates.length, tables.entity.numRows, "candidates");
    if (k > 0 && candidates.length !== B * k) throw new KgcError("candidates", `must hold B*k = ${B * k} ids`);
    const N = k > 0 ? k : candidates.length;
    if (out.length < B * N) throw new KgcError("out", `has ${out.length} elements, needs ${B * N}`);
    const score = tfScore(getInteraction(tables.model));
    const shape = { dim: tables.dim, block: tables.block, gamma: tables.gamma, phaseScale: tables.phaseScale };
    const dense = uploadDense(tf, tables);
    try {
      const encode = (e: EncoderTables, d: DeviceDense | null, ids: Int32Array): Tensor2D => {
        const rows = tf.tensor2d(gatherRows(e.rows, e.raw, ids), [ids.length, e.raw]);
        if (!d) return rows;
        const z = tf.concat([tf.tensor2d(gatherFeatures(e, ids), [ids.length, e.featDim!]), rows], 1);
        return tf.add(tf.matMul(z, d.W as Tensor2D, false, true), d.b) as Tensor2D;
      };
      // shared candidates: query rows in chunks; per-row candidates: one query row at a time
      const rows = k > 0 ? 1 : Math.max(1, Math.floor(2 ** 23 / (N * tables.dim)));
      const shared = k > 0 ? null : tf.tidy(() => encode(tables.entity, dense.entity, candidates));
      for (let i0 = 0; i0 < B; i0 += rows) {
        const c = Math.min(rows, B - i0);
        const s = tf.tidy(() => {
          const q = encode(tables.entity, dense.entity, keep.subarray(i0, i0 + c));
          const r = encode(tables.relation, dense.relation, relation.subarray(i0, i0 + c));
          return score(tf, q, r, shared ?? encode(tables.entity, dense.entity, candidates.subarray(i0 * k, (i0 + 1) * k)), tailSide, shape);
        });
        out.set(await s.data(), i0 * N);
        s.dispose();
      }
      shared?.dispose();
    } finally {
      disposeDense(dense);
    }
  }

  async gradients(tables: ModelTables, config: TrainConfig, batch: ExplicitBatch, out: BatchGradients, known: KnownTriples | null = null): Promise<number> {
    const B = config.batch;
    checkIds(batch.head, B, tables.entity.numRows, "batch.head");
    checkIds(batch.tail, B, tables.entity.numRows, "batch.tail");
    checkIds(batch.relation, B, tables.relation.numRows, "batch.relation");
    checkIds(batch.negatives, negativeCount(config), tables.entity.numRows, "batch.negatives");
    const layout: BatchLayout = layoutBatch(batch, config, known);
    const dense = uploadDense(this.tf, tables);
    try {
      const g = dispatchBatch(this.tf, tables, config, layout, dense);
      const host = await downloadGradients(g);
      const scatter = (dst: Float32Array, ids: Int32Array, src: Float32Array, w: number): void => {
        for (let u = 0; u < ids.length; u++) for (let x = 0; x < w; x++) dst[ids[u]! * w + x] += src[u * w + x]!;
      };
      scatter(out.entity, layout.uEnt, host.entityRows, tables.entity.raw);
      scatter(out.relation, layout.uRel, host.relationRows, tables.relation.raw);
      for (const [key, t] of [["entityW", g.entityW], ["entityB", g.entityB], ["relationW", g.relationW], ["relationB", g.relationB]] as const) {
        if (!t) continue;
        const v = await t.data();
        const dst = out[key];
        if (!dst) throw new KgcError(`out.${key}`, "missing for a concat encoder");
        for (let x = 0; x < v.length; x++) dst[x] += v[x]!;
        t.dispose();
      }
      return host.loss;
    } finally {
      disposeDense(dense);
    }
  }

  /** Nothing stays on the device between calls (dense weights live there only during train()). */
  dispose(): void {}
}
