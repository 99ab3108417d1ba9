import { type Command, InvalidArgumentError as InvalidArgument } from "commander";
import { info } from "../../core/log.js";
import { parseShard } from "../../core/shard.js";
import { applyStage } from "../../ensemble/apply.js";
import { fitStage } from "../../ensemble/fit.js";
import type { Ablation } from "../../ensemble/weights.js";
import type { SplitName } from "../../io/manifest.js";
import { positiveInt, splitName } from "./eval.js";

/** `kgc ensemble fit|apply`: parses flags, delegates to the ensemble stages. */
export function registerEnsembleCommand(program: Command): void {
  const ensemble = program.command("ensemble").description("gradient-free weighted ensemble of score files: fit weights on validation, apply them to a split");
  ensemble
    .command("fit")
    .description("search input weights on a split's MRR with head-grouped k-fold CV -> ensemble/<ds>/weights.json and ablation.json")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--split <name>", "split with answers to fit on", splitName, "valid")
    .option("--input <path>", "a model folder (its scores-<split>.npy) or a feature npy <split>-<name>.npy; repeat for more", collect, [])
    .option("--features <which>", "feature files of data/<ds>/features: all | none | name,name", "none")
    .option("--normalise <spec>", "query-minmax | global-minmax | query-rank, or name=method entries (comma-separated)", "query-minmax")
    .option("--search <method>", "coordinate | nelder-mead | cmaes", "coordinate")
    .option("--folds <k>", "cross-validation folds (queries grouped by head)", positiveInt, 5)
    .option("--queries <n>", "fit and cross-validate on the split's first n queries only (the seed searched on the first 5,000; default all)", positiveInt)
    .option("--relation-groups <g>", "fit separate weights for g groups of relations (0 = one set)", nonNegativeInt, 0)
    .option("--seed <n>", "fold assignment and CMA-ES seed", nonNegativeInt, 42)
    .option("--out <dir>", "output folder (default ensemble/<ds>)")
    .action(async (o: { data: string; split: SplitName; input: string[]; features: string; normalise: string; search: string; folds: number; queries?: number; relationGroups: number; seed: number; out?: string }) => {
      const r = await fitStage({ dataDir: o.data, split: o.split, inputs: o.input, features: o.features, normalise: o.normalise, search: o.search, folds: o.folds, maxQueries: o.queries, relationGroups: o.relationGroups, seed: o.seed, out: o.out, command: process.argv.slice(1) });
      process.stdout.write(ablationTable(r.ablation));
      process.stdout.write(`ensemble (${r.weights.search}, ${r.weights.folds.length} folds): held-out MRR ${r.weights.heldOutMrr.toFixed(4)}  in-sample ${r.weights.inSampleMrr.toFixed(4)}\n`);
      info(`fitted in ${r.seconds.toFixed(1)} s -> ${r.weightsPath}, ${r.ablationPath}`);
    });
  ensemble
    .command("apply")
    .description("blend a split's score files with the fitted weights -> ensemble/<ds>/<split>-top10.npy (int32, queries x 10)")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--split <name>", "valid | test", splitName, "test")
    .option("--ensemble <dir>", "folder of weights.json and the outputs (default ensemble/<ds>)")
    .option("--blended", "also write the blended scores <split>-blended.npy (float32, queries x candidates)")
    .option("--shard <i/n>", "only the i-th of n query ranges (0 <= i < n) -> <file>.shard-i-of-n.npy; `kgc merge` joins the n shards")
    .action(async (o: { data: string; split: SplitName; ensemble?: string; blended?: boolean; shard?: string }) => {
      const r = await applyStage({ dataDir: o.data, split: o.split, ensembleDir: o.ensemble, blended: o.blended === true, shard: o.shard === undefined ? undefined : parseShard(o.shard), command: process.argv.slice(1) });
      info(`ranked ${r.queries} queries in ${r.seconds.toFixed(1)} s -> ${r.top10Path}${r.blendedPath ? `, ${r.blendedPath}` : ""}`);
    });
}

/** The ablation ladder as a plain table (held-out beside in-sample MRR). */
export function ablationTable(ablation: Ablation): string {
  const width = Math.max(12, ...ablation.rows.map((r) => r.label.length));
  const lines = [`${"inputs".padEnd(width)}  held-out MRR  in-sample MRR`];
  for (const r of ablation.rows) lines.push(`${r.label.padEnd(width)}  ${r.heldOutMrr.toFixed(4).padStart(12)}  ${r.inSampleMrr.toFixed(4).padStart(13)}`);
  return lines.join("\n") + "\n";
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgument("must be a non-negative integer");
  return n;
}
