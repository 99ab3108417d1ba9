import type { Command } from "commander";
import { evaluatePrediction } from "../../ensemble/evaluate-prediction.js";
import type { SplitName } from "../../io/manifest.js";
import { splitName } from "./eval.js";

/** `kgc evaluate --pred FILE --data DIR --split S`: OGB's WikiKG90M evaluator on a top-10 file. */
export function registerEvaluateCommand(program: Command): void {
  program
    .command("evaluate")
    .description("OGB WikiKG90M evaluator: MRR of a top-10 file (npy [Q, 10] or npz with t_pred_top10) against a split's answers")
    .requiredOption("--pred <file>", "top-10 candidate indices per query: .npy or .npz (key t_pred_top10)")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--split <name>", "valid | test (needs answers)", splitName, "valid")
    .option("--json", "print the metrics as JSON")
    .action(async (o: { pred: string; data: string; split: SplitName; json?: boolean }) => {
      const r = await evaluatePrediction({ predPath: o.pred, dataDir: o.data, split: o.split, command: process.argv.slice(1) });
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        return;
      }
      const dup = r.duplicateRows.length ? `  (${r.duplicateRows.length} rows repeat an index, first ${r.duplicateRows.slice(0, 5).join(", ")}: OGB scores the file 0; without the rule ${r.mrrIgnoringDuplicates.toFixed(4)})` : "";
      process.stdout.write(`${r.dataset}/${r.split}: MRR ${r.mrr.toFixed(4)}  H@1 ${r.hits1.toFixed(4)}  H@3 ${r.hits3.toFixed(4)}  H@10 ${r.hits10.toFixed(4)}  (${r.queries} queries)${dup}\n`);
    });
}
