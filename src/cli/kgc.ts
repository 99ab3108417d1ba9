#!/usr/bin/env node
import { Command } from "commander";
import { KgcError, systemErrorAsKgc } from "../core/errors.js";
import { registerDataCommand } from "./commands/data.js";
import { registerDeepwalkCommand } from "./commands/deepwalk.js";
import { registerEnsembleCommand } from "./commands/ensemble.js";
import { registerEvalCommand } from "./commands/eval.js";
import { registerEvaluateCommand } from "./commands/evaluate.js";
import { registerFeaturesCommand } from "./commands/features.js";
import { registerMergeCommand } from "./commands/merge.js";
import { registerPredictCommand } from "./commands/predict.js";
import { registerReportCommand } from "./commands/report.js";
import { registerRunsCommand } from "./commands/runs.js";
import { registerScoreCommand } from "./commands/score.js";
import { registerSmoothCommand } from "./commands/smooth.js";
import { registerSubmitCommand } from "./commands/submit.js";
import { registerTrainCommand } from "./commands/train.js";

/**
 * kgc: knowledge-graph completion pipeline. Each stage is a subcommand that reads the files the
 * previous stage wrote and writes its own atomically.
 */
export function buildProgram(): Command {
  const program = new Command("kgc")
    .description("knowledge-graph completion: data → train → score → ensemble → submit (WikiKG90M-style candidate ranking)")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    // usage errors too start with `kgc: error:` (commander's own start with `error: `)
    .configureOutput({ outputError: (text, write) => write(text.startsWith("error: ") ? `kgc: ${text}` : text) });
  registerDataCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerScoreCommand(program);
  registerDeepwalkCommand(program);
  registerSmoothCommand(program);
  registerFeaturesCommand(program);
  registerEnsembleCommand(program);
  registerMergeCommand(program);
  registerEvaluateCommand(program);
  registerSubmitCommand(program);
  registerPredictCommand(program);
  registerReportCommand(program);
  registerRunsCommand(program);
  return program;
}

/** The message of an error no stage translated: an allocation failure says so, anything else is internal. */
function unexpectedProblem(err: unknown): string {
  if (err instanceof RangeError && /allocation|Invalid (typed )?array length|Array buffer/i.test(err.message)) return `out of memory: ${err.message}`;
  return `internal error: ${err instanceof Error ? err.message : String(err)} (KGC_DEBUG=1 prints the stack)`;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    // every failure is one `kgc: error:` line; a stack only on request
    const known = err instanceof KgcError ? err : systemErrorAsKgc(err);
    process.stderr.write(`kgc: error: ${known ? known.message : unexpectedProblem(err)}\n`);
    if (process.env["KGC_DEBUG"] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = known ? 2 : 1;
  }
}

await main();
