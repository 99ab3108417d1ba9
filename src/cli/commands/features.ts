import { type Command, InvalidArgumentError } from "commander";
import { info } from "../../core/log.js";
import { parseShard } from "../../core/shard.js";
import { DEFAULT_HUB_LIMIT, featuresStage } from "../../features/index.js";
import type { SplitName } from "../../io/manifest.js";
import { positiveInt, splitName } from "./eval.js";

/** `kgc features --data data/<ds> --split valid|test`: parses flags, delegates to the features stage. */
export function registerFeaturesCommand(program: Command): void {
  program
    .command("features")
    .description("statistical candidate features (the KDD Cup 2021 winner's 10 + 4 paper features) -> data/<ds>/features/<split>-<name>.npy (float32, queries x candidates) and features.json")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>), with its CSR files and the split's candidates")
    .option("--split <name>", "valid | test", splitName, "valid")
    .option("--threads <n>", "C++ threads (default: all cores)", positiveInt)
    .option("--chunk <n>", "queries per chunk", positiveInt)
    .option("--hub-limit <n>", `tails with more in-edges are skipped by the ht-th-ht walk (the seed's cap)`, nonNegativeInt, DEFAULT_HUB_LIMIT)
    .option("--shard <i/n>", "only the i-th of n query ranges (0 <= i < n) -> <file>.shard-i-of-n.npy; `kgc merge` joins the n shards")
    .action(async (o: { data: string; split: SplitName; threads?: number; chunk?: number; hubLimit: number; shard?: string }) => {
      const r = await featuresStage({ dataDir: o.data, split: o.split, threads: o.threads, chunk: o.chunk, hubLimit: o.hubLimit, shard: o.shard === undefined ? undefined : parseShard(o.shard), command: process.argv.slice(1) });
      const n = Object.keys(r.files).length;
      info(`${n} features of ${r.queries} queries x ${r.width} candidates (tables ${r.tableSeconds.toFixed(1)} s, features ${r.featureSeconds.toFixed(1)} s) -> ${r.outDir} (run ${r.runId})`);
    });
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}
