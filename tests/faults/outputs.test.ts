import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { ARTEFACT_MARKER } from "../../src/core/atomic.js";
import { assertUnchanged, buildFixture, deadPid, expectFault, expectOk, snapshot, spawnKgc, TRAIN_ARGS, trainArgsWithSteps, waitFor } from "./helpers.js";

/**
 * Issue 21, items 1-4: kgc never deletes what it did not write, replaces its own artefacts only
 * with consent and by a swap, sweeps the leftovers of killed runs, lets one writer at a time into
 * an output, and a failed training run leaves the previous good model usable.
 */
let root = "";
let registry = "";
const opts = (): { cwd: string; registry: string } => ({ cwd: root, registry });
const IMPORT = ["data", "import", "--ogb", "raw", "--name", "d", "--out", "data"];

before(() => {
  ({ root, registry } = buildFixture("faults-outputs"));
  mkdirSync(join(root, "user"));
  writeFileSync(join(root, "user", "thesis.tex"), "years of work\n");
  writeFileSync(join(root, "notes.txt"), "a user's file\n");
});

describe("item 1: never delete what kgc did not write", () => {
  test("synth --out a user's folder is refused", () => {
    expectFault(["data", "synth", "--out", "user"], /^kgc: error: user: exists and was not written by kgc/, root, opts());
  });
  test("synth --out a user's folder with a trailing slash is refused", () => {
    expectFault(["data", "synth", "--out", "user/"], /user\/: exists and was not written by kgc/, root, opts());
  });
  test("synth --out an existing file is refused", () => {
    expectFault(["data", "synth", "--out", "notes.txt"], /notes\.txt: exists and is not a folder/, root, opts());
  });
  test("synth --out the working folder is refused", () => {
    expectFault(["data", "synth", "--out", "."], /\.: is the working folder or one above it/, root, opts());
  });
  for (const [name, problem] of [[".", "is not a name"], ["..", "is not a name"], ["a/b", "contains a path separator"], ["", "is empty"]] as const) {
    test(`import --name '${name}' is refused`, () => {
      expectFault([...IMPORT.slice(0, 4), "--name", name, "--out", "data"], new RegExp(`--name: name .*${problem}`), root, opts());
    });
  }
  test("import into an existing dataset needs --force", () => {
    expectFault(IMPORT, /data\/d: already holds a complete dataset; pass --force/, root, opts());
  });
  test("import over a user's folder is refused even with --force", () => {
    mkdirSync(join(root, "data", "mine"), { recursive: true });
    writeFileSync(join(root, "data", "mine", "keep.csv"), "1,2\n");
    expectFault([...IMPORT.slice(0, 4), "--name", "mine", "--out", "data", "--force"], /data\/mine: exists and was not written by kgc/, root, opts());
  });
  test("export --out a user's folder or file is refused", () => {
    expectFault(["data", "export", "data/d", "--format", "arrow", "--out", "user"], /user: exists and was not written by kgc/, root, opts());
    expectFault(["data", "export", "data/d", "--format", "arrow", "--out", "notes.txt"], /notes\.txt: exists and is not a folder/, root, opts());
  });
  test("train into a model folder kgc did not write is refused", () => {
    mkdirSync(join(root, "models2", "d", "transe-l2"), { recursive: true });
    writeFileSync(join(root, "models2", "d", "transe-l2", "mine.txt"), "mine\n");
    const args = [...TRAIN_ARGS.slice(0, -1), "models2"];
    expectFault(["train", ...args, "--force"], /models2\/d\/transe-l2: exists and was not written by kgc/, root, opts());
  });
  test("train over an existing model needs --force", () => {
    expectFault(["train", ...TRAIN_ARGS], /models\/d\/transe-l2: already holds a model or checkpoint; pass --force/, root, opts());
  });
  test("a dataset name read from a manifest is not trusted as a path", () => {
    cpSync(join(root, "data", "d"), join(root, "evil", "d"), { recursive: true });
    const path = join(root, "evil", "d", "manifest.json");
    writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, "utf8")), name: "../../victim" }));
    const args = ["--data", "evil/d", ...TRAIN_ARGS.slice(2)];
    expectFault(["train", ...args], /evil\/d\/manifest\.json: name '\.\.\/\.\.\/victim' contains a path separator/, root, opts());
  });
});

describe("item 2: replace atomically, sweep leftovers", () => {
  test("import --force swaps the dataset in and leaves no temporary or aside folder", () => {
    const dead = deadPid();
    mkdirSync(join(root, "data", `d.tmp-${dead}`));
    writeFileSync(join(root, "data", `d.tmp-${dead}`, "half.npy"), "x".repeat(1000));
    writeFileSync(join(root, "data", `d.old-${dead}`), "aside of a finished swap");
    const oldManifest = readFileSync(join(root, "data", "d", "manifest.json"), "utf8");
    expectOk([...IMPORT, "--force"], opts());
    const names = readdirSync(join(root, "data")).filter((n) => n.startsWith("d"));
    assert.deepEqual(names.sort(), ["d"]);
    assert.notEqual(readFileSync(join(root, "data", "d", "manifest.json"), "utf8"), oldManifest); // a new createdAt
    assert.ok(existsSync(join(root, "data", "d", ARTEFACT_MARKER)));
  });
  test("a kill between the swap's two renames: the next run puts the old dataset back first", () => {
    const dead = deadPid();
    cpSync(join(root, "data", "d"), join(root, "swap", "d"), { recursive: true });
    const whole = snapshot(join(root, "swap", "d"));
    renameSync(join(root, "swap", "d"), join(root, "swap", `d.old-${dead}`)); // the state the kill leaves
    // the rerun without --force finds the restored dataset and refuses to replace it
    expectFault([...IMPORT.slice(0, 6), "--out", "swap"], /swap\/d: already holds a complete dataset/, join(root, "raw"), opts());
    assert.deepEqual(readdirSync(join(root, "swap")), ["d"]);
    assertUnchanged(whole, snapshot(join(root, "swap", "d")));
  });
});

describe("item 3: one writer per artefact", () => {
  test("a second train into a locked model folder names the holder", async () => {
    const first = spawnKgc(["train", ...trainArgsWithSteps(2_000_000), "--force"], opts());
    const lock = join(root, "models", "d", "transe-l2.lock");
    await waitFor(() => existsSync(lock), "the first run's lock");
    const holder = JSON.parse(readFileSync(lock, "utf8")) as { pid: number };
    assert.equal(holder.pid, first.pid);
    expectFault(["train", ...TRAIN_ARGS, "--force"], new RegExp(`models/d/transe-l2: in use by kgc train \\(pid ${first.pid} on `), join(root, "data"), opts());
    process.kill(first.pid, "SIGKILL");
    assert.equal((await first.done).signal, "SIGKILL");
  });
  test("a stale lock (its process gone) is taken over", () => {
    const lock = join(root, "models", "d", "transe-l2.lock");
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), host: hostname(), stage: "train", startedAt: new Date().toISOString() }));
    expectOk(["train", ...TRAIN_ARGS, "--force"], opts());
    assert.ok(!existsSync(lock));
  });
  test("a lock held by a live process stops import too", () => {
    const lock = join(root, "data", "d.lock");
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), stage: "data import", startedAt: "then" }));
    try {
      expectFault([...IMPORT, "--force"], new RegExp(`data/d: in use by kgc data import \\(pid ${process.pid}`), join(root, "data", "d"), opts());
    } finally {
      rmSync(lock);
    }
  });
});

describe("item 4: a failed run leaves the previous good model usable", () => {
  test("train --lr 1e30 --force fails and eval still reads the previous model", () => {
    const model = join(root, "models", "d", "transe-l2");
    const kept = ["config.json", "metrics.jsonl", "entity.npy", "relation.npy"].map((f) => [f, readFileSync(join(model, f))] as const);
    const r = expectOk(["eval", "--model-dir", "models/d/transe-l2", "--data", "data/d", "--split", "valid", "--protocol", "candidates", "--json"], opts());
    const diverge = ["train", ...trainArgsWithSteps(400), "--lr", "1e30", "--set", "gamma=1e30", "--force"];
    const failed = expectFault(diverge, /training: (loss|weights) became NaN or infinite/, join(root, "data"), opts());
    assert.equal(failed.code, 2);
    for (const [f, bytes] of kept) assert.deepEqual(readFileSync(join(model, f)), bytes, `${f} changed`);
    const again = expectOk(["eval", "--model-dir", "models/d/transe-l2", "--data", "data/d", "--split", "valid", "--protocol", "candidates", "--json"], opts());
    const mrr = (out: string): number => (JSON.parse(out) as { candidates: { ogb: { mrr: number } } }).candidates.ogb.mrr;
    assert.equal(mrr(again.stdout), mrr(r.stdout));
    assert.ok(existsSync(join(model, "metrics.running.jsonl")), "the failed run's metrics stay beside the good ones");
  });
  test("--resume with a budget the checkpoint has already reached says so and changes nothing", () => {
    const args = ["train", ...trainArgsWithSteps(10), "--resume"];
    expectFault(args, /--steps: the checkpoint in models\/d\/transe-l2 is already at step 50, so a budget of 10 steps is reached/, root, opts());
  });
});
