import { type Command, InvalidArgumentError } from "commander";
import { writeFileAtomic } from "../../core/atomic.js";
import { info, warn } from "../../core/log.js";
import { formatPredictions, type PredictFormat } from "../../ensemble/predict-format.js";
import { predictStage } from "../../ensemble/predict.js";
import { positiveInt } from "./eval.js";

const collect = (v: string, acc: string[]): string[] => [...acc, v];

function formatName(v: string): PredictFormat {
  if (v !== "tsv" && v !== "json") throw new InvalidArgumentError("must be tsv or json");
  return v;
}

/** `kgc predict (--model-dir DIR | --ensemble FILE) --data DIR --query "h r" ...`: parses flags, delegates. */
export function registerPredictCommand(program: Command): void {
  program
    .command("predict")
    .description("rank tails of (h, r, ?) queries or score (h, r, t) triples, by name or id, with one model or the fitted ensemble")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>); its dictionary resolves names")
    .option("--model-dir <dir>", "one trained model (models/<dataset>/<model>)")
    .option("--ensemble <file>", "a fitted ensemble (ensemble/<dataset>/weights.json): model inputs are re-scored through their model folders; "
      + "feature inputs exist only for the fitted split's candidate rows, so they are used when the query is a row of that split and every candidate is in its row, and otherwise left out with a one-line note")
    .option("--query <\"h r\">", "a (head, relation, ?) query by names or ids, split by spaces (by tabs when it has any, for names with spaces); repeatable", collect, [])
    .option("--triple <\"h r t\">", "a (head, relation, tail) triple: its score and the tail's rank; repeatable", collect, [])
    .option("--input <file>", "TSV, one query (head<TAB>relation) or triple (head<TAB>relation<TAB>tail) per line")
    .option("--candidates <a,b,c>", "rank among these tails (default: all entities; one model ranks exactly over the whole table, "
      + "the ensemble ranks the union of its models' top lists as long as its fitted split's candidate rows)")
    .option("--top <k>", "predictions per query", positiveInt, 10)
    .option("--format <f>", "tsv | json", formatName, "tsv")
    .option("--explain", "per candidate, each input's raw score and the rank it alone gives (ensemble: also its weighted normalised contribution; they sum to the score)")
    .option("--out <file>", "write the predictions to this file (atomically) instead of stdout")
    .option("--threads <n>", "C++ threads (default: the model's training threads, or all cores)", positiveInt)
    .action(async (o: { data: string; modelDir?: string; ensemble?: string; query: string[]; triple: string[]; input?: string; candidates?: string; top: number; format: PredictFormat; explain?: boolean; out?: string; threads?: number }) => {
      const p = await predictStage({
        dataDir: o.data, modelDir: o.modelDir, ensemble: o.ensemble, top: o.top, explain: o.explain === true, threads: o.threads,
        requests: { queries: o.query, triples: o.triple, inputFile: o.input, candidates: o.candidates }, command: process.argv.slice(1),
      });
      for (const note of p.notes) warn(note);
      const text = formatPredictions(p, o.format);
      if (o.out === undefined) {
        process.stdout.write(text);
        return;
      }
      writeFileAtomic(o.out, text);
      info(`wrote ${p.results.length} queries' predictions -> ${o.out}`);
    });
}
