import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Atomic artefacts: everything is written to a temporary sibling and renamed when complete, so a
 * killed stage never leaves a half-written file under the final name.
 */
export function tmpPathFor(finalPath: string): string {
  return `${finalPath}.tmp-${process.pid}`;
}

/** Renames the temporary file into place (after fsync), creating the parent folder if needed. */
export function commitTmp(tmpPath: string, finalPath: string): void {
  const fd = openSync(tmpPath, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmpPath, finalPath);
}

/** Writes a whole small file atomically. */
export function writeFileAtomic(finalPath: string, data: string | Uint8Array): void {
  mkdirSync(dirname(finalPath), { recursive: true });
  const tmp = tmpPathFor(finalPath);
  writeFileSync(tmp, data);
  commitTmp(tmp, finalPath);
}

/** Runs `write(tmpPath)` and renames on success; removes the temporary file on failure. */
export async function withAtomicFile<T>(finalPath: string, write: (tmpPath: string) => Promise<T> | T): Promise<T> {
  mkdirSync(dirname(finalPath), { recursive: true });
  const tmp = tmpPathFor(finalPath);
  try {
    const result = await write(tmp);
    commitTmp(tmp, finalPath);
    return result;
  } catch (err) {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Builds a whole folder atomically: `build(tmpDir)` fills a temporary folder which then replaces
 * `finalDir`. On failure the temporary folder is removed and `finalDir` is untouched.
 */
export async function withAtomicDir<T>(finalDir: string, build: (tmpDir: string) => Promise<T> | T): Promise<T> {
  mkdirSync(dirname(finalDir), { recursive: true });
  const tmp = tmpPathFor(finalDir);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build(tmp);
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
    return result;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
