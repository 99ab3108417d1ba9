/**
 * The features stage: every statistical candidate feature (priors.ts) of one split's queries ->
 * data/<ds>/features/<split>-<name>.npy, float32 [Q, K] each, plus features.json describing them.
 *
 * The native tables (relation profiles, R x R walk matrices, the split's candidate-list counts)
 * are built once; then chunks of queries are computed on C++ threads while the previous chunk is
 * written, each feature streamed to its own NpyWriter (tmp + rename when complete). Every query of
 * the split is covered. Nothing is written until the inputs have been read and checked, and a
 * failure removes every temporary file, so a split's feature files are all old or all new. The
 * stage holds the output lock on the features folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { nativePriorsBuild, nativePriorsFeatures, nativePriorsListCounts, NATIVE_PRIOR_FEATURES } from "../backends/native/priors-binding.js";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { info } from "../core/log.js";
import { withOutputLock } from "../core/output-lock.js";
import { startProgress } from "../core/progress.js";
import { formatShard, shardPath, shardRange, type Shard } from "../core/shard.js";
import { loadCsr, type Csr } from "../data/csr.js";
import { openDataset } from "../data/dataset.js";
import { splitProvenance, writeOutputProvenance } from "../eval/index.js";
import type { SplitName } from "../io/manifest.js";
import { NpyWriter } from "../io/npy.js";
import { recordRun } from "../runs/index.js";
import { DEFAULT_HUB_LIMIT, PRIOR_FEATURES } from "./priors.js";

export interface FeaturesStageInput {
  dataDir: string;
  split: SplitName;
  threads?: number | undefined;
  /** queries per native call and per write */
  chunk?: number | undefined;
  /** in-degree above which a tail is a hub, skipped by the ht-th-ht walk */
  hubLimit?: number | undefined;
  /** compute only this shard's queries -> <split>-<name>.shard-i-of-n.npy (kgc merge joins them; features.json is merge's to update) */
  shard?: Shard | undefined;
  command: readonly string[];
}

export interface FeaturesStageResult {
  outDir: string;
  /** feature name -> npy path, in PRIOR_FEATURES order */
  files: Record<string, string>;
  queries: number;
  width: number;
  runId: string;
  /** building the tables and the candidate-list counts */
  tableSeconds: number;
  /** the per-query kernels and the writes */
  featureSeconds: number;
}

/** features.json: one entry per feature, with the file and run of each split computed so far. */
export interface FeaturesManifest {
  format: "kgc-features/1";
  dataset: string;
  hubLimit: number;
  features: Array<{
    name: string;
    path: string;
    formula: string;
    source: string;
    candidateListLeakage: boolean;
    splits: Partial<Record<SplitName, { file: string; run: string; queries: number; width: number }>>;
  }>;
}

export const FEATURES_DIR = "features";
export const FEATURES_MANIFEST = "features.json";

export function featureFileName(split: SplitName, name: string): string {
  return `${split}-${name}.npy`;
}

export async function featuresStage(input: FeaturesStageInput): Promise<FeaturesStageResult> {
  // one writer at a time: features.json is read, extended with this split and rewritten; the shards
  // of a split run side by side and never touch features.json, so each locks only its own name
  const dir = join(input.dataDir, FEATURES_DIR);
  return withOutputLock(input.shard ? shardPath(join(dir, input.split), input.shard) : dir, "features", () => computeFeatures(input));
}

async function computeFeatures(input: FeaturesStageInput): Promise<FeaturesStageResult> {
  const ds = openDataset(input.dataDir);
  try {
    if (ds.manifest.splits[input.split].queries === 0) throw new KgcError(`${input.dataDir} (${input.split})`, "the split has no candidate queries to compute features for");
    // the CSR is loaded here, not through ds.adjacency(), so that nothing but the native tables
    // holds it: once they are built, the relation arrays (half the CSR) can be freed before the
    // candidates are read (peak memory: see README, features benchmark)
    let csr: { out: Csr; in: Csr } | null = { out: loadCsr(ds.dir, "out", ds.numEntities), in: loadCsr(ds.dir, "in", ds.numEntities) };
    const edges = csr.out.neighbor.length;
    const threads = input.threads ?? availableParallelism();
    const hubLimit = input.hubLimit ?? DEFAULT_HUB_LIMIT;
    const outDir = join(ds.dir, FEATURES_DIR);
    const manifestPath = join(outDir, FEATURES_MANIFEST);
    const previous = readPreviousManifest(manifestPath, hubLimit);
    const range = input.shard ? shardRange(input.shard, ds.manifest.splits[input.split].queries) : { start: 0, end: ds.manifest.splits[input.split].queries };
    const Q = range.end - range.start;
    const K = ds.manifest.splits[input.split].candidatesPerQuery;
    const size = Math.max(1, Math.min(input.chunk ?? 2048, Q));
    const config = { split: input.split, threads, hubLimit, chunk: size, ...(input.shard ? { shard: formatShard(input.shard) } : {}) };

    return await recordRun({ stage: "features", dataset: ds.name, config, command: input.command }, async (run) => {
      const writers: NpyWriter[] = [];
      try {
        const t0 = performance.now();
        info(`features ${input.split}: building transition tables over ${edges.toLocaleString("en-US")} training edges`);
        const handle = await nativePriorsBuild(csr!.out, csr!.in, ds.numEntities, ds.numRelations, threads);
        csr = null;
        const queries = ds.queries(input.split)!;
        await nativePriorsListCounts(handle, queries.relation, queries.head, queries.candidates, K, threads);
        const tableSeconds = (performance.now() - t0) / 1000;

        const files: Record<string, string> = {};
        for (const f of PRIOR_FEATURES) {
          const path = join(outDir, featureFileName(input.split, f.name));
          files[f.name] = input.shard ? shardPath(path, input.shard) : path;
          writers.push(new NpyWriter(files[f.name]!, "<f4", [Q, K]));
        }
        // two sets of output buffers: C++ fills one chunk while the other is written
        const buffers = [0, 1].map(() => Array.from({ length: NATIVE_PRIOR_FEATURES }, () => new Float32Array(size * K)));
        const launch = (i: number): Promise<void> => {
          const start = range.start + i * size; // the split's query index: the list counts are the whole split's
          const end = Math.min(range.end, start + size);
          const outs = buffers[i % 2]!.map((b) => b.subarray(0, (end - start) * K));
          return nativePriorsFeatures(handle, queries.head.subarray(start, end), queries.relation.subarray(start, end), start,
            queries.candidates.subarray(start * K, end * K), K, outs, hubLimit, threads);
        };
        const progress = startProgress(`features ${input.split}`, Q, "queries");
        const t1 = performance.now();
        const chunks = Math.ceil(Q / size);
        let pending: Promise<void> | null = chunks > 0 ? launch(0) : null;
        try {
          for (let i = 0; i < chunks; i++) {
            await pending;
            pending = i + 1 < chunks ? launch(i + 1) : null;
            const count = Math.min(Q, (i + 1) * size) - i * size;
            buffers[i % 2]!.forEach((b, f) => writers[f]!.write(b.subarray(0, count * K)));
            progress.update(i * size + count);
          }
        } catch (err) {
          await pending?.catch(() => undefined);
          throw err;
        } finally {
          progress.stop();
        }
        const featureSeconds = (performance.now() - t1) / 1000;
        for (const w of writers) w.close();
        const provenance = splitProvenance(ds, input.split); // lets the ensemble check each file's query order
        const shard = input.shard ? { ...input.shard, ...range, settings: { hubLimit } } : null;
        for (const path of Object.values(files)) writeOutputProvenance(path, provenance, shard);
        for (const path of Object.values(files)) await run.addArtefact(path);
        if (!shard) writeFileAtomic(manifestPath, `${JSON.stringify(updatedManifest(previous, ds.name, hubLimit, input.split, run.id, Q, K), null, 2)}\n`);
        run.logMetrics({ queries: Q, width: K, table_seconds: tableSeconds, feature_seconds: featureSeconds, queries_per_s: Q / featureSeconds });
        return { outDir, files, queries: Q, width: K, runId: run.id, tableSeconds, featureSeconds };
      } catch (err) {
        for (const w of writers) w.abort();
        throw err;
      }
    });
  } finally {
    ds.close();
  }
}

/** The existing features.json, kept for the other split's entries unless it was made with another hub limit. */
export function readPreviousManifest(path: string, hubLimit: number): FeaturesManifest | null {
  if (!existsSync(path)) return null;
  let parsed: FeaturesManifest;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8")) as FeaturesManifest;
  } catch (err) {
    throw new KgcError(path, `corrupt features manifest (${(err as Error).message}); remove it to recompute`);
  }
  return parsed.format === "kgc-features/1" && parsed.hubLimit === hubLimit ? parsed : null;
}

export function updatedManifest(previous: FeaturesManifest | null, dataset: string, hubLimit: number, split: SplitName, runId: string, queries: number, width: number): FeaturesManifest {
  return {
    format: "kgc-features/1",
    dataset,
    hubLimit,
    features: PRIOR_FEATURES.map((f) => {
      const old = previous?.features.find((x) => x.name === f.name)?.splits ?? {};
      return { ...f, splits: { ...old, [split]: { file: featureFileName(split, f.name), run: runId, queries, width } } };
    }),
  };
}
