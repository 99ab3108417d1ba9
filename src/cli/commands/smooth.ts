import type { Command } from "commander";
import { info } from "../../core/log.js";
import { smoothStage } from "../../features/smoothing.js";

/** `kgc smooth --model-dir models/<ds>/<model> [--alpha 0.97] [--hops 10]`: parses flags, delegates (the stage checks the values). */
export function registerSmoothCommand(program: Command): void {
  program
    .command("smooth")
    .description("relation-aware post-smoothing of a trained model's entities -> <model-dir>-smooth/ (scored by kgc score/eval unchanged)")
    .requiredOption("--model-dir <dir>", "trained model directory (transe-l1/l2, rotate, quate, ote, note)")
    .option("--data <dir>", "prepared dataset folder (default: the one the model was trained on)")
    .option("--alpha <x>", "weight kept by an entity each hop, in (0, 1]", Number, 0.97)
    .option("--hops <n>", "smoothing rounds (0 = copy)", Number, 10)
    .option("--threads <n>", "C++ threads (default: the model's training threads)", Number)
    .action(async (o: { modelDir: string; data?: string; alpha: number; hops: number; threads?: number }) => {
      const r = await smoothStage({ modelDir: o.modelDir, dataDir: o.data, alpha: o.alpha, hops: o.hops, threads: o.threads, command: process.argv.slice(1) });
      info(`smoothed in ${r.seconds.toFixed(1)} s (${(r.messagesPerSecond / 1e6).toFixed(1)}M messages/s) -> ${r.outDir}`);
    });
}
