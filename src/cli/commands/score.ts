import type { Command } from "commander";
import { info } from "../../core/log.js";
import { parseShard } from "../../core/shard.js";
import type { SplitName } from "../../io/manifest.js";
import { scoreStage } from "../../eval/index.js";
import { positiveInt, splitName } from "./eval.js";

/** `kgc score --model-dir models/<ds>/<model> --data data/<ds> --split valid|test`: parses flags, delegates. */
export function registerScoreCommand(program: Command): void {
  program
    .command("score")
    .description("score every candidate of a split's queries -> <model-dir>/scores-<split>.npy (float32, queries x candidates); an entity.npy above 256 MB is memory-mapped, not read")
    .requiredOption("--model-dir <dir>", "trained model directory (models/<dataset>/<model>)")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--split <name>", "valid | test", splitName, "test")
    .option("--out <file>", "output npy (default <model-dir>/scores-<split>.npy)")
    .option("--threads <n>", "C++ threads (default: the model's training threads)", positiveInt)
    .option("--chunk <n>", "queries per native call (default 16384; two chunks of candidate rows and two of scores are held in memory)", positiveInt)
    .option("--force", "replace an existing file at --out (the default path in the model folder is always kgc's to replace)")
    .option("--shard <i/n>", "only the i-th of n query ranges (0 <= i < n) -> <file>.shard-i-of-n.npy; `kgc merge` joins the n shards")
    .action(async (o: { modelDir: string; data: string; split: SplitName; out?: string; threads?: number; chunk?: number; force?: boolean; shard?: string }) => {
      const r = await scoreStage({ modelDir: o.modelDir, dataDir: o.data, split: o.split, out: o.out, threads: o.threads, chunk: o.chunk, force: o.force === true, shard: o.shard === undefined ? undefined : parseShard(o.shard), command: process.argv.slice(1) });
      info(`scored ${r.queries} queries x ${r.width} candidates in ${r.seconds.toFixed(1)} s (${(r.scoresPerSecond / 1e6).toFixed(2)}M scores/s) -> ${r.outPath}`);
    });
}
