/**
 * Out-of-core training (PyTorch-BigGraph / Marius style): entity rows and their optimiser state
 * live in P partition files (partition-store.ts), C of them in memory at a time
 * (partition-buffer.ts); the training triples are bucketed by (head partition, tail partition)
 * on disk (data/edge-buckets.ts) and the buckets are trained in Marius' BETA order
 * (bucket-order.ts). Each bucket's triples are remapped to buffer-local ids and trained by the
 * backend's ordinary train call on the buffer table: same interactions, loss and optimisers as
 * in memory, negatives drawn uniformly from the partitions in memory.
 *
 * Checkpoints are the partition files plus a manifest (copy on write: the previous checkpoint
 * survives a kill -9 at any instant); they are taken between buckets, every checkpointEvery
 * steps or checkpointMinutes, and at the end. --resume continues at the next bucket.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Backend, TrainJob } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { info } from "../core/log.js";
import { startProgress } from "../core/progress.js";
import { Rng } from "../core/rng.js";
import { bucketEdges, existingBuckets, readBucket, type EdgeBucketIndex } from "../data/edge-buckets.js";
import type { TrainConfig } from "../models/config.js";
import type { ModelTables } from "../models/model-tables.js";
import { getInteraction } from "../models/registry.js";
import { betaOrder, countLoads } from "./bucket-order.js";
import { newCounters } from "./checkpoint.js";
import { copyRows, PartitionBuffer, rowFloats } from "./partition-buffer.js";
import type { PartitionPlan } from "./partition-plan.js";
import { PartitionStore, type PartitionIdentity, type PartitionManifest } from "./partition-store.js";
import { lrSchedule } from "./schedule.js";
import { TrainingSteps, type TrainLogRecord, type TrainLoopResult } from "./trainer.js";

export const PARTITIONS_DIR = "partitions";

export interface PartitionedInput {
  outDir: string;
  /** the train split's Arrow file and its triple count */
  trainPath: string;
  numTriples: number;
  /** tables built for C * partSize entity rows (the buffer) and the whole relation table */
  tables: ModelTables;
  config: TrainConfig;
  backend: Backend;
  plan: PartitionPlan;
  identity: PartitionIdentity;
  resume: boolean;
  /** called once the run knows its first step (after a resume has read the checkpoint) */
  onStart?(step: number): void;
  onLog?(record: TrainLogRecord): void;
}

export interface PartitionedResult {
  step: number;
  lastLoss: number;
  posPerSecond: number;
  seconds: number;
  epochs: number;
  loads: number;
  /** ms the training waited for partition swaps */
  swapWaitMs: number;
  buffer: PartitionBuffer;
}

interface Position {
  epoch: number;
  state: number;
  bucket: number;
}

export async function trainPartitioned(o: PartitionedInput): Promise<PartitionedResult> {
  const { config: c, plan, tables } = o;
  const P = plan.partitions, C = plan.buffer, partSize = plan.partSize;
  if (tables.entity.numRows !== C * partSize) throw new KgcError("partitions", `the buffer table has ${tables.entity.numRows} rows, expected ${C * partSize}`);
  const dir = join(o.outDir, PARTITIONS_DIR);
  mkdirSync(dir, { recursive: true });
  const store = new PartitionStore(dir);
  const buffer = new PartitionBuffer(store, tables.entity, partSize, C);
  const relationPacked = new Float32Array(tables.relation.numRows * rowFloats(tables.relation));
  const job: TrainJob = { tables, config: c, known: null, counters: newCounters(c.threads, c.seed), data: { length: 0, head: new Int32Array(0), relation: new Int32Array(0), tail: new Int32Array(0), perm: new Int32Array(0) } };

  let pos: Position = { epoch: 0, state: 0, bucket: 0 };
  if (o.resume) {
    const m = store.resumable(o.identity);
    store.adopt(m);
    store.sweep(m.versions);
    await store.read("relation", relationPacked);
    copyRows(tables.relation, 0, tables.relation.numRows, relationPacked, false);
    job.counters.global.set(m.global);
    if (m.threads === c.threads) job.counters.rng.set(m.rng.map((s) => BigInt(s)));
    pos = { epoch: m.epoch, state: m.state, bucket: m.bucket };
    info(`resuming out-of-core run from step ${m.step} (epoch ${m.epoch}, buffer state ${m.state}, bucket ${m.bucket})`);
  } else {
    await initialisePartitions(buffer, P, c.seed, getInteraction(c.model).initRange(c.gamma, c.dim));
    copyRows(tables.relation, 0, tables.relation.numRows, relationPacked, true);
    await store.write("relation", relationPacked);
  }

  o.onStart?.(job.counters.global[0]!);
  const index = await edgeBuckets(o, dir);
  const states = betaOrder(P, C);
  info(`out of core: ${P} partitions of ${partSize.toLocaleString("en-US")} entities (${(plan.partBytes / 1e6).toFixed(1)} MB each), buffer of ${C}; BETA order: ${states.length} buffer states, ${countLoads(states)} partition loads per epoch`);

  const checkpoint = async (at: Position): Promise<void> => {
    await buffer.flush();
    copyRows(tables.relation, 0, tables.relation.numRows, relationPacked, true);
    await store.write("relation", relationPacked);
    const manifest: Omit<PartitionManifest, "versions" | "format"> = {
      ...o.identity, step: job.counters.global[0]!, global: Array.from(job.counters.global), rng: Array.from(job.counters.rng, (v) => v.toString()),
      threads: c.threads, epoch: at.epoch, state: at.state, bucket: at.bucket,
    };
    store.commit(manifest);
  };

  const steps = new TrainingSteps({
    backend: o.backend, job, stopStep: c.steps ?? null, budgetMs: c.minutes !== undefined ? c.minutes * 60000 : null, lrSchedule: lrSchedule(c),
    logEvery: c.logEvery, label: `train ${c.model} (out of core)`, ...(o.onLog ? { onLog: o.onLog } : {}),
  });
  let lastCheckpoint = performance.now(), lastCheckpointStep = steps.step;
  let result: TrainLoopResult;
  const fd = openSync(`${join(dir, `edges-P${P}`)}.bin`, "r");
  try {
    outer: for (;;) {
      for (let k = pos.state; k < states.length; k++) {
        if (steps.done()) break outer;
        const st = states[k]!;
        await buffer.enter(st.slots);
        buffer.startPrefetch(states[(k + 1) % states.length]!.slots);
        for (let b = pos.bucket; b < st.buckets.length; b++) {
          if (steps.done()) {
            pos = { epoch: pos.epoch, state: k, bucket: b };
            break outer;
          }
          const [i, j] = st.buckets[b]!;
          setBucket(job, readBucket(fd, index, i, j), buffer, i, j);
          let left = job.data.length === 0 ? 0 : Math.max(1, Math.round(job.data.length / c.batch)); // an epoch: ~n / B steps, as in memory
          while (left > 0 && !steps.done()) left -= await steps.advance(left, { epoch: pos.epoch });
          const now = steps.step;
          const due = (c.checkpointEvery > 0 && now - lastCheckpointStep >= c.checkpointEvery) || (c.checkpointMinutes > 0 && performance.now() - lastCheckpoint >= c.checkpointMinutes * 60000);
          if (due) {
            await checkpoint({ epoch: pos.epoch, state: k, bucket: b + 1 });
            lastCheckpoint = performance.now();
            lastCheckpointStep = now;
          }
        }
        pos = { epoch: pos.epoch, state: k + 1, bucket: 0 };
      }
      pos = { epoch: pos.epoch + 1, state: 0, bucket: 0 };
    }
    await checkpoint(pos);
  } finally {
    closeSync(fd);
    result = steps.finish();
    await buffer.settle().catch(() => undefined);
  }
  return { ...result, epochs: pos.epoch + pos.state / states.length, loads: buffer.loads, swapWaitMs: buffer.waitMs, buffer };
}

/** Writes every partition's fresh rows (uniform in ±range, seeded per partition) as its first version. */
async function initialisePartitions(buffer: PartitionBuffer, P: number, seed: number, range: number): Promise<void> {
  const progress = startProgress("initialise partitions", P, "partitions");
  try {
    for (let p = 0; p < P; p++) {
      const rng = new Rng(seed * 1000003 + p + 1);
      await buffer.writeInitial(p, (rows) => {
        for (let x = 0; x < rows.length; x++) rows[x] = (rng.next() * 2 - 1) * range;
      });
      progress.update(p + 1);
    }
  } finally {
    progress.stop();
  }
}

async function edgeBuckets(o: PartitionedInput, dir: string): Promise<EdgeBucketIndex> {
  const spec = { partitions: o.plan.partitions, partSize: o.plan.partSize, numEntities: o.identity.numEntities, numTriples: o.numTriples, source: o.identity.fingerprint };
  const base = join(dir, `edges-P${o.plan.partitions}`);
  return existingBuckets(base, spec) ?? (await bucketEdges(o.trainPath, base, spec));
}

/** Points the job at bucket (i, j)'s triples, remapped to buffer-local ids, with a fresh permutation. */
function setBucket(job: TrainJob, hrt: Int32Array, buffer: PartitionBuffer, i: number, j: number): void {
  const n = hrt.length / 3, ps = buffer.partSize;
  const dh = buffer.slotOf(i) * ps - i * ps, dt = buffer.slotOf(j) * ps - j * ps;
  const head = new Int32Array(n), relation = new Int32Array(n), tail = new Int32Array(n);
  for (let e = 0; e < n; e++) {
    head[e] = hrt[3 * e]! + dh;
    relation[e] = hrt[3 * e + 1]!;
    tail[e] = hrt[3 * e + 2]! + dt;
  }
  job.data = { length: n, head, relation, tail, perm: Int32Array.from({ length: n }, (_, k) => k) };
  job.counters.threads.fill(0);
  for (let t = 0; t < job.counters.threads.length; t += 2) job.counters.threads[t] = -1; // cursor -1: shuffle first
}
