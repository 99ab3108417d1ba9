import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { KgcError } from "./errors.js";
import { acquireOutputLock, holdsLockOn, processAlive } from "./output-lock.js";

/**
 * Atomic artefacts. The rules every stage follows by writing through these helpers:
 *
 * 1. A file is written to `<final>.tmp-<pid>`, fsync'd and renamed into place when complete
 *    (`withAtomicFile`, `writeFileAtomic`, `tmpPathFor` + `commitTmp`, NpyWriter). A final path that
 *    is an existing folder is refused before anything is written.
 * 2. A folder artefact is built in `<final>.tmp-<pid>/` (`withAtomicDir`), which gets a marker file
 *    `.kgc-artefact.json` ({ kind }; no time stamp, so the same inputs still give the same bytes)
 *    before it is renamed in. The marker is the one way kgc recognises "an artefact of this kind
 *    that kgc made", for every kind (dataset, synth, export, checkpoint and any later stage's);
 *    from withAtomicDir it only ever appears with a complete folder. (Model folders are marked by
 *    train at their first run and kept whole by swapping files: models/model-folder.ts.)
 * 3. An existing target is replaced only when it is an empty folder or holds the marker of the same
 *    kind, and not even then when the caller asks for consent and has none (`replace: false`: a
 *    stage passes `{ kind, replace: force }` for its `--force` flag). A user's file or folder, the
 *    working folder or one above it is never replaced.
 * 4. Replacing swaps: the old folder is renamed aside to `<final>.old-<pid>`, the new one renamed
 *    in, then the old one removed, so at every instant a complete old or new artefact exists.
 * 5. Leftovers of killed runs (`<final>.tmp-<pid>`, `<final>.old-<pid>` whose process is gone) are
 *    swept by the next write of the same artefact; an `.old-` whose final is missing (a kill between
 *    the two renames) is put back, not deleted.
 * 6. `withAtomicDir` holds the output lock (output-lock.ts) on its folder while it builds, unless
 *    the process already holds a lock on it or on a folder above it.
 */

export const ARTEFACT_MARKER = ".kgc-artefact.json";

export interface ArtefactMarker {
  kind: string;
}

export interface AtomicDirOptions {
  /** artefact kind written into the marker and required of a folder being replaced (default "artefact") */
  kind?: string;
  /** replace an existing complete artefact of the same kind (default true; the CLI passes --force) */
  replace?: boolean;
}

function stripTrailingSeparators(path: string): string {
  const stripped = path.replace(/[\\/]+$/, "");
  return stripped === "" ? path : stripped;
}

/** The temporary sibling of `finalPath`; also sweeps that artefact's leftovers of dead processes. */
export function tmpPathFor(finalPath: string): string {
  const path = stripTrailingSeparators(finalPath);
  sweepLeftovers(path);
  return `${path}.tmp-${process.pid}`;
}

/** Removes `<path>.tmp-<pid>` / `.old-<pid>` siblings whose process is gone (restoring a lone `.old-`). */
export function sweepLeftovers(path: string): void {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no parent yet: nothing left over
  }
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^\.(tmp|old)-(\d+)$/.exec(name.slice(base.length));
    if (!m) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processAlive(pid)) continue;
    const leftover = join(dir, name);
    if (m[1] === "old" && !existsSync(path)) renameSync(leftover, path);
    else rmSync(leftover, { recursive: true, force: true });
  }
}

/** Checks a file output before anything is written: not an existing folder; its parent folder created. */
export function prepareFileOutput(finalPath: string): void {
  refuseFolder(finalPath);
  ensureParent(finalPath);
}

function refuseFolder(finalPath: string): void {
  let isDir = false;
  try {
    isDir = statSync(finalPath).isDirectory();
  } catch {
    return;
  }
  if (isDir) throw new KgcError(finalPath, "is an existing folder; give a file path");
}

/** Creates the parent folder of an output, as a one-line error when it cannot. */
export function ensureParent(finalPath: string): void {
  const parent = dirname(resolve(finalPath));
  try {
    mkdirSync(parent, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KgcError(parent, code === "EEXIST" || code === "ENOTDIR" ? "a file stands where the output's folder should be" : `cannot create the output folder (${code ?? (err as Error).message})`);
  }
}

/** Renames the temporary file into place (after fsync). */
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
  prepareFileOutput(finalPath);
  const tmp = tmpPathFor(finalPath);
  try {
    writeFileSync(tmp, data);
    commitTmp(tmp, finalPath);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Runs `write(tmpPath)` and renames on success; removes the temporary file on failure. */
export async function withAtomicFile<T>(finalPath: string, write: (tmpPath: string) => Promise<T> | T): Promise<T> {
  prepareFileOutput(finalPath);
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

/** The marker of a kgc folder artefact, or null when `dir` has none (or it is unreadable). */
export function readArtefactMarker(dir: string): ArtefactMarker | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, ARTEFACT_MARKER), "utf8")) as ArtefactMarker;
    return typeof m.kind === "string" ? m : null;
  } catch {
    return null;
  }
}

export function writeArtefactMarker(dir: string, kind: string): void {
  writeFileAtomic(join(dir, ARTEFACT_MARKER), `${JSON.stringify({ kind } satisfies ArtefactMarker)}\n`);
}

function refuseWorkingFolder(finalDir: string): void {
  const dir = resolve(stripTrailingSeparators(finalDir));
  const cwd = process.cwd();
  if (dir === cwd || cwd.startsWith(dir === sep ? dir : dir + sep)) throw new KgcError(finalDir, "is the working folder or one above it; give a new folder for the output");
}

/**
 * Checks that `finalDir` may receive a `kind` artefact: absent, an empty folder, or (when
 * `replace`) a folder with the marker of the same kind. Returns whether something is there to swap.
 * `flag` names the option that chose the path, for the message.
 */
export function checkOutputFolder(finalDir: string, kind: string, replace: boolean): boolean {
  const dir = resolve(stripTrailingSeparators(finalDir));
  refuseWorkingFolder(finalDir);
  sweepLeftovers(dir); // first: a kill mid-swap left the old artefact aside
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return false;
  }
  if (!st.isDirectory()) throw new KgcError(finalDir, "exists and is not a folder; kgc replaces only folders it wrote (remove it or choose another path)");
  if (readdirSync(dir).length === 0) return true;
  const marker = readArtefactMarker(dir);
  if (marker === null) throw new KgcError(finalDir, `exists and was not written by kgc (no ${ARTEFACT_MARKER}); remove it or choose another path`);
  if (marker.kind !== kind) throw new KgcError(finalDir, `holds a kgc ${marker.kind}, not a ${kind}; choose another path`);
  if (!replace) throw new KgcError(finalDir, `already holds a complete ${kind}; pass --force to replace it`);
  return true;
}

/**
 * Builds a whole folder atomically: `build(tmpDir)` fills a temporary folder which then replaces
 * `finalDir` by a swap (rules 2-6 above). On failure the temporary folder is removed and `finalDir`
 * is untouched.
 */
export async function withAtomicDir<T>(finalDir: string, build: (tmpDir: string) => Promise<T> | T, options: AtomicDirOptions = {}): Promise<T> {
  const kind = options.kind ?? "artefact";
  const dir = resolve(stripTrailingSeparators(finalDir));
  refuseWorkingFolder(finalDir); // before the lock, whose file would sit beside the working folder
  const release = holdsLockOn(dir) ? () => {} : acquireOutputLock(dir, kind);
  try {
    ensureParent(dir);
    const tmp = tmpPathFor(dir); // after the lock: sweeping a leftover .old- may restore the old folder
    const exists = checkOutputFolder(finalDir, kind, options.replace ?? true);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      const result = await build(tmp);
      writeArtefactMarker(tmp, kind);
      if (exists) {
        const aside = `${dir}.old-${process.pid}`;
        renameSync(dir, aside);
        renameSync(tmp, dir);
        rmSync(aside, { recursive: true, force: true });
      } else {
        renameSync(tmp, dir);
      }
      return result;
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  } finally {
    release();
  }
}
