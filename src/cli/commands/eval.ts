import { type Command, InvalidArgumentError } from "commander";
import { info } from "../../core/log.js";
import { SPLITS, type SplitName } from "../../io/manifest.js";
import { evalStage, type EvalProtocol } from "../../eval/index.js";

/** `kgc eval --model-dir models/<ds>/<model> --data data/<ds>`: parses flags, delegates to the eval stage. */
export function registerEvalCommand(program: Command): void {
  program
    .command("eval")
    .description("evaluate a trained model: filtered link prediction and/or the candidate (OGB) protocol -> <model-dir>/eval-<split>.json")
    .requiredOption("--model-dir <dir>", "trained model directory (models/<dataset>/<model>)")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--split <name>", "valid | test", splitName, "test")
    .option("--protocol <p>", "filtered | candidates | both", protocolName, "both")
    .option("--threads <n>", "C++ threads (default: the model's training threads)", positiveInt)
    .option("--json", "print the whole report as JSON")
    .action(async (o: { modelDir: string; data: string; split: SplitName; protocol: EvalProtocol; threads?: number; json?: boolean }) => {
      const r = await evalStage({ modelDir: o.modelDir, dataDir: o.data, split: o.split, protocol: o.protocol, threads: o.threads, command: process.argv.slice(1) });
      if (o.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        return;
      }
      const f = (x: number): string => x.toFixed(4);
      if (r.filtered) {
        const m = r.filtered.overall;
        process.stdout.write(`${r.model} ${r.dataset}/${r.split} filtered: MRR ${f(m.mrr)}  MR ${m.meanRank.toFixed(1)}  H@1 ${f(m.hits1)}  H@3 ${f(m.hits3)}  H@10 ${f(m.hits10)}  (${r.filtered.queries} queries, ${r.filtered.seconds.toFixed(1)} s)\n`);
      }
      if (r.candidates) {
        const c = r.candidates;
        const ogb = c.ogb ? `OGB MRR ${f(c.ogb.mrr)}${c.ogb.duplicateRows.length ? ` (${c.ogb.duplicateRows.length} duplicate rows, first ${c.ogb.duplicateRows.slice(0, 5).join(", ")})` : ""}  ` : "";
        process.stdout.write(`${r.model} ${r.dataset}/${r.split} candidates (${c.width}/row): ${ogb}MRR ${f(c.candidates.mrr)}  MR ${c.candidates.meanRank.toFixed(1)}  H@10 ${f(c.candidates.hits10)}  (${c.seconds.toFixed(1)} s)\n`);
      }
      info(`wrote ${r.outPath}`);
    });
}

export function splitName(v: string): SplitName {
  if (!(SPLITS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${SPLITS.join(", ")}`);
  return v as SplitName;
}

function protocolName(v: string): EvalProtocol {
  if (v !== "filtered" && v !== "candidates" && v !== "both") throw new InvalidArgumentError("must be filtered, candidates or both");
  return v;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}
