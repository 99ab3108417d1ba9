import type { Command } from "commander";
import { info } from "../../core/log.js";
import { DEEPWALK_DEFAULTS, deepwalkStage, type Similarity } from "../../features/deepwalk.js";

/** `kgc deepwalk --data data/<ds> [--out models]`: parses flags, delegates (the stage checks the values). */
export function registerDeepwalkCommand(program: Command): void {
  const d = DEEPWALK_DEFAULTS;
  program
    .command("deepwalk")
    .description("DeepWalk entity embeddings (random walks + skip-gram, native) -> <out>/<ds>/deepwalk/, scored by kgc score/eval as <h, c>")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>) with its CSR files")
    .option("--out <dir>", "root of model outputs", "models")
    .option("--walk-length <n>", "entities per walk", Number, d.walkLength)
    .option("--walks-per-node <n>", "walks started at every entity", Number, d.walksPerNode)
    .option("--window <n>", "skip-gram window (reduced at random per position, word2vec's)", Number, d.window)
    .option("--dim <n>", "embedding width", Number, d.dim)
    .option("--negatives <n>", "negatives per pair, from the unigram^0.75 distribution", Number, d.negatives)
    .option("--epochs <n>", "passes over the (replayed) walks", Number, d.epochs)
    .option("--lr <x>", "initial learning rate (linear decay to --min-lr)", Number, d.lr)
    .option("--min-lr <x>", "final learning rate", Number, d.minLr)
    .option("--similarity <s>", "dot | cosine (L2-normalised rows)", d.similarity)
    .option("--threads <n>", "C++ threads (Hogwild)", Number, d.threads)
    .option("--seed <n>", "seed of walks, init and negatives", Number, d.seed)
    .action(async (o: { data: string; out: string; walkLength: number; walksPerNode: number; window: number; dim: number; negatives: number; epochs: number; lr: number; minLr: number; similarity: string; threads: number; seed: number }) => {
      const r = await deepwalkStage({
        dataDir: o.data, outRoot: o.out, command: process.argv.slice(1),
        options: { walkLength: o.walkLength, walksPerNode: o.walksPerNode, window: o.window, dim: o.dim, negatives: o.negatives, epochs: o.epochs, lr: o.lr, minLr: o.minLr, threads: o.threads, seed: o.seed, similarity: o.similarity as Similarity },
      });
      info(`deepwalk: ${r.walks} walks, ${(r.pairs / 1e6).toFixed(1)}M pairs in ${r.seconds.toFixed(1)} s (${Math.round(r.walksPerSecond)} walks/s, ${(r.pairsPerSecond / 1e6).toFixed(2)}M pairs/s) -> ${r.outDir}`);
    });
}
