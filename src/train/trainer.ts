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

/** What a run of training steps needs besides its job (TrainLoopOptions without the hooks). */
export type TrainingStepsOptions = Pick<TrainLoopOptions, "backend" | "job" | "stopStep" | "budgetMs" | "lrSchedule" | "logEvery" | "label" | "onLog">;

/**
 * The steps of one training run, one native call at a time (`advance`): the step and time budget,
 * the lr schedule, the chunk sizing, the log window and the progress bar, and the divergence stop.
 * runTrainingLoop drives it between validations and checkpoints; the out-of-core loop
 * (partitioned.ts) bucket by bucket, pointing the job at each bucket's triples.
 */
export class TrainingSteps {
  private readonly started = performance.now();
  private readonly startStep: number;
  private readonly budgetS: number | null;
  private readonly schedule: ReturnType<typeof bindSchedule>;
  private readonly progress: ReturnType<typeof startProgress>;
  private chunk: number;
  private lossSum = 0;
  private lossSteps = 0;
  private lastLoss = Number.NaN;
  private windowStart = performance.now();
  private windowSteps = 0;

  constructor(private readonly o: TrainingStepsOptions) {
    this.startStep = o.job.counters.global[0]!;
    this.budgetS = o.budgetMs === null ? null : o.budgetMs / 1000;
    this.schedule = bindSchedule(o.lrSchedule ?? null, o.stopStep, this.budgetS);
    this.progress = o.stopStep !== null ? startProgress(o.label, o.stopStep, "steps") : startProgress(o.label, Math.round(this.budgetS ?? 0), "s");
    this.chunk = o.job.config.threads * 2;
  }

  /** The absolute step the job's counters are at. */
  get step(): number {
    return this.o.job.counters.global[0]!;
  }

  /** True once the stop step or the time budget is reached. */
  done(): boolean {
    return (this.o.stopStep !== null && this.step >= this.o.stopStep) || (this.budgetS !== null && (performance.now() - this.started) / 1000 >= this.budgetS);
  }

  /**
   * One native call of at most `max` steps (at least one), cut at the stop step, the schedule's next
   * change and the next log step; logs when a log step (or the stop step) is reached, with
   * `fields` beside loss and pos/s on the progress bar. Returns the steps done.
   */
  async advance(max: number, fields: Record<string, string | number> = {}): Promise<number> {
    const { job, stopStep, logEvery } = this.o;
    const step = this.step;
    const limit = Math.min(stopStep ?? Number.POSITIVE_INFINITY, this.schedule.nextBoundary(step), nextBoundary(step, logEvery));
    const n = Math.max(1, Math.min(this.chunk, max, limit - step));
    const t0 = performance.now();
    const r = await this.o.backend.train(job, n, this.schedule.scale(step, (t0 - this.started) / 1000));
    const dt = (performance.now() - t0) / 1000;
    // aim at ~0.3 s per native call: long enough to amortise thread start, short enough to redraw
    this.chunk = Math.max(job.config.threads, Math.min(100000, Math.round((r.steps / Math.max(dt, 1e-3)) * 0.3)));
    if (r.diverged) {
      throw new KgcError("training", `loss became NaN or infinite at step ${r.divergedStep}; stopped (the last checkpoint is the last good state). Try a lower lr or gamma.`);
    }
    this.lossSum += r.lossSum;
    this.lossSteps += r.steps;
    this.windowSteps += r.steps;
    const now = this.step;
    if (now % logEvery === 0 || (stopStep !== null && now >= stopStep)) {
      const seconds = (performance.now() - this.windowStart) / 1000;
      this.lastLoss = this.lossSum / Math.max(this.lossSteps, 1);
      const rec: TrainLogRecord = { step: now, loss: this.lastLoss, posPerSecond: (this.windowSteps * job.config.batch) / Math.max(seconds, 1e-9), seconds: (performance.now() - this.started) / 1000 };
      this.o.onLog?.(rec);
      this.lossSum = this.lossSteps = this.windowSteps = 0;
      this.windowStart = performance.now();
      this.progress.update(stopStep !== null ? now : Math.min(Math.round(rec.seconds), Math.round(this.budgetS ?? 0)), { loss: this.lastLoss.toFixed(4), "pos/s": Math.round(rec.posPerSecond), ...fields });
    }
    return r.steps;
  }

  /** Stops the progress bar and sums the run up. */
  finish(): TrainLoopResult {
    this.progress.stop();
    if (this.lossSteps > 0) this.lastLoss = this.lossSum / this.lossSteps;
    const seconds = (performance.now() - this.started) / 1000;
    return { step: this.step, lastLoss: this.lastLoss, seconds, posPerSecond: ((this.step - this.startStep) * this.o.job.config.batch) / Math.max(seconds, 1e-9) };
  }
}

export async function runTrainingLoop(o: TrainLoopOptions): Promise<TrainLoopResult> {
  const steps = new TrainingSteps(o);
  let lastCheckpoint = performance.now();
  let result: TrainLoopResult;
  try {
    while (!steps.done()) {
      const step = steps.step;
      await steps.advance(Math.min(nextBoundary(step, o.checkpointEvery), nextBoundary(step, o.validEvery)) - step);
      const now = steps.step;
      if (o.validEvery > 0 && now % o.validEvery === 0 && o.onValidate) await o.onValidate(now);
      const byStep = o.checkpointEvery > 0 && now % o.checkpointEvery === 0;
      const byTime = (o.checkpointMs ?? 0) > 0 && performance.now() - lastCheckpoint >= o.checkpointMs!;
      if ((byStep || byTime) && o.onCheckpoint) {
        if (!tablesFinite(o.job.tables)) throw new KgcError("training", `weights became NaN or infinite by step ${now}; stopped before checkpointing them`);
        await o.onCheckpoint(now);
        lastCheckpoint = performance.now();
      }
    }
  } finally {
    result = steps.finish();
  }
  if (!tablesFinite(o.job.tables)) throw new KgcError("training", "weights became NaN or infinite; the final model was not written");
  return result;
}
