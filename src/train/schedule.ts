/**
 * The learning-rate schedule: the config's lr and denseLr multiplied by a factor that changes at
 * step boundaries (or once, at a fraction of the time budget). The loop asks for the scale before
 * each chunk and never lets a chunk cross a boundary, so the rates change at the exact step,
 * also on resume (the scale is a function of the global step).
 */
import type { TrainConfig } from "../models/config.js";

/**
 * every: the rates multiply by `factor` every `interval` steps (by the global step, so exact on
 * resume). once: they multiply by `factor` once the run has done `at` of its budget (of stopStep
 * with a step budget, exact on resume; else of the time budget, counted from the start of the loop).
 */
export type LrSchedule = { kind: "every"; factor: number; interval: number } | { kind: "once"; factor: number; at: number };

/** The config's schedule (null: constant rates). */
export function lrSchedule(c: TrainConfig): LrSchedule | null {
  if (c.lrDecay === 1) return null;
  return c.lrDecayAt === undefined ? { kind: "every", factor: c.lrDecay, interval: c.lrDecayInterval } : { kind: "once", factor: c.lrDecay, at: c.lrDecayAt };
}

/** A schedule bound to a run's budget: the scale at a step, and the next step where it may change. */
export interface BoundSchedule {
  scale(step: number, elapsedSeconds: number): number;
  nextBoundary(step: number): number;
}

export function bindSchedule(s: LrSchedule | null, stopStep: number | null, budgetSeconds: number | null): BoundSchedule {
  const dropStep = s?.kind === "once" && stopStep !== null ? Math.round(s.at * stopStep) : Number.POSITIVE_INFINITY;
  return {
    scale(step, elapsed) {
      if (s === null) return 1;
      if (s.kind === "every") return s.factor ** Math.floor(step / s.interval);
      const dropped = stopStep !== null ? step >= dropStep : budgetSeconds !== null && elapsed >= s.at * budgetSeconds;
      return dropped ? s.factor : 1;
    },
    nextBoundary(step) {
      if (s?.kind === "every") return (Math.floor(step / s.interval) + 1) * s.interval;
      return step < dropStep ? dropStep : Number.POSITIVE_INFINITY;
    },
  };
}
