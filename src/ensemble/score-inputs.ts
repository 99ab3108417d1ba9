/**
 * The ensemble's inputs: [Q, K] score arrays of one split, from model folders (scores-<split>.npy:
 * trained, smoothed or DeepWalk models) and from the features stage (data/<ds>/features/
 * <split>-<name>.npy, described by features.json). Each is checked against the dataset before a
 * value is read: float dtype, shape [Q, K] of the split, and its provenance sidecar (dataset
 * fingerprint, split, query digest). Rows are then read in chunks and normalised.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { KgcError } from "../core/errors.js";
import { warn } from "../core/log.js";
import { isShardFile } from "../core/shard.js";
import { checkScoreProvenance, readScoreProvenance, type ScoreProvenance } from "../eval/index.js";
import { FEATURES_MANIFEST, type FeaturesManifest } from "../features/index.js";
import type { SplitName } from "../io/manifest.js";
import { NpyRowReader } from "../io/npy.js";
import { normaliseRows } from "./normalise.js";
import type { RowSource } from "./rank-problem.js";
import type { EnsembleInput, Normalisation } from "./weights.js";
import { scoresFile } from "../io/artefacts.js";

/** The npy file an input contributes for `split`. */
export function inputNpyPath(input: EnsembleInput, split: SplitName): string {
  if (input.kind === "model") return join(input.path, scoresFile(split));
  return join(dirname(input.path), `${split}-${input.feature ?? ""}.npy`);
}

/** Which ablation family an input belongs to (the seed's ladder: models → + smoothing/DeepWalk → + features → + leaky features). */
export type InputFamily = "model" | "smoothed" | "deepwalk" | "feature" | "candidate-feature";

export function inputFamily(input: EnsembleInput): InputFamily {
  if (input.kind === "feature") return input.leaksCandidates ? "candidate-feature" : "feature";
  const folder = basename(input.path);
  if (folder.startsWith("deepwalk")) return "deepwalk";
  return folder.endsWith("-smooth") ? "smoothed" : "model";
}

/** A model folder (`models/<ds>/<model>`) or a feature npy of the fitted split (`.../features/<split>-<name>.npy`). */
export function describeInput(arg: string, split: SplitName, normalisation: Normalisation): EnsembleInput {
  if (arg.endsWith(".npy")) {
    const file = basename(arg, ".npy");
    if (!file.startsWith(`${split}-`)) throw new KgcError(arg, `a feature file of the ${split} split must be named ${split}-<name>.npy`);
    const feature = file.slice(split.length + 1);
    return { name: `feature:${feature}`, kind: "feature", path: arg, feature, leaksCandidates: featureLeaks(dirname(arg), feature), normalisation };
  }
  if (!existsSync(arg)) throw new KgcError(arg, "no such model folder or feature file");
  return { name: basename(arg), kind: "model", path: arg, leaksCandidates: false, normalisation };
}

/** The features stage's features.json beside the feature files marks the candidate-list statistics. */
function featureLeaks(dir: string, feature: string): boolean {
  const path = join(dir, FEATURES_MANIFEST);
  if (!existsSync(path)) return false;
  let manifest: FeaturesManifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8")) as FeaturesManifest;
  } catch (err) {
    throw new KgcError(path, `not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(manifest.features)) throw new KgcError(path, "expected { features: [...] } (written by kgc features)");
  return manifest.features.find((e) => e.name === feature)?.candidateListLeakage === true;
}

/** `--features all|none|a,b`: the feature files of `split` in `dir` (data/<ds>/features). */
export function featureFiles(dir: string, split: SplitName, which: string): string[] {
  if (which === "none") return [];
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(`${split}-`) && f.endsWith(".npy") && !isShardFile(f)).sort() : [];
  if (which === "all") return present.map((f) => join(dir, f));
  return which.split(",").map((name) => {
    const file = `${split}-${name.trim()}.npy`;
    if (!present.includes(file)) throw new KgcError(join(dir, file), `feature '${name.trim()}' not found${present.length ? ` (present: ${present.join(", ")})` : ""}`);
    return join(dir, file);
  });
}

/** Chunked, normalised rows of every input of one split, in input order. */
export class InputRows implements RowSource {
  private readonly readers: NpyRowReader[] = [];

  /**
   * Opens and checks every input's file of `split` against `expected` (the dataset's queries).
   * A file without a provenance sidecar is accepted with a warning (its query order cannot be checked).
   */
  constructor(readonly inputs: readonly EnsembleInput[], readonly split: SplitName, readonly expected: ScoreProvenance) {
    try {
      for (const input of inputs) {
        const path = inputNpyPath(input, split);
        if (!existsSync(path)) throw new KgcError(path, `missing: input '${input.name}' has no ${split} scores`);
        const reader = new NpyRowReader(path);
        this.readers.push(reader);
        const { dtype, shape } = reader.header;
        if (!["<f4", "<f2", "<f8"].includes(dtype)) throw new KgcError(path, `dtype ${dtype}: expected float scores`);
        if (shape.length !== 2 || shape[0] !== expected.queries || shape[1] !== expected.width) {
          throw new KgcError(path, `shape (${shape.join(", ")}) does not match the ${split} split's [${expected.queries}, ${expected.width}]`);
        }
        const provenance = readScoreProvenance(path);
        if (provenance) checkScoreProvenance(path, provenance, expected);
        else warn(`${path}: no provenance file, its query order cannot be checked`);
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  get inputCount(): number {
    return this.inputs.length;
  }

  get queries(): number {
    return this.expected.queries;
  }

  get width(): number {
    return this.expected.width;
  }

  /**
   * Reads rows [start, start + count) of every input, normalised.
   * @param out one buffer per input, shape: [≥ count, K]
   */
  read(start: number, count: number, out: Float32Array[]): void {
    this.inputs.forEach((input, m) => {
      const rows = out[m]!.subarray(0, count * this.width);
      this.readers[m]!.readRows(start, count, rows);
      const range = input.normalisation === "global-minmax" ? { min: input.min ?? 0, max: input.max ?? 0 } : null;
      normaliseRows(rows, this.width, input.normalisation, range);
    });
  }

  /** Raw extremes of input m over the whole split (global-minmax's range). */
  range(m: number, chunk: number): { min: number; max: number } {
    const buf = new Float32Array(chunk * this.width); // shape: [chunk, K]
    let min = Infinity;
    let max = -Infinity;
    for (let start = 0; start < this.queries; start += chunk) {
      const count = Math.min(chunk, this.queries - start);
      const rows = buf.subarray(0, count * this.width);
      this.readers[m]!.readRows(start, count, rows);
      for (const v of rows) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return { min, max };
  }

  close(): void {
    for (const r of this.readers) r.close();
    this.readers.length = 0;
  }
}
