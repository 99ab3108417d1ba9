#!/usr/bin/env node
import { Command } from "commander";
import { KgcError } from "../core/errors.js";
import { registerDataCommand } from "./commands/data.js";
import { registerEnsembleCommand } from "./commands/ensemble.js";
import { registerEvalCommand } from "./commands/eval.js";
import { registerEvaluateCommand } from "./commands/evaluate.js";
import { registerScoreCommand } from "./commands/score.js";
import { registerRunsCommand } from "./commands/runs.js";
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
    .showHelpAfterError("(run with --help for usage)");
  registerDataCommand(program);
  registerTrainCommand(program);
  registerEvalCommand(program);
  registerScoreCommand(program);
  registerRunsCommand(program);
  registerEnsembleCommand(program);
  registerEvaluateCommand(program);
  registerSubmitCommand(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof KgcError) {
      process.stderr.write(`kgc: error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
}

await main();
