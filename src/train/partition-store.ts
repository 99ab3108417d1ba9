/**
 * The on-disk side of out-of-core training: one file per entity partition (its rows and their
 * optimiser state) plus one for the relation table, in `<model>/partitions/`, and the checkpoint
 * manifest `checkpoint.json` naming which version of each file is the checkpoint.
 *
 * Copy on write: a write-back never overwrites a file; it writes `part-<p>.v<k>.bin` with a new
 * version k. A checkpoint writes the partitions in memory as new versions, then renames the new
 * manifest into place, and only then deletes the versions no manifest names. So a kill -9 at any
 * instant leaves the previous manifest and every file it names intact, and the disk holds at
 * most two versions of a partition (the checkpoint's and the live one), never a second copy of
 * the whole table for the checkpoint. Reads and writes go through libuv's thread pool (async
 * fs), off the main thread and off the C++ training threads, so they overlap training.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError, systemErrorAsKgc } from "../core/errors.js";

export const CHECKPOINT_MANIFEST = "checkpoint.json";
const FILE_PATTERN = /^(part-\d+|relation)\.v(\d+)\.bin$/;

/** What a manifest must match to be resumed (a folder of another run or dataset is refused). */
export interface PartitionIdentity {
  fingerprint: string;
  model: string;
  dim: number;
  block: number;
  optimizer: "adagrad" | "adam";
  numEntities: number;
  numRelations: number;
  partitions: number;
  partSize: number;
}

export interface PartitionManifest extends PartitionIdentity {
  format: "kgc-partitioned-checkpoint/1";
  /** version of each file: "part-<p>" and "relation" */
  versions: Record<string, number>;
  step: number;
  global: number[];
  rng: string[];
  threads: number;
  /** where the next bucket of the order is: epoch, buffer state, bucket within the state */
  epoch: number;
  state: number;
  bucket: number;
}

export const partKey = (p: number): string => `part-${p}`;

export class PartitionStore {
  /** the version of each file that holds its latest contents */
  private readonly live = new Map<string, number>();
  /** the versions the checkpoint manifest on disk names */
  private committed: Record<string, number> = {};
  private nextVersion: number;

  constructor(readonly dir: string) {
    let max = 0;
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      const m = FILE_PATTERN.exec(f);
      if (m) max = Math.max(max, Number(m[2]));
    }
    this.nextVersion = max + 1;
  }

  private path(key: string, version: number): string {
    return join(this.dir, `${key}.v${version}.bin`);
  }

  /** The checkpoint manifest, or null when the folder has none. */
  readManifest(): PartitionManifest | null {
    const path = join(this.dir, CHECKPOINT_MANIFEST);
    if (!existsSync(path)) return null;
    let m: PartitionManifest;
    try {
      m = JSON.parse(readFileSync(path, "utf8")) as PartitionManifest;
    } catch (err) {
      throw new KgcError(path, `corrupt checkpoint manifest (${(err as Error).message})`);
    }
    if (m.format !== "kgc-partitioned-checkpoint/1") throw new KgcError(path, `unknown checkpoint format '${String(m.format)}'`);
    return m;
  }

  /** The manifest to resume from, checked to be this run's (a folder of another run or dataset is refused). */
  resumable(want: PartitionIdentity): PartitionManifest {
    const path = join(this.dir, CHECKPOINT_MANIFEST);
    const m = this.readManifest();
    if (!m) throw new KgcError(path, "--resume: no out-of-core checkpoint here");
    for (const [key, value] of Object.entries(want)) {
      const got = m[key as keyof PartitionIdentity];
      if (got !== value) throw new KgcError(path, `--resume: the partition folder is from another run or dataset: it has ${key} ${String(got)}, this run ${String(value)}`);
    }
    return m;
  }

  /** Takes the manifest's versions as the live files (a resume). */
  adopt(m: PartitionManifest): void {
    for (const [key, v] of Object.entries(m.versions)) {
      if (!existsSync(this.path(key, v))) throw new KgcError(this.path(key, v), "missing: the partition checkpoint is incomplete");
      this.live.set(key, v);
    }
    this.committed = { ...m.versions };
  }

  /** Reads the live version of `key` into `into` (exactly its length). */
  async read(key: string, into: Float32Array): Promise<void> {
    const v = this.live.get(key);
    if (v === undefined) throw new KgcError(this.dir, `${key}: no version written yet`);
    const path = this.path(key, v);
    const fh = await open(path, "r");
    try {
      const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await fh.read(bytes, done, Math.min(bytes.length - done, 1 << 30), done);
        if (bytesRead === 0) throw new KgcError(path, `truncated: ${done} of ${bytes.length} bytes`);
        done += bytesRead;
      }
    } finally {
      await fh.close();
    }
  }

  /** Writes `from` as a new version of `key` (never over an existing file); a failure removes it. */
  async write(key: string, from: Float32Array): Promise<void> {
    const v = this.nextVersion++;
    const path = this.path(key, v);
    try {
      const fh = await open(path, "wx");
      try {
        const bytes = new Uint8Array(from.buffer, from.byteOffset, from.byteLength);
        let done = 0;
        while (done < bytes.length) done += (await fh.write(bytes, done, Math.min(bytes.length - done, 1 << 30), done)).bytesWritten;
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      rmSync(path, { force: true });
      const sys = systemErrorAsKgc(err);
      if (sys) throw new KgcError(path, `write-back failed: ${sys.problem}; the last checkpoint is intact`);
      throw err;
    }
    // the superseded version goes unless the checkpoint names it: at most two versions per file
    const old = this.live.get(key);
    if (old !== undefined && old !== this.committed[key]) rmSync(this.path(key, old), { force: true });
    this.live.set(key, v);
  }

  /**
   * Commits the live versions as the checkpoint: the manifest is renamed into place, then every
   * version it does not name is deleted.
   */
  commit(m: Omit<PartitionManifest, "versions" | "format">): void {
    const versions = Object.fromEntries(this.live);
    const manifest: PartitionManifest = { format: "kgc-partitioned-checkpoint/1", ...m, versions };
    writeFileAtomic(join(this.dir, CHECKPOINT_MANIFEST), JSON.stringify(manifest, null, 1));
    this.committed = versions;
    this.sweep(versions);
  }

  /** Deletes partition files no version map names (older versions, leftovers of a killed run). */
  sweep(keep: Record<string, number>): void {
    for (const f of readdirSync(this.dir)) {
      const m = FILE_PATTERN.exec(f);
      if (m && keep[m[1]!] !== Number(m[2])) rmSync(join(this.dir, f), { force: true });
    }
  }
}
