/**
 * The merge stage: joins the per-shard outputs of `kgc score`, `kgc features` or `kgc ensemble
 * apply --shard i/n` (one split) into the files an unsharded run writes, byte for byte (shard-set.ts).
 * Every shard set of the stage is checked before anything is written; each output is written to a
 * temporary name and renamed, under the output lock the unsharded stage takes. The shard files are
 * kept (make-style pipelines depend on them); a later merge of the same shards gives the same bytes.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { withOutputLock } from "../core/output-lock.js";
import { provenancePath } from "../eval/index.js";
import { withoutShard } from "../eval/index.js";
import { EnsembleFiles } from "../ensemble/weights.js";
import { FEATURES_MANIFEST, featureFileName, PRIOR_FEATURES, readPreviousManifest, updatedManifest } from "../features/index.js";
import type { SplitName } from "../io/manifest.js";
import { scoresFile } from "../io/artefacts.js";
import { recordRun } from "../runs/index.js";
import { checkShardSet, joinShardSet, type ShardSet } from "./shard-set.js";

/** Which stage's outputs: scores (a model folder), features (data/<ds>/features), ensemble (ensemble/<ds>). */
export type MergeKind = "scores" | "features" | "ensemble";

interface MergeTarget {
  /** the unsharded outputs whose shards must all be present (`optional` ones only when shard 0 says the stage wrote them) */
  outputs(dir: string, split: SplitName): { required: string[]; optional: string[] };
  /** whether the unsharded output carries a provenance sidecar */
  sidecar: boolean;
  /** the folder or file the unsharded stage locks */
  lock(dir: string, outputs: readonly string[]): string;
}

const TARGETS: Record<MergeKind, MergeTarget> = {
  scores: {
    outputs: (dir, split) => ({ required: [join(dir, scoresFile(split))], optional: [] }),
    sidecar: true,
    lock: (_dir, outputs) => outputs[0]!,
  },
  features: {
    outputs: (dir, split) => ({ required: PRIOR_FEATURES.map((f) => join(dir, featureFileName(split, f.name))), optional: [] }),
    sidecar: true,
    lock: (dir) => dir,
  },
  ensemble: {
    outputs: (dir, split) => ({ required: [join(dir, EnsembleFiles.top10(split))], optional: [join(dir, EnsembleFiles.blended(split))] }),
    sidecar: false,
    lock: (_dir, outputs) => outputs[0]!,
  },
};

export interface MergeStageInput {
  kind: MergeKind;
  /** the folder holding the shard files (the unsharded stage's output folder) */
  dir: string;
  split: SplitName;
  command: readonly string[];
}

export interface MergeStageResult {
  files: string[];
  shards: number;
  queries: number;
  seconds: number;
}

export async function mergeStage(input: MergeStageInput): Promise<MergeStageResult> {
  const t0 = performance.now();
  const target = TARGETS[input.kind];
  const { required, optional } = target.outputs(input.dir, input.split);
  return withOutputLock(target.lock(input.dir, required), "merge", async () => {
    const sets = checkSets(required, optional);
    const first = sets[0]!.provenance;
    if (first.split !== input.split) throw new KgcError(provenancePath(sets[0]!.shards[0]!.path), `scores the ${first.split} split, not ${input.split}`);
    const n = first.shard.count;
    const config = { kind: input.kind, dir: input.dir, split: input.split, shards: n };
    return recordRun({ stage: "merge", dataset: first.dataset, config, command: input.command }, async (run) => {
      for (const set of sets) {
        await joinShardSet(set, target.sidecar);
        await run.addArtefact(set.path);
      }
      if (input.kind === "features") {
        // features.json lists each split's files; the shards left it to the merge (its run stands for theirs)
        const hubLimit = first.shard.settings["hubLimit"];
        if (typeof hubLimit !== "number") throw new KgcError(sets[0]!.shards[0]!.path, "its provenance has no hub limit (not written by kgc features --shard)");
        const manifestPath = join(input.dir, FEATURES_MANIFEST);
        const manifest = updatedManifest(readPreviousManifest(manifestPath, hubLimit), first.dataset, hubLimit, input.split, run.id, first.queries, first.width);
        writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      }
      const seconds = (performance.now() - t0) / 1000;
      run.logMetrics({ shards: n, queries: first.queries, seconds });
      return { files: sets.map((s) => s.path), shards: n, queries: first.queries, seconds };
    });
  });
}

/** Every output's shard set, all of shard 0's count; an optional output only when shard 0 of the first was made with it. */
function checkSets(required: readonly string[], optional: readonly string[]): ShardSet[] {
  const sets: ShardSet[] = [checkShardSet(required[0]!)];
  const n = sets[0]!.provenance.shard.count;
  for (const path of required.slice(1)) sets.push(checkShardSet(path, n));
  // the ensemble's blended scores: apply --blended records it in every shard's settings
  if (optional.length > 0 && sets[0]!.provenance.shard.settings["blended"] === true) for (const path of optional) sets.push(checkShardSet(path, n));
  const agreed = (set: ShardSet): string => JSON.stringify([withoutShard(set.provenance), set.provenance.shard.settings]);
  const other = sets.find((set) => agreed(set) !== agreed(sets[0]!));
  if (other) throw new KgcError(provenancePath(other.shards[0]!.path), `disagrees with ${provenancePath(sets[0]!.shards[0]!.path)} (another dataset, split, model, hub limit or weights)`);
  return sets;
}
