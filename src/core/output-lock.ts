import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve, sep } from "node:path";
import { KgcError, systemErrorAsKgc } from "./errors.js";

/**
 * One writer per artefact: a stage takes an exclusive lock on its output folder for its whole
 * run. The lock is a sibling file `<folder>.lock` (a sibling, because the folder itself may be
 * swapped by a rename) holding the holder's pid, host, stage and start time. It is created
 * atomically (written under a private name, then hard-linked into place, which fails when the lock
 * exists), so a reader never sees a half-written lock. A lock whose process is gone (same host, pid
 * not alive: a kill -9) is stale and taken over. Locks nest within one process: a stage that holds
 * data/x may call helpers that lock data/x or anything below it.
 */
export interface LockInfo {
  pid: number;
  host: string;
  stage: string;
  startedAt: string;
}

const held = new Map<string, number>();

export function lockPathFor(dir: string): string {
  return `${resolve(dir)}.lock`;
}

/** True when the process `pid` exists (EPERM: it exists but belongs to another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when this process already holds a lock on `dir` or on a folder above it. */
export function holdsLockOn(dir: string): boolean {
  const d = resolve(dir);
  for (const key of held.keys()) if (d === key || d.startsWith(key + sep)) return true;
  return false;
}

function readLock(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockInfo;
  } catch {
    return null;
  }
}

function isStale(info: LockInfo | null): boolean {
  return info !== null && info.host === hostname() && !processAlive(info.pid);
}

/** Moves a stale lock aside; if another process replaced it meanwhile, puts that one back. */
function breakStaleLock(path: string, stale: LockInfo): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke it first
  }
  const moved = readLock(aside);
  if (moved && moved.pid !== stale.pid) {
    try {
      linkSync(aside, path);
    } catch {
      /* a third process holds it now; the retry below reports it */
    }
  }
  rmSync(aside, { force: true });
}

function tryCreate(path: string, info: LockInfo): boolean {
  const mine = `${path}.new-${process.pid}`;
  writeFileSync(mine, `${JSON.stringify(info)}\n`);
  try {
    linkSync(mine, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Takes the lock on `dir` for `stage`; returns the function that releases it. Throws a KgcError
 * naming the holder when another live process has it.
 */
export function acquireOutputLock(dir: string, stage: string): () => void {
  const key = resolve(dir);
  const count = held.get(key);
  if (count !== undefined) {
    held.set(key, count + 1);
    return () => release(key);
  }
  const path = lockPathFor(key);
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw new KgcError(dirname(path), `cannot create the output's parent folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const info: LockInfo = { pid: process.pid, host: hostname(), stage, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let created: boolean;
    try {
      created = tryCreate(path, info);
    } catch (err) {
      throw new KgcError(dirname(path), `cannot write the output here (${systemErrorAsKgc(err)?.problem ?? (err as Error).message})`);
    }
    if (created) break;
    const holder = readLock(path);
    if (attempt < 2 && isStale(holder)) {
      breakStaleLock(path, holder!);
      continue;
    }
    const who = holder ? `kgc ${holder.stage} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})` : "another process (unreadable lock file)";
    throw new KgcError(dir, `in use by ${who}; wait for it to finish, or remove ${path} if that process is gone`);
  }
  held.set(key, 1);
  return () => release(key);
}

function release(key: string): void {
  const count = held.get(key);
  if (count === undefined) return;
  if (count > 1) {
    held.set(key, count - 1);
    return;
  }
  held.delete(key);
  const path = lockPathFor(key);
  if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
}

/** Runs `work` holding the lock on `dir`. */
export async function withOutputLock<T>(dir: string, stage: string, work: () => Promise<T> | T): Promise<T> {
  const releaseLock = acquireOutputLock(dir, stage);
  try {
    return await work();
  } finally {
    releaseLock();
  }
}
