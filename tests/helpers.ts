import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Triples } from "../src/core/types.js";

/** Shared test helpers: temporary folders and running the built CLI. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = join(projectRoot, "dist/src/cli/kgc.js");

export function tmpDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `kgc-${prefix}-`));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `kgc <args>` with a private run registry; never throws on a non-zero exit. */
export function runKgc(args: string[], options: { cwd?: string; registry?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? projectRoot,
    encoding: "utf8",
    env: { ...process.env, KGC_REGISTRY: options.registry ?? join(tmpDir("registry"), "registry.sqlite") },
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Triples from literal (h, r, t) rows. */
export function triplesOf(rows: readonly (readonly [number, number, number])[]): Triples {
  return {
    head: Int32Array.from(rows, (r) => r[0]),
    relation: Int32Array.from(rows, (r) => r[1]),
    tail: Int32Array.from(rows, (r) => r[2]),
    length: rows.length,
  };
}
