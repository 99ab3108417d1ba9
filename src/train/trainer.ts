/**
 * The training loop around a backend: runs steps in chunks off the main thread (so the
 * progress bar keeps drawing), stops at the step or time budget, scales the learning rates by
 * their schedule (schedule.ts), validates and checkpoints at their intervals (checkpoints by
 * steps and by minutes, whichever comes first), and stops on divergence (NaN/Inf loss or
 * weights) without checkpointing the broken state. Works on a TrainJob (tables, config, triples,
 * counters), so tests drive it with generated triples.
 */
import type { Backend, TrainJob } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import type { ModelTables } from "../models/model-tables.js";
import { bindSchedule, type LrSchedule } from "./schedule.js";

export interface TrainLoopOptions {
  backend: Backend;
  job: TrainJob;
  /** absolute step to stop at (null: time budget only) */
  stopStep: number | null;
  /** wall-clock budget in ms from the start of this loop (null: steps only) */
  budgetMs: number | null;
  /** how the config's lr and denseLr change during the run (null: constant) */
  lrSchedule?: LrSchedule | null;
  checkpointEvery: number;
  /** wall-clock ms between checkpoints as well (0 or absent: by steps only) */
  checkpointMs?: number;
  validEvery: number;
  logEvery: number;
  label: string;
  onLog?(record: TrainLogRecord): void;
  onValidate?(step: number): Promise<Record<string, number>> | Record<string, number>;
  onCheckpoint?(step: number): Promise<void> | void;
}

export interface TrainLogRecord {
  step: number;
  loss: number;
  posPerSecond: number;
  seconds: number;
}

export interface TrainLoopResult {
  step: number;
  lastLoss: number;
  seconds: number;
  posPerSecond: number;
}

function nextBoundary(step: number, every: number): number {
  return every > 0 ? (Math.floor(step / every) + 1) * every : Number.POSITIVE_INFINITY;
}

/** True when any value is NaN or infinite. */
export function hasNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return true;
  return false;
}

function tablesFinite(t: ModelTables): boolean {
  for (const e of [t.entity, t.relation]) {
    if (hasNonFinite(e.rows)) return false;
    if (e.W && (hasNonFinite(e.W) || hasNonFinite(e.b!))) return false;
  }
  return true;
}

export async function runTrainingLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const { counters, tables } = o.job;
  const threads = o.job.config.threads;
  const started = performance.now();
  const startStep = counters.global[0]!;
  const budgetS = o.budgetMs === null ? null : o.budgetMs / 1000;
  const progress = o.stopStep !== null
    ? startProgress(o.label, o.stopStep, "steps")
    : startProgress(o.label, Math.round(budgetS ?? 0), "s");
  let chunk = threads * 2;
  let lossSum = 0, lossSteps = 0, lastLoss = Number.NaN;
  let windowStart = performance.now(), windowSteps = 0;
  const B = o.job.config.batch;
  const schedule = bindSchedule(o.lrSchedule ?? null, o.stopStep, budgetS);
  let lastCheckpoint = performance.now();
  try {
    for (;;) {
      const step = counters.global[0]!;
      const elapsed = (performance.now() - started) / 1000;
      if (o.stopStep !== null && step >= o.stopStep) break;
      if (budgetS !== null && elapsed >= budgetS) break;
      const scale = schedule.scale(step, elapsed);
      const scheduleBoundary = schedule.nextBoundary(step);
      const limit = Math.min(o.stopStep ?? Number.POSITIVE_INFINITY, scheduleBoundary, nextBoundary(step, o.checkpointEvery), nextBoundary(step, o.validEvery), nextBoundary(step, o.logEvery));
      const n = Math.max(1, Math.min(chunk, limit - step));
      const t0 = performance.now();
      const r = await o.backend.train(o.job, n, scale);
      const dt = (performance.now() - t0) / 1000;
      // aim at ~0.3 s per native call: long enough to amortise thread start, short enough to redraw
      chunk = Math.max(threads, Math.min(100000, Math.round((r.steps / Math.max(dt, 1e-3)) * 0.3)));
      if (r.diverged) {
        throw new KgcError("training", `loss became NaN or infinite at step ${r.divergedStep}; stopped (the last checkpoint is the last good state). Try a lower lr or gamma.`);
      }
      lossSum += r.lossSum;
      lossSteps += r.steps;
      windowSteps += r.steps;
      const now = counters.global[0]!;
      if (now % o.logEvery === 0 || (o.stopStep !== null && now >= o.stopStep)) {
        const seconds = (performance.now() - windowStart) / 1000;
        lastLoss = lossSum / Math.max(lossSteps, 1);
        const rec: TrainLogRecord = { step: now, loss: lastLoss, posPerSecond: (windowSteps * B) / Math.max(seconds, 1e-9), seconds: (performance.now() - started) / 1000 };
        o.onLog?.(rec);
        lossSum = 0;
        lossSteps = 0;
        windowSteps = 0;
        windowStart = performance.now();
        const fields = { loss: lastLoss.toFixed(4), "pos/s": Math.round(rec.posPerSecond) };
        progress.update(o.stopStep !== null ? now : Math.min(Math.round(rec.seconds), Math.round(budgetS ?? 0)), fields);
      }
      if (o.validEvery > 0 && now % o.validEvery === 0 && o.onValidate) await o.onValidate(now);
      const byStep = o.checkpointEvery > 0 && now % o.checkpointEvery === 0;
      const byTime = (o.checkpointMs ?? 0) > 0 && performance.now() - lastCheckpoint >= o.checkpointMs!;
      if ((byStep || byTime) && o.onCheckpoint) {
        if (!tablesFinite(tables)) throw new KgcError("training", `weights became NaN or infinite by step ${now}; stopped before checkpointing them`);
        await o.onCheckpoint(now);
        lastCheckpoint = performance.now();
      }
    }
  } finally {
    progress.stop();
  }
  if (lossSteps > 0) lastLoss = lossSum / lossSteps;
  if (!tablesFinite(tables)) throw new KgcError("training", "weights became NaN or infinite; the final model was not written");
  const seconds = (performance.now() - started) / 1000;
  const done = counters.global[0]! - startStep;
  return { step: counters.global[0]!, lastLoss, seconds, posPerSecond: (done * B) / Math.max(seconds, 1e-9) };
}
