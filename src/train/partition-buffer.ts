/**
 * The in-memory buffer of out-of-core training: C slots of partSize entity rows laid out as one
 * contiguous entity table (slot s holds global ids [p * partSize, (p + 1) * partSize) of its
 * partition p at local ids [s * partSize, (s + 1) * partSize)), so the unchanged native engine
 * trains a bucket on it and draws its uniform negatives from the partitions in memory (PBG).
 *
 * Swaps overlap training: while a buffer state's buckets train, the next state's first new
 * partition is read into a staging area and the evicted one is written back from a second
 * area, both on libuv's thread pool; entering the next state then only copies memory.
 */
import type { EncoderTables } from "../models/model-tables.js";
import { partKey, type PartitionStore } from "./partition-store.js";

/** The sections of a partition file, in order: rows, Adagrad state, row Adam moments when present. */
function sections(e: EncoderTables): [Float32Array, number][] {
  const out: [Float32Array, number][] = [[e.rows, e.raw], [e.state, 1]];
  if (e.rowM && e.rowV) out.push([e.rowM, e.raw], [e.rowV, e.raw]);
  return out;
}

/** Floats per row of a partition file (rows + state + moments). */
export function rowFloats(e: EncoderTables): number {
  return sections(e).reduce((a, [, w]) => a + w, 0);
}

/** Copies rows [lo, lo + count) of every section of `e` into `packed` (toPacked) or back. */
export function copyRows(e: EncoderTables, lo: number, count: number, packed: Float32Array, toPacked: boolean): void {
  let at = 0;
  for (const [a, w] of sections(e)) {
    const view = a.subarray(lo * w, (lo + count) * w);
    if (toPacked) packed.set(view, at);
    else view.set(packed.subarray(at, at + count * w));
    at += count * w;
  }
}

/** A background promise whose failure surfaces where it is awaited, never as an unhandled rejection. */
function handled(p: Promise<void>): Promise<void> {
  p.catch(() => undefined);
  return p;
}

export class PartitionBuffer {
  /** partition held by each slot (-1: empty) */
  readonly resident: number[];
  private readonly staging: Float32Array;
  private readonly outgoing: Float32Array;
  private prefetch: { part: number; done: Promise<void> } | null = null;
  private writeBack: Promise<void> = Promise.resolve();
  /** partition loads done and bytes moved, for the log and the benchmark */
  loads = 0;
  waitMs = 0;

  constructor(private readonly store: PartitionStore, readonly entity: EncoderTables, readonly partSize: number, slots: number) {
    this.resident = new Array<number>(slots).fill(-1);
    const floats = partSize * rowFloats(entity);
    this.staging = new Float32Array(floats);
    this.outgoing = new Float32Array(floats);
  }

  /** Slot holding partition p (-1: not in memory). */
  slotOf(p: number): number {
    return this.resident.indexOf(p);
  }

  /** Makes the buffer hold `slots` (partition per slot): writes back what leaves, loads what comes. */
  async enter(slots: readonly number[]): Promise<void> {
    const t0 = performance.now();
    for (let s = 0; s < slots.length; s++) {
      const want = slots[s]!, had = this.resident[s]!;
      if (want === had) continue;
      if (had >= 0) await this.evict(s);
      if (want < 0) continue;
      if (this.prefetch?.part !== want) {
        await this.prefetch?.done;
        this.prefetch = { part: want, done: handled(this.readAfterWriteBack(want)) };
      }
      await this.prefetch.done;
      this.prefetch = null;
      copyRows(this.entity, s * this.partSize, this.partSize, this.staging, false);
      this.resident[s] = want;
      this.loads++;
    }
    this.waitMs += performance.now() - t0;
  }

  /** Starts reading the first partition of `slots` not in memory into the staging area. */
  startPrefetch(slots: readonly number[]): void {
    if (this.prefetch) return;
    const next = slots.find((p) => p >= 0 && !this.resident.includes(p));
    if (next !== undefined) this.prefetch = { part: next, done: handled(this.readAfterWriteBack(next)) };
  }

  /** Writes slot s back (as a new version) and empties it; the write runs in the background. */
  private async evict(s: number): Promise<void> {
    const p = this.resident[s]!;
    await this.writeBack;
    copyRows(this.entity, s * this.partSize, this.partSize, this.outgoing, true);
    this.writeBack = handled(this.store.write(partKey(p), this.outgoing));
    this.resident[s] = -1;
  }

  /** A read waits for the write-back in flight: it may be the very partition asked for. */
  private async readAfterWriteBack(p: number): Promise<void> {
    await this.writeBack;
    await this.store.read(partKey(p), this.staging);
  }

  /** Writes every resident partition (a checkpoint); they stay in memory. */
  async flush(): Promise<void> {
    await this.settle();
    for (let s = 0; s < this.resident.length; s++) {
      const p = this.resident[s]!;
      if (p < 0) continue;
      copyRows(this.entity, s * this.partSize, this.partSize, this.outgoing, true);
      await this.store.write(partKey(p), this.outgoing);
    }
  }

  /** Waits for the background read and write (a failed write-back surfaces here). */
  async settle(): Promise<void> {
    await this.writeBack;
    await this.prefetch?.done;
  }

  /** Reads partition p's stored rows into the staging area and returns its row section. */
  async readRows(p: number): Promise<Float32Array> {
    await this.settle();
    this.prefetch = null;
    await this.store.read(partKey(p), this.staging);
    return this.staging.subarray(0, this.partSize * this.entity.raw);
  }

  /** A partition file's contents for fresh rows: `init` fills the row section, the rest is zero. */
  async writeInitial(p: number, init: (rows: Float32Array) => void): Promise<void> {
    this.outgoing.fill(0);
    init(this.outgoing.subarray(0, this.partSize * this.entity.raw));
    await this.store.write(partKey(p), this.outgoing);
  }
}
