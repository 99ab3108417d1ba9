import type { Command } from "commander";
import { info } from "../../core/log.js";
import { submitStage } from "../../ensemble/submit.js";

/** `kgc submit --data DIR [--ensemble DIR]`: the OGB leaderboard file from the ensemble's test top-10. */
export function registerSubmitCommand(program: Command): void {
  program
    .command("submit")
    .description("OGB submission: ensemble/<ds>/test-top10.npy -> t_pred_wikikg90m.npz (key t_pred_top10, int16, test queries x 10)")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--ensemble <dir>", "folder of test-top10.npy and the submission (default ensemble/<ds>)")
    .action(async (o: { data: string; ensemble?: string }) => {
      const r = await submitStage({ dataDir: o.data, ensembleDir: o.ensemble, command: process.argv.slice(1) });
      info(`wrote ${r.path} (${r.queries} x 10, int16)`);
    });
}
