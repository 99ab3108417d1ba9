/**
 * `kgc train` end to end on a tiny TSV dataset, and every bad input of issue 4 as one clear error
 * before any training: unknown model, dim not divisible by the model's block, B or N <= 0, concat
 * without features, --resume with a checkpoint of another model, dimension or optimizer, an unknown optimizer,
 * lrDecayAt outside (0, 1), a non-boolean filterNegatives, an unknown --backend.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { registerTrainCommand } from "../../src/cli/commands/train.js";
import { evalStage } from "../../src/eval/eval.js";
import { openRegistry } from "../../src/runs/index.js";

const KGC = fileURLToPath(new URL("../../src/cli/kgc.js", import.meta.url));
let root = "";
let data = "";

async function kgcTrain(...args: string[]): Promise<void> {
  const program = new Command("kgc").exitOverride().configureOutput({ writeErr: () => {} });
  registerTrainCommand(program);
  await program.parseAsync(["node", "kgc", "train", "--data", data, "--out", join(root, "models"), "--threads", "1", ...args]);
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "kgc-train-cli-"));
  process.env["KGC_REGISTRY"] = join(root, "registry.sqlite");
  const tsv = join(root, "tsv");
  mkdirSync(tsv);
  const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `e${(i + off) % 30}\tr${i % 3}\te${(i * 7 + 1 + off) % 30}`).join("\n") + "\n";
  writeFileSync(join(tsv, "train.txt"), lines(300, 0));
  writeFileSync(join(tsv, "valid.txt"), lines(20, 5));
  writeFileSync(join(tsv, "test.txt"), lines(20, 9));
  execFileSync(process.execPath, [KGC, "data", "import", "--tsv", tsv, "--name", "toy", "--out", join(root, "data")], { stdio: "pipe" });
  data = join(root, "data", "toy");
});

after(() => rmSync(root, { recursive: true, force: true }));

describe("kgc train", () => {
  it("trains and writes entity.npy, relation.npy, config.json, metrics.jsonl, checkpoint/", async () => {
    await kgcTrain("--model", "transe-l2", "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "40", "--set", "logEvery=10", "--set", "validEvery=20");
    const out = join(root, "models", "toy", "transe-l2");
    for (const f of ["entity.npy", "relation.npy", "config.json", "metrics.jsonl", "checkpoint/meta.json"]) assert.ok(existsSync(join(out, f)), f);
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
    assert.ok(lines.some((l) => l["valid_mrr_raw_sampled"] !== undefined));
    const saved = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    assert.equal(saved["dim"], 8);
    assert.equal(saved["backend"], "native", "the default backend is recorded");
    assert.match(String(saved["device"]), /^native C\+\+ \((avx512|avx2|scalar), gemm (openblas|builtin)\)$/);
    await kgcTrain("--model", "transe-l2", "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "60", "--resume");
    assert.equal(JSON.parse(readFileSync(join(out, "checkpoint", "meta.json"), "utf8")).step, 60);
    const registry = openRegistry(process.env["KGC_REGISTRY"]);
    try {
      const runs = registry.listRuns({ stage: "train" });
      assert.equal(runs.length, 2);
      assert.ok(runs.every((r) => r.status === "done" && r.model === "transe-l2"));
      assert.ok(runs.every((r) => (r.config as Record<string, unknown>)["backend"] === "native" && /^native C\+\+/.test(String((r.config as Record<string, unknown>)["device"]))));
    } finally {
      registry.close();
    }
  });

  it("concat encoder on a dataset with fp16 features; candidate-query validation", async () => {
    const raw = join(root, "synth-raw");
    execFileSync(process.execPath, [KGC, "data", "synth", "--out", raw, "--entities", "2000", "--relations", "6", "--train", "3000", "--valid", "50", "--test", "50", "--candidates", "20", "--feature-dim", "16"], { stdio: "pipe" });
    execFileSync(process.execPath, [KGC, "data", "import", "--ogb", raw, "--name", "synth", "--out", join(root, "data")], { stdio: "pipe" });
    const program = new Command("kgc").exitOverride().configureOutput({ writeErr: () => {} });
    registerTrainCommand(program);
    await program.parseAsync(["node", "kgc", "train", "--data", join(root, "data", "synth"), "--out", join(root, "models"), "--threads", "2", "--model", "note", "--dim", "8",
      "--set", "block=4", "--encoder", "concat", "--batch", "32", "--negatives", "16", "--steps", "20", "--set", "validEvery=10", "--set", "logEvery=10"]);
    const out = join(root, "models", "synth", "note");
    for (const f of ["entity-W.npy", "entity-b.npy", "relation-W.npy", "relation-b.npy"]) assert.ok(existsSync(join(out, f)), f);
    assert.match(readFileSync(join(out, "metrics.jsonl"), "utf8"), /valid_mrr_candidates_sampled/);
    // the trained concat model loads back (W, b, frozen features) for evaluation
    const report = await evalStage({ modelDir: out, dataDir: join(root, "data", "synth"), split: "valid", protocol: "both", threads: 2, command: [] });
    assert.ok(report.candidates!.candidates.mrr > 0 && report.filtered!.overall.mrr > 0);
  });

  it("unknown backend: one line listing the known ones, nothing written", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--dim", "8", "--steps", "1", "--backend", "cuda"), /--backend: unknown backend 'cuda' \(known: native/);
    assert.ok(!existsSync(join(root, "models", "toy", "rotate")));
  });

  it("unknown model", async () => {
    await assert.rejects(kgcTrain("--model", "transr", "--steps", "1"), /unknown model 'transr' \(known: .*rotate/);
  });

  it("dimension not divisible by the model's block", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--dim", "7", "--steps", "1"), /rotate needs dim divisible by 2/);
    await assert.rejects(kgcTrain("--model", "note", "--dim", "30", "--set", "block=20", "--steps", "1"), /divisible by 20/);
  });

  it("B or N <= 0", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--batch", "0", "--steps", "1"), /positive integer/);
    await assert.rejects(kgcTrain("--model", "rotate", "--set", "negatives=0", "--steps", "1"), /negatives/);
    await assert.rejects(kgcTrain("--model", "rotate", "--set", "batch=-3", "--steps", "1"), /batch/);
  });

  it("no budget", async () => {
    await assert.rejects(kgcTrain("--model", "rotate"), /--steps or --minutes/);
  });

  it("concat encoder on a dataset without features", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--dim", "8", "--encoder", "concat", "--steps", "1"), /needs entity features but the dataset has none/);
  });

  it("--resume with a checkpoint of another dimension or model", async () => {
    await kgcTrain("--model", "distmult", "--dim", "8", "--batch", "8", "--negatives", "4", "--steps", "5");
    await assert.rejects(kgcTrain("--model", "distmult", "--dim", "16", "--steps", "10", "--resume"), /checkpoint has dim 8 but the config asks for 16/);
    const models = join(root, "models", "toy");
    cpSync(join(models, "distmult", "checkpoint"), join(models, "complex", "checkpoint"), { recursive: true });
    await assert.rejects(kgcTrain("--model", "complex", "--dim", "8", "--steps", "10", "--resume"), /checkpoint has model distmult but the config asks for complex/);
    await assert.rejects(kgcTrain("--model", "quate", "--dim", "8", "--steps", "10", "--resume"), /no checkpoint here/);
    await assert.rejects(kgcTrain("--model", "distmult", "--dim", "8", "--optimizer", "adam", "--steps", "10", "--resume"), /checkpoint has optimizer adagrad but the config asks for adam/);
  });

  it("filtered negatives and a budget-relative lr drop train through the stage", async () => {
    await kgcTrain("--model", "rotate", "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "30", "--set", "filterNegatives=true", "--set", "lrDecay=0.1", "--set", "lrDecayAt=0.5", "--set", "validEvery=0");
    const config = JSON.parse(readFileSync(join(root, "models", "toy", "rotate", "config.json"), "utf8")) as Record<string, unknown>;
    assert.equal(config["filterNegatives"], true);
    assert.equal(config["lrDecayAt"], 0.5);
  });

  it("lrDecayAt outside (0, 1), a non-boolean filterNegatives", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--steps", "1", "--set", "lrDecayAt=1.5"), /lrDecayAt: Too big/);
    await assert.rejects(kgcTrain("--model", "rotate", "--steps", "1", "--set", "lrDecayAt=0"), /lrDecayAt: Too small/);
    await assert.rejects(kgcTrain("--model", "rotate", "--steps", "1", "--set", "filterNegatives=yes"), /filterNegatives: Invalid input: expected boolean/);
  });

  it("1vsAll and KvsAll with reciprocal relations and N3 train, and eval answers head queries through r + R", async () => {
    for (const training of ["1vsAll", "KvsAll"]) {
      await kgcTrain("--out", join(root, "models-1n"), "--model", "complex", "--dim", "8", "--batch", "16", "--steps", "30", "--force", "--set", `training=${training}`, "--set", "reciprocal=true", "--set", "n3=0.01", "--set", "labelSmoothing=" + (training === "KvsAll" ? "0.1" : "0"), "--set", "validEvery=0");
      const out = join(root, "models-1n", "toy", "complex");
      const rel = readFileSync(join(out, "relation.npy"));
      assert.match(rel.toString("latin1", 0, 128), /'shape': \(6, 8\)/, "3 relations and their 3 inverses");
      const report = await evalStage({ modelDir: out, dataDir: data, split: "valid", protocol: "filtered", threads: 1, command: [] });
      assert.ok(report.filtered!.overall.mrr > 0);
    }
  });

  it("1-N bad input: label smoothing outside [0, 1), a block above the memory budget, KvsAll without reciprocal, N3 with negatives", async () => {
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--set", "training=KvsAll", "--set", "reciprocal=true", "--set", "labelSmoothing=1"), /labelSmoothing: Too big: expected number to be <1/);
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--set", "training=KvsAll", "--set", "reciprocal=true", "--set", "labelSmoothing=-0.1"), /labelSmoothing: Too small/);
    await assert.rejects(kgcTrain("--out", join(root, "models-1n"), "--model", "complex", "--steps", "1", "--dim", "20000", "--set", "training=1vsAll", "--set", "oneToNMemoryMB=1"),
      /training: 1vsAll over 30 entities needs 3 MB per thread .* above oneToNMemoryMB = 1; 13 entities fit/);
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--set", "training=KvsAll"), /training: KvsAll trains tail queries only: set reciprocal true/);
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--set", "n3=0.1"), /n3: the N3 regulariser is for the 1-N modes/);
  });

  it("adagradInit with row Adam, or out of core: one line", async () => {
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--set", "optimizer=adam", "--set", "adagradInit=1e-10"), /adagradInit: is Adagrad's; optimizer is adam/);
    await assert.rejects(kgcTrain("--model", "complex", "--steps", "1", "--memory-gb", "1", "--set", "adagradInit=1e-10"), /adagradInit: is not supported out of core/);
  });

  it("eval of a config saying reciprocal for a model trained without reciprocal relations: one line", async () => {
    await kgcTrain("--model", "distmult", "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "5", "--force", "--set", "validEvery=0");
    const out = join(root, "models", "toy", "distmult");
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(out, "config.json"), JSON.stringify({ ...config, reciprocal: true }));
    await assert.rejects(evalStage({ modelDir: out, dataDir: data, split: "valid", protocol: "filtered", threads: 1, command: [] }),
      /config.json: says reciprocal: true but relation.npy has 3 rows, one per relation \(a reciprocal model has 6\): the model was trained without reciprocal relations/);
  });

  it("unknown optimizer", async () => {
    await assert.rejects(kgcTrain("--model", "rotate", "--optimizer", "sgd", "--steps", "1"), /optimizer: Invalid option: expected one of "adagrad"\|"adam"/);
  });
});
