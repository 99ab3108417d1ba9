/**
 * The `kgc ensemble apply` stage: weights.json + the inputs' score files of a split → the ranked
 * top-10 per query, ensemble/<ds>/<split>-top10.npy (int32 [Q, 10], candidate indices, best
 * first), and with `blended` the blended scores <split>-blended.npy (float32 [Q, K]). Inputs are
 * normalised as at fit time (global-minmax with the fitted split's extremes) and each query uses
 * its relation group's weights. Streamed in chunks; both files appear only when complete.
 */
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import { formatShard, shardPath, shardRange, type Shard } from "../core/shard.js";
import { openDataset } from "../data/dataset.js";
import { filesDigest, splitProvenance, writeOutputProvenance } from "../eval/index.js";
import type { SplitName } from "../io/manifest.js";
import { NpyWriter } from "../io/npy.js";
import { recordRun } from "../runs/index.js";
import { OGB_TOP, topK } from "../eval/index.js";
import { InputRows } from "./score-inputs.js";
import { EnsembleFiles, readEnsembleWeights, type EnsembleWeights } from "./weights.js";

export interface ApplyStageInput {
  dataDir: string;
  split: SplitName;
  /** folder of weights.json and the outputs (default ensemble/<ds>) */
  ensembleDir?: string | undefined;
  blended: boolean;
  /** rank only this shard's queries -> <split>-top10.shard-i-of-n.npy (kgc merge joins them) */
  shard?: Shard | undefined;
  command: readonly string[];
}

export interface ApplyStageResult {
  top10Path: string;
  blendedPath: string | null;
  queries: number;
  seconds: number;
}

/** Each relation's weights (the default group's for relations in no group). */
function weightsByRelation(weights: EnsembleWeights, path: string): (relation: number) => number[] {
  const M = weights.inputs.length;
  const byRelation = new Map<number, number[]>();
  for (const group of weights.groups) {
    if (group.weights.length !== M) throw new KgcError(path, `a weight group has ${group.weights.length} weights for ${M} inputs`);
    if (group.weights.some((w) => !(w >= 0))) throw new KgcError(path, "weights must be non-negative numbers");
    for (const r of group.relations ?? []) byRelation.set(r, group.weights);
  }
  const fallback = weights.groups.find((g) => g.relations === null);
  if (!fallback) throw new KgcError(path, "no default weight group (relations: null)");
  return (relation) => byRelation.get(relation) ?? fallback.weights;
}

export async function applyStage(input: ApplyStageInput): Promise<ApplyStageResult> {
  const t0 = performance.now();
  const ds = openDataset(input.dataDir);
  try {
    const dir = input.ensembleDir ?? join("ensemble", ds.name);
    const weightsPath = join(dir, EnsembleFiles.weights);
    const weights = readEnsembleWeights(weightsPath);
    const expected = splitProvenance(ds, input.split);
    if (weights.fingerprint !== expected.fingerprint) {
      throw new KgcError(weightsPath, `fitted on dataset '${weights.dataset}' (fingerprint ${weights.fingerprint}), not '${ds.name}' (${expected.fingerprint})`);
    }
    if (weights.width !== expected.width) throw new KgcError(weightsPath, `fitted on ${weights.width} candidates per query, the ${input.split} split has ${expected.width}`);
    const groupWeights = weightsByRelation(weights, weightsPath);
    const queries = ds.queryColumns(input.split)!; // the relations pick each query's weights; candidate rows are never needed
    const rows = new InputRows(weights.inputs, input.split, expected);
    const range = shardRange(input.shard ?? { index: 0, count: 1 }, expected.queries);
    const Q = range.end - range.start;
    const K = expected.width;
    if (K < OGB_TOP) throw new KgcError(`${input.dataDir} (${input.split})`, `${K} candidates per query, a top-${OGB_TOP} needs at least ${OGB_TOP}`);
    const named = (file: string): string => (input.shard ? shardPath(join(dir, file), input.shard) : join(dir, file));
    const top10Path = named(EnsembleFiles.top10(input.split));
    const blendedPath = input.blended ? named(EnsembleFiles.blended(input.split)) : null;
    const config = { split: input.split, ensembleDir: dir, blended: input.blended, ...(input.shard ? { shard: formatShard(input.shard) } : {}) };
    return await recordRun({ stage: "ensemble-apply", dataset: ds.name, config, command: input.command }, async (run) => {
      const writers: NpyWriter[] = [];
      const progress = startProgress(`ensemble apply ${input.split}`, Q, "queries");
      try {
        const top10Writer = new NpyWriter(top10Path, "<i4", [Q, OGB_TOP]);
        writers.push(top10Writer);
        const blendedWriter = blendedPath ? new NpyWriter(blendedPath, "<f4", [Q, K]) : null;
        if (blendedWriter) writers.push(blendedWriter);
        const chunk = 1024;
        const buffers = weights.inputs.map(() => new Float32Array(chunk * K)); // shape: M × [chunk, K]
        const blend = new Float32Array(chunk * K); // shape: [chunk, K]
        for (let start = range.start; start < range.end; start += chunk) {
          const count = Math.min(chunk, range.end - start);
          rows.read(start, count, buffers);
          for (let i = 0; i < count; i++) {
            const w = groupWeights(queries.relation[start + i]!);
            const row = blend.subarray(i * K, (i + 1) * K);
            row.fill(0);
            w.forEach((wm, m) => {
              if (wm === 0) return;
              const source = buffers[m]!;
              for (let j = 0; j < K; j++) row[j]! += wm * source[i * K + j]!;
            });
          }
          const scores = blend.subarray(0, count * K);
          top10Writer.write(topK(scores, OGB_TOP, K));
          blendedWriter?.write(scores);
          progress.update(start - range.start + count);
        }
        for (const w of writers) w.close();
        if (input.shard) {
          // the unsharded outputs have no sidecar; a shard's lets merge check that every shard used these weights
          const shard = { ...input.shard, ...range, settings: { weights: filesDigest([weightsPath]), blended: input.blended } };
          for (const path of [top10Path, blendedPath]) if (path) writeOutputProvenance(path, expected, shard);
        }
        progress.stop();
        const seconds = (performance.now() - t0) / 1000;
        run.logMetrics({ queries: Q, seconds });
        await run.addArtefact(top10Path);
        if (blendedPath) await run.addArtefact(blendedPath);
        return { top10Path, blendedPath, queries: Q, seconds };
      } catch (err) {
        progress.stop();
        for (const w of writers) w.abort();
        throw err;
      } finally {
        rows.close();
      }
    });
  } finally {
    ds.close();
  }
}
