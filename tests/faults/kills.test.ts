import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { Rng } from "../../src/core/rng.js";
import { writeNpy } from "../../src/io/npy.js";
import { tmpDir } from "../helpers.js";
import { assertUnchanged, expectOk, snapshot, spawnKgc, waitFor, type Spawned } from "./helpers.js";

/**
 * Issue 21: kill -9 at points inside import, train and score, then rerun. Each case checks what
 * the kill left (the previous artefact byte-identical, at most a temporary leftover) and what the
 * rerun did (completed, swept the leftover, took over the stale lock, gave the same bytes as an
 * uninterrupted run where the stage is deterministic).
 */
const E = 20_000, R = 20, TRAIN = 300_000, Q = 5_000, K = 200;
let root = "";
let registry = "";
const opts = (): { cwd: string; registry: string } => ({ cwd: root, registry });
const IMPORT = ["data", "import", "--ogb", "raw", "--name", "d", "--out", "data", "--num-entities", String(E), "--num-relations", String(R)];
const TRAIN_ARGS = ["--data", "data/d", "--model", "rotate", "--dim", "32", "--batch", "256", "--negatives", "64", "--threads", "1", "--out", "models"];
const SCORE = ["score", "--model-dir", "models/d/rotate", "--data", "data/d", "--split", "test", "--threads", "1", "--chunk", "64"];

/** A random OGB-layout folder (int64 ids), written directly: much faster than `data synth`. */
function writeRawOgb(dir: string): void {
  const rng = new Rng(5);
  const ids = (n: number, max: number): BigInt64Array => BigInt64Array.from({ length: n }, () => BigInt(rng.int(max)));
  const train = new BigInt64Array(TRAIN * 3);
  for (let i = 0; i < TRAIN; i++) {
    train[3 * i] = BigInt(rng.int(E));
    train[3 * i + 1] = BigInt(rng.int(R));
    train[3 * i + 2] = BigInt(rng.int(E));
  }
  mkdirSync(join(dir, "processed"), { recursive: true });
  writeNpy(join(dir, "processed", "train_hrt.npy"), "<i8", [TRAIN, 3], train);
  for (const split of ["val", "test"]) {
    const hr = new BigInt64Array(Q * 2);
    for (let i = 0; i < Q; i++) {
      hr[2 * i] = BigInt(rng.int(E));
      hr[2 * i + 1] = BigInt(rng.int(R));
    }
    writeNpy(join(dir, "processed", `${split}_hr.npy`), "<i8", [Q, 2], hr);
    // distinct candidates per row: a random start, stride 97 (97 K < E)
    const candidates = new BigInt64Array(Q * K);
    for (let i = 0; i < Q; i++) {
      const start = rng.int(E);
      for (let j = 0; j < K; j++) candidates[i * K + j] = BigInt((start + 97 * j) % E);
    }
    writeNpy(join(dir, "processed", `${split}_t_candidate.npy`), "<i8", [Q, K], candidates);
  }
  writeNpy(join(dir, "processed", "val_t_correct_index.npy"), "<i8", [Q], ids(Q, K));
}

/** Kills `run` with SIGKILL once `ready()` holds; fails if it finished first. */
async function killWhen(run: Spawned, ready: () => boolean, what: string): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  try {
    await waitFor(() => exited || ready(), what);
  } catch (err) {
    if (!exited) process.kill(run.pid, "SIGKILL"); // a failed wait must not leave the run going (it would hold the test file open)
    throw err;
  }
  assert.ok(!exited, `the run ended before ${what}`);
  process.kill(run.pid, "SIGKILL");
  assert.equal((await run.done).signal, "SIGKILL");
}

const leftovers = (dir: string, base: string): string[] => readdirSync(dir).filter((n) => n.startsWith(`${base}.tmp-`) || n.startsWith(`${base}.old-`));

before(() => {
  root = tmpDir("faults-kills");
  registry = join(tmpDir("faults-kills-registry"), "registry.sqlite");
  writeRawOgb(join(root, "raw"));
});

describe("kill -9 in import", () => {
  test("a first import killed mid-build leaves no dataset; the rerun completes and sweeps the leftover", async () => {
    expectOk([...IMPORT.slice(0, 6), "--out", "ref", ...IMPORT.slice(8)], opts());
    const run = spawnKgc(IMPORT, opts());
    const tmp = join(root, "data", `d.tmp-${run.pid}`);
    await killWhen(run, () => existsSync(join(tmp, "train.arrow")), "the temporary dataset holds train.arrow");
    assert.ok(!existsSync(join(root, "data", "d")));
    assert.deepEqual(leftovers(join(root, "data"), "d"), [`d.tmp-${run.pid}`]);
    expectOk(IMPORT, opts()); // no --force needed: nothing complete was there
    assert.deepEqual(leftovers(join(root, "data"), "d"), []);
    const made = snapshot(join(root, "data", "d")), ref = snapshot(join(root, "ref", "d"));
    for (const key of ref.keys()) if (key !== "manifest.json" && key !== ".kgc-artefact.json") assert.equal(made.get(key), ref.get(key), key);
  });
  test("an import --force killed mid-build leaves the old dataset byte-identical", async () => {
    const old = snapshot(join(root, "data", "d"));
    const run = spawnKgc([...IMPORT, "--force"], opts());
    await killWhen(run, () => existsSync(join(root, "data", `d.tmp-${run.pid}`, "train.arrow")), "the replacement holds train.arrow");
    assertUnchanged(old, snapshot(join(root, "data", "d")));
    expectOk([...IMPORT, "--force"], opts());
    assert.deepEqual(leftovers(join(root, "data"), "d"), []);
  });
});

describe("kill -9 in train", () => {
  test("a retrain killed after a time-based checkpoint keeps the good model; --resume finishes it", async () => {
    // 301: the killed run checkpoints at multiples of logEvery = 20, so its resume to at + 200 never
    // lands on the good model's step count (training is deterministic: it would equal it byte for byte)
    expectOk(["train", ...TRAIN_ARGS, "--steps", "301"], opts());
    const model = join(root, "models", "d", "rotate");
    const good = ["config.json", "metrics.jsonl", "entity.npy", "relation.npy"].map((f) => [f, readFileSync(join(model, f))] as const);
    // the checkpoint folder is replaced as a whole, so meta.json can vanish between two reads: absent = no checkpoint yet
    const metaOf = (): { step: number } | null => {
      try {
        return JSON.parse(readFileSync(join(model, "checkpoint", "meta.json"), "utf8")) as { step: number };
      } catch {
        return null;
      }
    };
    const lines = (): number => (existsSync(join(model, "metrics.running.jsonl")) ? readFileSync(join(model, "metrics.running.jsonl"), "utf8").split("\n").length - 1 : 0);
    const run = spawnKgc(["train", ...TRAIN_ARGS, "--steps", "10000000", "--force", "--set", "logEvery=20", "--set", "checkpointEvery=0", "--set", "checkpointMinutes=0.004"], opts());
    await killWhen(run, () => (metaOf()?.step ?? 301) !== 301 && lines() >= 3, "a time-based checkpoint of the new run and 3 metrics lines");
    for (const [f, bytes] of good) assert.deepEqual(readFileSync(join(model, f)), bytes, `${f} changed`);
    assert.ok(existsSync(`${model}.lock`), "the killed run's lock is left behind");
    const at = metaOf()!.step;
    expectOk(["train", ...TRAIN_ARGS, "--steps", String(at + 200), "--resume"], opts());
    assert.ok(!existsSync(`${model}.lock`));
    const steps = readFileSync(join(model, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { step: number }).step);
    assert.ok(steps.some((s) => s <= at) && steps.at(-1) === at + 200, `metrics steps ${steps.join(",")}`);
    assert.notDeepEqual(readFileSync(join(model, "entity.npy")), good[2]![1]);
    assert.deepEqual(readdirSync(model).filter((n) => n.includes(".tmp-")), []);
  });
});

describe("kill -9 in score", () => {
  test("a score killed mid-write leaves the previous file; the rerun gives the uninterrupted bytes", async () => {
    expectOk([...SCORE, "--out", "ref.npy"], opts());
    copyFileSync(join(root, "ref.npy"), join(root, "s.npy"));
    const old = readFileSync(join(root, "s.npy"));
    const run = spawnKgc([...SCORE, "--out", "s.npy", "--force"], opts());
    await killWhen(run, () => existsSync(join(root, `s.npy.tmp-${run.pid}`)), "the temporary scores file exists");
    assert.deepEqual(readFileSync(join(root, "s.npy")), old);
    assert.deepEqual(leftovers(root, "s.npy"), [`s.npy.tmp-${run.pid}`]);
    expectOk([...SCORE, "--out", "s.npy", "--force"], opts());
    assert.deepEqual(readFileSync(join(root, "s.npy")), readFileSync(join(root, "ref.npy")));
    assert.deepEqual(leftovers(root, "s.npy"), []);
  });
});
