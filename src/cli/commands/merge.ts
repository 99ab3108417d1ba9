import type { Command } from "commander";
import { KgcError } from "../../core/errors.js";
import { info } from "../../core/log.js";
import type { SplitName } from "../../io/manifest.js";
import { mergeStage, type MergeKind } from "../../merge/merge.js";
import { splitName } from "./eval.js";

/** `kgc merge (--model-dir DIR | --features DIR | --ensemble DIR) --split S`: parses flags, delegates. */
export function registerMergeCommand(program: Command): void {
  program
    .command("merge")
    .description("join the shard files of `kgc score|features|ensemble apply --shard i/n` into the unsharded output, byte for byte (checks every shard first: all n present, same dataset, split, model/weights, shape, dtype)")
    .option("--model-dir <dir>", "scores: <dir>/scores-<split>.shard-i-of-n.npy -> <dir>/scores-<split>.npy (+ provenance)")
    .option("--features <dir>", "features: the features folder (data/<ds>/features): <split>-<name>.shard-i-of-n.npy -> <split>-<name>.npy (+ provenance), features.json")
    .option("--ensemble <dir>", "ensemble apply: the ensemble folder (ensemble/<ds>): <split>-top10 (and -blended) shards -> <split>-top10.npy (<split>-blended.npy)")
    .requiredOption("--split <name>", "valid | test", splitName)
    .action(async (o: { modelDir?: string; features?: string; ensemble?: string; split: SplitName }) => {
      const given = ([["scores", o.modelDir], ["features", o.features], ["ensemble", o.ensemble]] as const).filter(([, dir]) => dir !== undefined);
      if (given.length !== 1) throw new KgcError("--model-dir | --features | --ensemble", "give exactly one: the folder whose shards to merge");
      const [kind, dir] = given[0]! as readonly [MergeKind, string];
      const r = await mergeStage({ kind, dir, split: o.split, command: process.argv.slice(1) });
      info(`merged ${r.shards} shards of ${r.queries} queries in ${r.seconds.toFixed(1)} s -> ${r.files.length === 1 ? r.files[0] : `${r.files.length} files in ${dir}`}`);
    });
}
