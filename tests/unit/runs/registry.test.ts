import Database from "better-sqlite3";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KgcError } from "../../../src/core/errors.js";
import { DEFAULT_REGISTRY_PATH, SCHEMA_VERSION, openRegistry, registryPath } from "../../../src/runs/index.js";

const scratch = mkdtempSync(join(tmpdir(), "kgc-runs-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dbCounter = 0;
/** A fresh registry path per test, inside a not-yet-existing folder (openRegistry creates it). */
function freshPath(): string {
  dbCounter++;
  return join(scratch, `db${dbCounter}`, "registry.sqlite");
}

/** Spins until the millisecond clock ticks, so the next write gets a later wall time. */
function nextMillisecond(): void {
  const now = Date.now();
  while (Date.now() === now) {
    // busy wait: at most one millisecond
  }
}

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  assert.equal(child.status, 0);
  return child.pid;
}

describe("RunRegistry", () => {
  test("start, log, finish, list and show a run", () => {
    const registry = openRegistry(freshPath());
    try {
      const run = registry.startRun({
        stage: "train",
        dataset: "synth",
        model: "transe",
        config: { dim: 32, lr: 0.1, tags: ["a"] },
        command: ["kgc", "train", "--name", "two words"],
      });
      assert.match(run.id, /^train-\d{8}-\d{6}-[0-9a-f]{4}$/);
      run.logMetric("loss", 2.5, 0);
      run.logMetric("loss", 1.5, 1);
      run.logMetrics({ loss: 0.5, mrr: 0.25 }, 2);
      nextMillisecond();
      run.logMetric("lr", 0.1); // no step
      run.finish();

      const [listed, ...rest] = registry.listRuns();
      assert.equal(rest.length, 0);
      assert.ok(listed);
      assert.equal(listed.id, run.id);
      assert.equal(listed.status, "done");
      assert.equal(listed.model, "transe");
      assert.equal(listed.pid, process.pid);
      assert.deepEqual(listed.lastMetrics, { lr: 0.1, mrr: 0.25, loss: 0.5 });
      // Most recently logged first; names logged in one call keep their order.
      assert.deepEqual(Object.keys(listed.lastMetrics), ["lr", "loss", "mrr"]);
      assert.ok(listed.finishedAt !== null && listed.durationMs === listed.finishedAt - listed.startedAt);

      const details = registry.getRun(run.id);
      assert.deepEqual(details.config, { dim: 32, lr: 0.1, tags: ["a"] });
      assert.equal(details.command, "kgc train --name 'two words'");
      assert.equal(details.error, null);
      assert.deepEqual(
        details.metrics.map(({ wallTime: _wallTime, ...m }) => m),
        [
          { name: "loss", last: 0.5, step: 2, count: 3, min: 0.5, max: 2.5 },
          { name: "lr", last: 0.1, step: null, count: 1, min: 0.1, max: 0.1 },
          { name: "mrr", last: 0.25, step: 2, count: 1, min: 0.25, max: 0.25 },
        ],
      );
      assert.deepEqual(
        registry.metricHistory(run.id, "loss").map((p) => [p.step, p.value]),
        [
          [0, 2.5],
          [1, 1.5],
          [2, 0.5],
        ],
      );
      assert.equal(registry.metricHistory(run.id).length, 5);
    } finally {
      registry.close();
    }
  });

  test("a failed run keeps its error message; a finished run refuses more writes", () => {
    const registry = openRegistry(freshPath());
    try {
      const run = registry.startRun({ stage: "score", dataset: "synth", config: {}, command: "kgc score" });
      run.fail(new KgcError("models/x.json", "unknown model"));
      const details = registry.getRun(run.id);
      assert.equal(details.status, "failed");
      assert.equal(details.model, null);
      assert.equal(details.error, "models/x.json: unknown model");
      assert.throws(() => run.logMetric("loss", 1), KgcError);
      assert.throws(() => run.finish(), KgcError);
    } finally {
      registry.close();
    }
  });

  test("filters by stage and dataset, most recent first, with a limit", () => {
    const path = freshPath();
    const registry = openRegistry(path);
    try {
      const ids: string[] = [];
      for (const [stage, dataset] of [["train", "a"], ["train", "b"], ["score", "a"], ["train", "a"]] as const) {
        const run = registry.startRun({ stage, dataset, config: null, command: "x" });
        run.finish();
        ids.push(run.id);
      }
      // Spread the start times so the order does not rest on the clock's resolution.
      const raw = new Database(path);
      ids.forEach((id, i) => raw.prepare("UPDATE runs SET started_at = ? WHERE id = ?").run(1_700_000_000_000 + i * 1000, id));
      raw.close();

      assert.deepEqual(registry.listRuns().map((r) => r.id), [...ids].reverse());
      assert.deepEqual(registry.listRuns({ stage: "train", dataset: "a" }).map((r) => r.id), [ids[3], ids[0]]);
      assert.deepEqual(registry.listRuns({ dataset: "a", limit: 2 }).map((r) => r.id), [ids[3], ids[2]]);
      assert.deepEqual(registry.listRuns({ stage: "nope" }), []);
      assert.throws(() => registry.listRuns({ limit: 0 }), KgcError);
    } finally {
      registry.close();
    }
  });

  test("artefact sha256 and size match node:crypto over a multi-chunk file; re-adding replaces", async () => {
    const registry = openRegistry(freshPath());
    try {
      const run = registry.startRun({ stage: "train", dataset: "synth", config: {}, command: "x" });
      const file = join(scratch, "entity.npy");
      writeFileSync(file, randomBytes(3 * 1024 * 1024 + 17)); // > 1 MiB stream chunks
      const expected = createHash("sha256").update(readFileSync(file)).digest("hex");
      const artefact = await run.addArtefact(file);
      assert.equal(artefact.sha256, expected);
      assert.equal(artefact.bytes, 3 * 1024 * 1024 + 17);
      assert.equal(artefact.path, resolve(file));

      writeFileSync(file, "rewritten");
      await run.addArtefact(file);
      const { artefacts } = registry.getRun(run.id);
      assert.equal(artefacts.length, 1);
      assert.equal(artefacts[0]?.sha256, createHash("sha256").update("rewritten").digest("hex"));
      assert.equal(artefacts[0]?.bytes, 9);

      const empty = join(scratch, "empty.bin");
      writeFileSync(empty, "");
      assert.equal((await run.addArtefact(empty)).sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

      await assert.rejects(run.addArtefact(join(scratch, "missing.npy")), KgcError);
      await assert.rejects(run.addArtefact(scratch), KgcError); // a folder
    } finally {
      registry.close();
    }
  });

  test("a running run whose process is gone is reported (and stored) as killed", () => {
    const path = freshPath();
    const registry = openRegistry(path);
    try {
      const dead = registry.startRun({ stage: "train", dataset: "synth", config: {}, command: "x" });
      const alive = registry.startRun({ stage: "train", dataset: "synth", config: {}, command: "x" });
      const elsewhere = registry.startRun({ stage: "train", dataset: "synth", config: {}, command: "x" });
      const raw = new Database(path);
      raw.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(deadPid(), dead.id);
      // A dead pid on another machine cannot be judged from here: it stays running.
      raw.prepare("UPDATE runs SET pid = ?, hostname = 'some-other-host' WHERE id = ?").run(deadPid(), elsewhere.id);

      const status = new Map(registry.listRuns().map((r) => [r.id, r]));
      assert.equal(status.get(dead.id)?.status, "killed");
      assert.equal(status.get(dead.id)?.durationMs, null);
      assert.equal(status.get(alive.id)?.status, "running");
      assert.ok((status.get(alive.id)?.durationMs ?? -1) >= 0);
      assert.equal(status.get(elsewhere.id)?.status, "running");
      assert.equal(registry.getRun(dead.id).status, "killed");
      assert.equal((raw.prepare("SELECT status FROM runs WHERE id = ?").get(dead.id) as { status: string }).status, "killed");
      raw.close();
    } finally {
      registry.close();
    }
  });

  test("two connections share one database (WAL), each sees the other's writes", () => {
    const path = freshPath();
    const first = openRegistry(path);
    const second = openRegistry(path);
    try {
      const a = first.startRun({ stage: "train", dataset: "synth", config: {}, command: "a" });
      const b = second.startRun({ stage: "train", dataset: "synth", config: {}, command: "b" });
      for (let step = 0; step < 50; step++) {
        a.logMetric("loss", step, step);
        b.logMetric("loss", -step, step);
      }
      a.finish();
      assert.equal(second.listRuns().length, 2);
      assert.equal(second.getRun(a.id).status, "done");
      assert.equal(first.getRun(b.id).metrics[0]?.count, 50);
      const raw = new Database(path, { readonly: true });
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(raw.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      raw.close();
    } finally {
      first.close();
      second.close();
    }
  });

  test("another process writes while this one writes (busy_timeout, no SQLITE_BUSY)", async () => {
    const path = freshPath();
    const registry = openRegistry(path);
    try {
      const registryModule = join(dirname(fileURLToPath(import.meta.url)), "../../../src/runs/index.js");
      const script = `
        const { openRegistry } = await import(${JSON.stringify(registryModule)});
        const registry = openRegistry(${JSON.stringify(path)});
        const run = registry.startRun({ stage: "child", dataset: "synth", config: {}, command: "child" });
        for (let step = 0; step < 200; step++) run.logMetrics({ loss: step, mrr: step / 200 }, step);
        run.finish();
        registry.close();`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on("close", done));
      const run = registry.startRun({ stage: "parent", dataset: "synth", config: {}, command: "parent" });
      for (let step = 0; step < 200; step++) {
        run.logMetric("loss", step, step);
        if (step % 20 === 0) await new Promise((wake) => setTimeout(wake, 2));
      }
      run.finish();
      assert.equal(await exited, 0, stderr);
      const [childRun] = registry.listRuns({ stage: "child" });
      assert.equal(childRun?.status, "done");
      assert.equal(registry.getRun(childRun.id).metrics.find((m) => m.name === "loss")?.count, 200);
      assert.equal(registry.getRun(run.id).metrics[0]?.count, 200);
    } finally {
      registry.close();
    }
  });

  test("NaN metrics are kept; bad steps, names and configs are refused", () => {
    const registry = openRegistry(freshPath());
    try {
      const run = registry.startRun({ stage: "train", dataset: "synth", config: {}, command: "x" });
      run.logMetric("loss", Number.NaN, 0);
      run.logMetric("loss", 1, 1);
      run.logMetric("loss", Number.NaN, 2);
      const [loss] = registry.getRun(run.id).metrics;
      assert.ok(loss && Number.isNaN(loss.last) && loss.count === 3 && loss.min === 1 && loss.max === 1);
      assert.ok(Number.isNaN(registry.listRuns()[0]?.lastMetrics["loss"] ?? 0));
      assert.throws(() => run.logMetric("loss", 1, -1), KgcError);
      assert.throws(() => run.logMetric("loss", 1, 1.5), KgcError);
      assert.throws(() => run.logMetric("", 1), KgcError);
      assert.throws(() => registry.startRun({ stage: "bad stage", dataset: "d", config: {}, command: "x" }), KgcError);
      assert.throws(() => registry.startRun({ stage: "s", dataset: "", config: {}, command: "x" }), KgcError);
      assert.throws(() => registry.startRun({ stage: "s", dataset: "d", config: { n: 1n }, command: "x" }), KgcError);
    } finally {
      registry.close();
    }
  });

  test("unknown id, foreign file and newer schema give a KgcError", () => {
    const path = freshPath();
    const registry = openRegistry(path);
    assert.throws(() => registry.getRun("train-20000101-000000-abcd"), (err: unknown) => err instanceof KgcError && err.file === path);
    registry.close();

    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => openRegistry(path), /newer than this kgc/);

    const garbage = join(scratch, "not-a-db.sqlite");
    writeFileSync(garbage, "this is not sqlite ".repeat(100));
    assert.throws(() => openRegistry(garbage), KgcError);
  });

  test("the path comes from the argument, then KGC_REGISTRY, then models/registry.sqlite", () => {
    const saved = process.env["KGC_REGISTRY"];
    try {
      delete process.env["KGC_REGISTRY"];
      assert.equal(registryPath(), resolve(DEFAULT_REGISTRY_PATH));
      process.env["KGC_REGISTRY"] = join(scratch, "env.sqlite");
      assert.equal(registryPath(), join(scratch, "env.sqlite"));
      assert.equal(registryPath(join(scratch, "explicit.sqlite")), join(scratch, "explicit.sqlite"));
      process.env["KGC_REGISTRY"] = "";
      assert.equal(registryPath(), resolve(DEFAULT_REGISTRY_PATH));
    } finally {
      if (saved === undefined) delete process.env["KGC_REGISTRY"];
      else process.env["KGC_REGISTRY"] = saved;
    }
  });
});
