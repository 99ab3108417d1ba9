/**
 * The model folder's life cycle (models/<ds>/<model>/), so that a failed or killed run never
 * costs the previous good model:
 *  - the folder carries the `.kgc-artefact.json` marker of kind "model" from its first run on; a
 *    non-empty folder without it is not kgc's and is refused; one holding a model or a checkpoint
 *    is trained over only with --force (or continued with --resume);
 *  - a run in progress writes `config.running.json` and appends to `metrics.running.jsonl` (one
 *    line per log record, so a batch job can follow it) beside the previous run's config.json and
 *    metrics.jsonl, which stay valid for eval and score;
 *  - on success the new tables, config and metrics are written under temporary names and renamed
 *    in one burst (`commitModel`).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { ARTEFACT_MARKER, readArtefactMarker, tmpPathFor, writeArtefactMarker, writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { CHECKPOINT_DIR, MODEL_CONFIG, MODEL_METRICS } from "../io/artefacts.js";
import type { RunHandle } from "../runs/index.js";

export const MODEL_KIND = "model";
export const RUNNING_CONFIG = "config.running.json";
export const RUNNING_METRICS = "metrics.running.jsonl";

/**
 * Checks that `outDir` may take a new (or resumed) run: absent, empty, or a kgc model folder; one
 * holding a model or a checkpoint only with --force (a fresh run) or --resume.
 */
export function checkModelFolder(outDir: string, resume: boolean, force: boolean): void {
  if (!existsSync(outDir) || readdirSync(outDir).length === 0) return;
  const marker = readArtefactMarker(outDir);
  const hasCheckpoint = existsSync(join(outDir, CHECKPOINT_DIR, "meta.json"));
  // a checkpoint is a kgc model folder's proof too (folders trained before the marker existed)
  if (resume && (marker?.kind === MODEL_KIND || hasCheckpoint)) return;
  if (marker === null) throw new KgcError(outDir, `exists and was not written by kgc (no ${ARTEFACT_MARKER}); remove it or choose another --out`);
  if (marker.kind !== MODEL_KIND) throw new KgcError(outDir, `holds a kgc ${marker.kind}, not a model; choose another --out`);
  if (!force && (existsSync(join(outDir, MODEL_CONFIG)) || hasCheckpoint)) {
    throw new KgcError(outDir, "already holds a model or checkpoint; pass --force to train a new one (the current model stays until the new one is complete) or --resume to continue");
  }
}

/** Creates the folder and its "model" marker when it has none yet. */
export function markModelFolder(outDir: string): void {
  if (readArtefactMarker(outDir)?.kind === MODEL_KIND) return;
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new KgcError(outDir, `cannot create the model folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  writeArtefactMarker(outDir, MODEL_KIND);
}

/**
 * Starts the run's metrics file: empty for a fresh run; on --resume the lines up to the
 * checkpoint's step, from the interrupted run's file (or the last good run's).
 */
export function startRunningMetrics(outDir: string, resumeStep: number | null): void {
  let lines: string[] = [];
  if (resumeStep !== null) {
    const from = [RUNNING_METRICS, MODEL_METRICS].map((f) => join(outDir, f)).find((p) => existsSync(p));
    if (from) lines = readFileSync(from, "utf8").split("\n").filter((l) => l && (JSON.parse(l) as { step: number }).step <= resumeStep);
  }
  writeFileAtomic(join(outDir, RUNNING_METRICS), lines.map((l) => `${l}\n`).join(""));
}

/** Appends one record to the running metrics file (visible at once to `tail -f`). */
export function appendRunningMetrics(outDir: string, record: Record<string, number>): void {
  appendFileSync(join(outDir, RUNNING_METRICS), `${JSON.stringify(record)}\n`);
}

/** One training log record: into the running metrics file and the run's registry record. */
export function logTrainingRecord(outDir: string, run: RunHandle, r: { step: number; loss: number; posPerSecond: number; seconds: number }): void {
  appendRunningMetrics(outDir, { step: r.step, loss: r.loss, pos_per_s: r.posPerSecond, seconds: r.seconds });
  run.logMetrics({ loss: r.loss, pos_per_s: r.posPerSecond }, r.step);
}

export function writeRunningConfig(outDir: string, config: unknown): void {
  writeFileAtomic(join(outDir, RUNNING_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
}

/**
 * Swaps the finished run in: `writeTables(at)` writes each output file to the path `at(final)`
 * gives (a temporary name); then every table, the config and the metrics are renamed into place
 * together, tables first and config last, so eval never pairs a new config with old tables.
 * Returns the final paths.
 */
export function commitModel(outDir: string, writeTables: (at: (finalPath: string) => string) => string[]): string[] {
  const staged = new Map<string, string>();
  const finals = writeTables((finalPath) => {
    const tmp = tmpPathFor(finalPath);
    staged.set(finalPath, tmp);
    return tmp;
  });
  for (const [finalPath, tmp] of staged) renameSync(tmp, finalPath);
  renameSync(join(outDir, RUNNING_METRICS), join(outDir, MODEL_METRICS));
  renameSync(join(outDir, RUNNING_CONFIG), join(outDir, MODEL_CONFIG));
  return [...finals, join(outDir, MODEL_CONFIG), join(outDir, MODEL_METRICS)];
}
