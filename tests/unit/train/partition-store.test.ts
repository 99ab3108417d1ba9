/**
 * The partition files' copy-on-write life cycle: a write never touches the version the checkpoint
 * names, at most two versions of a file exist, a commit sweeps the rest, a resume adopts the
 * manifest's versions and refuses another run's, a failed write is one line and keeps the checkpoint.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { PartitionStore, type PartitionIdentity } from "../../../src/train/partition-store.js";

const root = mkdtempSync(join(tmpdir(), "kgc-pstore-"));
after(() => rmSync(root, { recursive: true, force: true }));
const ID: PartitionIdentity = { fingerprint: "f", model: "transe-l2", dim: 2, block: 1, optimizer: "adagrad", numEntities: 4, numRelations: 1, partitions: 2, partSize: 2 };
const AT = { ...ID, step: 5, global: [5, 5], rng: ["1"], threads: 1, epoch: 0, state: 1, bucket: 0 };
const bins = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".bin")).sort();

describe("PartitionStore", () => {
  it("copy on write: the committed version survives later writes until the next commit", async () => {
    const dir = join(root, "a");
    mkdirSync(dir);
    const s = new PartitionStore(dir);
    await s.write("part-0", Float32Array.of(1, 2));
    await s.write("part-1", Float32Array.of(3, 4));
    s.commit(AT);
    const committed = bins(dir);
    const before = committed.map((f) => readFileSync(join(dir, f)));
    await s.write("part-0", Float32Array.of(9, 9));
    await s.write("part-0", Float32Array.of(8, 8));
    assert.equal(bins(dir).filter((f) => f.startsWith("part-0")).length, 2, "the checkpoint's version and the live one");
    committed.forEach((f, i) => assert.deepEqual(readFileSync(join(dir, f)), before[i], `${f} unchanged`));
    // a resume from here sees the checkpoint, not the later writes
    const again = new PartitionStore(dir);
    const m = again.resumable(ID);
    again.adopt(m);
    const got = new Float32Array(2);
    await again.read("part-0", got);
    assert.deepEqual(Array.from(got), [1, 2]);
    s.commit({ ...AT, step: 9 });
    assert.equal(bins(dir).length, 2, "a commit sweeps what it does not name");
    const third = new PartitionStore(dir);
    third.adopt(third.resumable(ID));
    await third.read("part-0", got);
    assert.deepEqual(Array.from(got), [8, 8]);
  });

  it("refuses a folder of another run, naming the field", () => {
    const s = new PartitionStore(join(root, "a"));
    assert.throws(() => s.resumable({ ...ID, numEntities: 5 }), /from another run or dataset: it has numEntities 4, this run 5/);
    assert.throws(() => new PartitionStore(join(root, "none")).resumable(ID), /no out-of-core checkpoint here/);
  });

  it("a failed write is one KgcError saying the checkpoint is intact", async () => {
    const s = new PartitionStore(join(root, "missing-folder"));
    await assert.rejects(s.write("part-0", Float32Array.of(1)), (e: unknown) => e instanceof KgcError && /write-back failed: not found; the last checkpoint is intact/.test(e.message));
  });
});
