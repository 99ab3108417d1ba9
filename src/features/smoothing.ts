/**
 * The smooth stage: the KDD Cup winner's post-smoothing (SEED-SOLUTION §2.2, REP): `hops` rounds of
 *   e_u <- alpha e_u + (1 - alpha) mean_{(v, r, dir) in N(u)} m(v, r, dir)
 * over the bidirectional training neighbourhood, where the message is the neighbour mapped by the
 * model's own relation operator towards u: for (h, r, t), t hears op(h, r) and h hears
 * op^-1(t, r) -- exactly the query vectors the model scores with (src/models/<model>.ts `query`):
 *   TransE-L1/L2  h + r  /  t - r
 *   RotatE        h o e^{i theta}  /  t o e^{-i theta}, theta = raw * phaseScale (pi / epsilon)
 *   QuatE         h (x) r^  /  t (x) conj(r^), r^ the unit relation quaternion
 *   OTE / NOTE    block map R^T diag(sigma) e  /  R diag(sigma') e (sigma' from -s: the inverse scale)
 * Readings taken: the mean (the seed's code), not Eq. 5's sum; no cap on the neighbour list (the
 * seed's 50,000); no float16 cast of the neighbour vector; entities without triples keep theirs.
 * DistMult and ComplEx are refused: their operator (e * r) has no inverse in general.
 *
 * Output: the sibling folder <model-dir>-smooth/ with entity.npy (smoothed), relation.npy (the
 * encoded relation rows), config.json (the model's, encoder shallow) and smooth.json, so `kgc
 * score` / `kgc eval` read it unchanged. A concat-encoder model smooths its encoded vectors
 * x_e = W [f_e ; u_e] + b and is written as a shallow model.
 *
 * Cost per hop: one operator application per (triple, direction), i.e. 2 x 504M on WikiKG90M,
 * plus a dim-wide row read each; the arithmetic is in README.md ("Smoothing").
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { nativeEncodeRows, nativeSmooth } from "../backends/native/walk-binding.js";
import { withAtomicDir, writeFileAtomic } from "../core/atomic.js";
import { check, KgcError } from "../core/errors.js";
import { startProgress } from "../core/progress.js";
import { openDataset } from "../data/dataset.js";
import { writeNpy } from "../io/npy.js";
import { getInteraction } from "../models/registry.js";
import { loadTrainedModel, readModelConfig } from "../train/index.js";
import type { EncoderTables } from "../models/model-tables.js";
import { recordRun } from "../runs/index.js";
import { withPolledProgress } from "./polled-progress.js";
import { walkGraph } from "./walk-graph.js";
import { ENTITY_TABLE, MODEL_CONFIG, RELATION_TABLE } from "../io/artefacts.js";

/** Models whose relation operator has an inverse the smoothing can use (see the doc comment). */
export const SMOOTHABLE_MODELS: readonly string[] = ["transe-l1", "transe-l2", "rotate", "quate", "ote", "note"];

export interface SmoothStageInput {
  modelDir: string;
  /** the prepared dataset (default: the one config.json names) */
  dataDir?: string | undefined;
  alpha: number;
  hops: number;
  threads?: number | undefined;
  command: readonly string[];
}

export interface SmoothResult {
  outDir: string;
  seconds: number;
  /** (triple, direction) messages per second, over all hops */
  messagesPerSecond: number;
}

/** Checks alpha and hops, naming the flags. */
export function checkSmoothOptions(alpha: number, hops: number): void {
  check(Number.isFinite(alpha) && alpha > 0 && alpha <= 1, "--alpha", `must be in (0, 1], got ${alpha}`);
  check(Number.isInteger(hops) && hops >= 0, "--hops", `must be an integer >= 0, got ${hops}`);
}

/** The rows the model's operator reads: the learned rows (no copy: they were read for this run), or W [f ; u] + b for the concat encoder. shape: [numRows, out] */
function encodedRows(e: EncoderTables, out: number, threads: number): Float32Array {
  if (!e.concat) return e.rows;
  return nativeEncodeRows({ numRows: e.numRows, raw: e.raw, out, featDim: e.featDim!, rows: e.rows, feat: e.feat!, W: e.W!, b: e.b! }, threads);
}

/** `<model-dir>-smooth`, from a model folder given with or without a trailing slash. */
export function smoothedDir(modelDir: string): string {
  return `${modelDir.replace(/\/+$/, "")}-smooth`;
}

export async function smoothStage(input: SmoothStageInput): Promise<SmoothResult> {
  checkSmoothOptions(input.alpha, input.hops);
  const saved = readModelConfig(input.modelDir);
  const c = saved.config;
  if (!SMOOTHABLE_MODELS.includes(c.model)) {
    throw new KgcError(input.modelDir, `model '${c.model}' has no inverse relation transform to smooth with (smoothable: ${SMOOTHABLE_MODELS.join(", ")})`);
  }
  const dataDir = input.dataDir ?? (typeof saved.provenance["data"] === "string" ? (saved.provenance["data"] as string) : undefined);
  if (!dataDir) throw new KgcError(join(input.modelDir, MODEL_CONFIG), "names no dataset; give --data");
  const threads = input.threads ?? c.threads ?? availableParallelism();
  check(Number.isInteger(threads) && threads >= 1 && threads <= 256, "--threads", "must be an integer in [1, 256]");
  const ds = openDataset(dataDir);
  try {
    const graph = walkGraph(ds);
    const model = loadTrainedModel(input.modelDir, ds, saved);
    const m = getInteraction(c.model);
    const relWidth = m.relationWidth(c.dim, c.block);
    const entity = encodedRows(model.tables.entity, c.dim, threads);
    const relation = encodedRows(model.tables.relation, relWidth, threads);
    const outDir = smoothedDir(input.modelDir);
    return await recordRun({ stage: "smooth", dataset: ds.name, model: c.model, config: { modelDir: input.modelDir, alpha: input.alpha, hops: input.hops, threads }, command: input.command }, async (run) => {
      const progress = startProgress(`smooth ${c.model}`, input.hops * ds.numEntities, "entity updates");
      const t0 = performance.now();
      const cell = new Float64Array(1);
      const shape = model.tables;
      try {
        await withPolledProgress(cell, (done) => progress.update(done), nativeSmooth(graph, {
          model: c.model, dim: c.dim, block: c.block, gamma: c.gamma, phaseScale: shape.phaseScale, alpha: input.alpha, hops: input.hops, threads,
        }, entity, relation, cell));
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - t0) / 1000;
      const messages = 2 * graph.out.neighbor.length * input.hops;
      const result: SmoothResult = { outDir, seconds, messagesPerSecond: messages / Math.max(seconds, 1e-9) };
      const files = [ENTITY_TABLE, RELATION_TABLE, MODEL_CONFIG, "smooth.json"];
      await withAtomicDir(outDir, (tmp) => {
        writeNpy(join(tmp, ENTITY_TABLE), "<f4", [ds.numEntities, c.dim], entity);
        writeNpy(join(tmp, RELATION_TABLE), "<f4", [ds.numRelations, relWidth], relation);
        writeFileAtomic(join(tmp, MODEL_CONFIG), JSON.stringify({ ...c, encoder: "shallow", ...saved.provenance }, null, 2) + "\n");
        writeFileAtomic(join(tmp, "smooth.json"), JSON.stringify({ source: input.modelDir, alpha: input.alpha, hops: input.hops, threads, encoder: c.encoder, seconds, messages }, null, 2) + "\n");
      });
      run.logMetrics({ seconds, messages_per_s: result.messagesPerSecond });
      for (const f of files) await run.addArtefact(join(outDir, f));
      return result;
    });
  } finally {
    ds.close();
  }
}
