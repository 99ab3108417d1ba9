import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { KgcError } from "../../core/errors.js";
import { info } from "../../core/log.js";
import { applyOverrides, parseTrainConfig } from "../../models/config.js";
import { trainStage } from "../../train/index.js";

/**
 * `kgc train --data data/<ds> --model <name>`: builds the config (models/<model>.json, then
 * flags, then --set key=value), and delegates to the train stage.
 */
export function registerTrainCommand(program: Command): void {
  program
    .command("train")
    .description("train a KGE model (--backend native: the C++ engine, Hogwild threads; tfjs: TensorFlow.js) -> <out>/<dataset>/<model>/")
    .requiredOption("--data <dir>", "prepared dataset folder (data/<name>)")
    .option("--model <name>", "interaction: transe-l1 transe-l2 distmult complex rotate quate ote note")
    .option("--config <file>", "model config JSON (default: models/<model>.json when it exists)")
    .option("--out <dir>", "output root", "models")
    .option("--backend <name>", "compute backend: native | tfjs", "native")
    .option("--steps <n>", "step budget", positiveInt)
    .option("--minutes <m>", "wall-clock budget", positiveNumber)
    .option("--threads <n>", "C++ threads (default: all cores)", positiveInt)
    .option("--seed <n>", "random seed (threads 1 + seed => bit-reproducible)", nonNegativeInt)
    .option("--dim <n>", "entity width in floats", positiveInt)
    .option("--batch <n>", "positives per step (B)", positiveInt)
    .option("--negatives <n>", "shared negatives per step (N)", positiveInt)
    .option("--encoder <kind>", "shallow | concat")
    .option("--optimizer <name>", "optimizer of the learned rows: adagrad (row-wise) | adam (lazy)")
    .option("--lr <x>", "learning rate of the learned rows", positiveNumber)
    .option("--memory-gb <g>", "out of core: entity partitions on disk, P and C picked for this memory budget (GB)", positiveNumber)
    .option("--partitions <p>", "out of core: entity partitions P (with --buffer)", positiveInt)
    .option("--buffer <c>", "out of core: partitions in memory C (with --partitions)", positiveInt)
    .option("--resume", "continue from <out>/<dataset>/<model>/checkpoint (out of core: partitions/checkpoint.json)")
    .option("--force", "train a new model over an existing one (which stays until the new one is complete)")
    .option("--set <key=value>", "override any config field (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (o: TrainFlags) => {
      const fromFile = readConfigFile(o);
      const flags: Record<string, unknown> = {};
      for (const key of ["model", "steps", "minutes", "threads", "seed", "dim", "batch", "negatives", "encoder", "optimizer", "lr", "memoryGb", "partitions", "buffer"] as const) {
        if (o[key] !== undefined) flags[key] = o[key];
      }
      const config = parseTrainConfig(applyOverrides({ ...fromFile, ...flags }, o.set), o.config ?? "flags");
      const r = await trainStage({ dataDir: o.data, outRoot: o.out, config, backend: o.backend, resume: o.resume === true, force: o.force === true, command: process.argv.slice(1) });
      info(`trained ${config.model} to step ${r.step}: loss ${r.loss.toFixed(4)}, ${Math.round(r.posPerSecond)} positives/s -> ${r.outDir}`);
    });
}

interface TrainFlags {
  data: string;
  model?: string;
  config?: string;
  out: string;
  backend: string;
  steps?: number;
  minutes?: number;
  threads?: number;
  seed?: number;
  dim?: number;
  batch?: number;
  negatives?: number;
  encoder?: string;
  optimizer?: string;
  lr?: number;
  memoryGb?: number;
  partitions?: number;
  buffer?: number;
  resume?: boolean;
  force?: boolean;
  set: string[];
}

function readConfigFile(o: TrainFlags): Record<string, unknown> {
  const path = o.config ?? (o.model !== undefined ? join("models", `${o.model}.json`) : undefined);
  if (path === undefined) throw new KgcError("--model", "give --model or --config");
  if (!existsSync(path)) {
    if (o.config !== undefined) throw new KgcError(path, "config file not found");
    return {};
  }
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new KgcError(path, `not valid JSON (${(err as Error).message})`);
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}
