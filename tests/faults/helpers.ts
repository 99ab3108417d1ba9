import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { cliPath, runKgc, tmpDir, type CliResult } from "../helpers.js";

/**
 * The fault suite's tools: a fingerprint of every file and folder under a root (sha256 of each
 * file's bytes), and `expectFault`, which runs kgc and asserts the exit code, that stderr is one
 * `kgc: error:` line matching the expected message, and that nothing under the root changed —
 * no file altered or removed, none added (no partial output).
 */
export function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const key = relative(root, path);
      if (st.isDirectory()) {
        out.set(`${key}/`, "dir");
        walk(path);
      } else {
        out.set(key, createHash("sha256").update(readFileSync(path)).digest("hex"));
      }
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}

export function assertUnchanged(before: Map<string, string>, after: Map<string, string>): void {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k));
  assert.deepEqual(changed, [], `files changed, added or removed: ${changed.join(", ")}`);
}

export interface FaultOptions {
  cwd?: string;
  registry?: string;
  /** exit code expected (2: a KgcError) */
  code?: number;
}

/**
 * Runs kgc expecting `kgc: error:` as the last stderr line, matching `message`, once, with no
 * stack trace (earlier lines are the stage's own log, e.g. a progress summary), and no change
 * under `root`.
 */
export function expectFault(args: string[], message: RegExp, root: string, options: FaultOptions = {}): CliResult {
  const before = snapshot(root);
  const r = runKgc(args, options);
  assert.equal(r.code, options.code ?? 2, `exit code of kgc ${args.join(" ")}; stderr: ${r.stderr}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  assert.equal(lines.filter((l) => l.startsWith("kgc: error: ")).length, 1, `expected one error line, got:\n${r.stderr}`);
  assert.ok(!/^\s+at /m.test(r.stderr), `a stack trace:\n${r.stderr}`);
  assert.match(lines.at(-1)!, /^kgc: error: /);
  assert.match(lines.at(-1)!, message);
  assertUnchanged(before, snapshot(root));
  return r;
}

/** Runs kgc expecting success. */
export function expectOk(args: string[], options: { cwd?: string; registry?: string } = {}): CliResult {
  const r = runKgc(args, options);
  assert.equal(r.code, 0, `kgc ${args.join(" ")} failed: ${r.stderr}`);
  return r;
}

/** A pid that is certainly not running: a child that has already exited. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  return r.pid!;
}

/** A small synthetic OGB folder `raw`, its prepared dataset `data/d` and a trained model `models/d/transe-l2` under a fresh root. */
export function buildFixture(prefix: string): { root: string; registry: string } {
  const root = tmpDir(prefix);
  const registry = join(tmpDir(`${prefix}-registry`), "registry.sqlite"); // outside root: the registry records failed runs too
  const opts = { cwd: root, registry };
  expectOk(["data", "synth", "--out", "raw", "--entities", "2000", "--relations", "10", "--train", "10000", "--valid", "50", "--test", "50", "--candidates", "20", "--feature-dim", "4"], opts);
  expectOk(["data", "import", "--ogb", "raw", "--name", "d", "--out", "data"], opts);
  expectOk(["train", ...TRAIN_ARGS], opts);
  return { root, registry };
}

/** A tiny, fast training run on the fixture (transe-l2, 50 steps, 1 thread). */
export const TRAIN_ARGS = ["--data", "data/d", "--model", "transe-l2", "--steps", "50", "--dim", "8", "--batch", "16", "--negatives", "8", "--threads", "1", "--out", "models"];

/** TRAIN_ARGS with another step budget. */
export function trainArgsWithSteps(steps: number): string[] {
  return TRAIN_ARGS.map((a, i) => (i > 0 && TRAIN_ARGS[i - 1] === "--steps" ? String(steps) : a));
}

export interface Spawned {
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts kgc in the background (for kill -9 and concurrency cases). */
export function spawnKgc(args: string[], options: { cwd: string; registry: string; env?: Record<string, string> }): Spawned {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, KGC_REGISTRY: options.registry, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stderr })));
  return { pid: child.pid!, done };
}

/** Polls until `ready()` holds (or the deadline passes: then throws). */
export async function waitFor(ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
