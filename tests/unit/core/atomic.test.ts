import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ARTEFACT_MARKER, readArtefactMarker, sweepLeftovers, withAtomicDir, withAtomicFile, writeFileAtomic } from "../../../src/core/atomic.js";
import { KgcError, systemErrorAsKgc } from "../../../src/core/errors.js";
import { acquireOutputLock, lockPathFor } from "../../../src/core/output-lock.js";
import { checkArtefactName } from "../../../src/core/safe-names.js";
import { hashTriples, TripleHasher } from "../../../src/data/triple-hash.js";
import { tmpDir, triplesOf } from "../../helpers.js";

const deadPid = (): number => spawnSync(process.execPath, ["-e", "0"]).pid!;
const fill = (file: string, text: string) => (dir: string): void => writeFileSync(join(dir, file), text);
const kgcError = (pattern: RegExp) => (err: unknown): boolean => err instanceof KgcError && pattern.test(err.message);

describe("withAtomicDir", () => {
  test("writes the marker of its kind and replaces only a folder of the same kind", async () => {
    const root = tmpDir("atomic");
    const out = join(root, "a");
    await withAtomicDir(out, fill("x", "1"), { kind: "thing" });
    assert.equal(readArtefactMarker(out)?.kind, "thing");
    await withAtomicDir(out, fill("x", "2"), { kind: "thing" });
    assert.equal(readFileSync(join(out, "x"), "utf8"), "2");
    await assert.rejects(withAtomicDir(out, fill("x", "3"), { kind: "other" }), kgcError(/holds a kgc thing, not a other/));
    await assert.rejects(withAtomicDir(out, fill("x", "3"), { kind: "thing", replace: false }), kgcError(/already holds a complete thing; pass --force/));
    assert.equal(readFileSync(join(out, "x"), "utf8"), "2");
    assert.deepEqual(readdirSync(root).sort(), ["a"]);
  });

  test("refuses a user's folder or file, accepts an empty folder", async () => {
    const root = tmpDir("atomic");
    mkdirSync(join(root, "user"));
    writeFileSync(join(root, "user", "mine"), "keep");
    writeFileSync(join(root, "file"), "keep");
    mkdirSync(join(root, "empty"));
    await assert.rejects(withAtomicDir(join(root, "user"), fill("x", "1")), kgcError(/was not written by kgc/));
    await assert.rejects(withAtomicDir(`${join(root, "user")}/`, fill("x", "1")), kgcError(/was not written by kgc/));
    await assert.rejects(withAtomicDir(join(root, "file"), fill("x", "1")), kgcError(/exists and is not a folder/));
    await assert.rejects(withAtomicDir(process.cwd(), fill("x", "1")), kgcError(/is the working folder or one above it/));
    await assert.rejects(withAtomicDir("/", fill("x", "1")), kgcError(/is the working folder or one above it/));
    await withAtomicDir(join(root, "empty"), fill("x", "1"));
    assert.equal(readFileSync(join(root, "user", "mine"), "utf8"), "keep");
    assert.equal(readFileSync(join(root, "file"), "utf8"), "keep");
    assert.deepEqual(readdirSync(join(root, "empty")).sort(), [ARTEFACT_MARKER, "x"]);
  });

  test("a failed build leaves the old artefact and no temporary folder", async () => {
    const root = tmpDir("atomic");
    const out = join(root, "a");
    await withAtomicDir(out, fill("x", "old"));
    await assert.rejects(withAtomicDir(out, () => {
      throw new Error("boom");
    }), /boom/);
    assert.equal(readFileSync(join(out, "x"), "utf8"), "old");
    assert.deepEqual(readdirSync(root), ["a"]);
  });
});

describe("leftovers and file outputs", () => {
  test("sweeps a dead process's temporaries, keeps a live one's, puts a lone .old- back", () => {
    const root = tmpDir("atomic");
    const dead = deadPid();
    const live = process.ppid;
    mkdirSync(join(root, `a.tmp-${dead}`));
    writeFileSync(join(root, `a.tmp-${live}`), "in use");
    mkdirSync(join(root, `a.old-${dead}`));
    writeFileSync(join(root, `a.old-${dead}`, "x"), "the old artefact");
    writeFileSync(join(root, `ab.tmp-${dead}`), "another artefact's");
    sweepLeftovers(join(root, "a"));
    assert.deepEqual(readdirSync(root).sort(), ["a", `a.tmp-${live}`, `ab.tmp-${dead}`]);
    assert.equal(readFileSync(join(root, "a", "x"), "utf8"), "the old artefact");
  });

  test("a file output onto a folder or under a file is a KgcError, and nothing leaks", async () => {
    const root = tmpDir("atomic");
    mkdirSync(join(root, "dir"));
    writeFileSync(join(root, "file"), "keep");
    assert.throws(() => writeFileAtomic(join(root, "dir"), "x"), kgcError(/is an existing folder/));
    await assert.rejects(withAtomicFile(join(root, "file", "x.npy"), () => {}), kgcError(/a file stands where the output's folder should be/));
    assert.deepEqual(readdirSync(root).sort(), ["dir", "file"]);
  });
});

describe("output lock", () => {
  test("held, nested, refused to another live holder, taken over when stale", () => {
    const root = tmpDir("lock");
    const dir = join(root, "out");
    const release = acquireOutputLock(dir, "test");
    const inner = acquireOutputLock(dir, "test"); // nests within one process
    assert.equal((JSON.parse(readFileSync(lockPathFor(dir), "utf8")) as { pid: number }).pid, process.pid);
    inner();
    assert.ok(existsSync(lockPathFor(dir)));
    release();
    assert.ok(!existsSync(lockPathFor(dir)));

    writeFileSync(lockPathFor(dir), JSON.stringify({ pid: process.ppid, host: hostname(), stage: "train", startedAt: "t0" }));
    assert.throws(() => acquireOutputLock(dir, "test"), kgcError(new RegExp(`in use by kgc train \\(pid ${process.ppid} on `)));
    writeFileSync(lockPathFor(dir), JSON.stringify({ pid: deadPid(), host: hostname(), stage: "train", startedAt: "t0" }));
    acquireOutputLock(dir, "test")();
    assert.deepEqual(readdirSync(root), []);
  });
});

describe("names, system errors, triple hash", () => {
  test("a name is one folder name", () => {
    for (const bad of ["", ".", "..", "a/b", "a\\b", "x\0y", "é".repeat(200)]) assert.throws(() => checkArtefactName(bad, "--name"), KgcError, JSON.stringify(bad));
    for (const good of ["fb15k-237", "wn18rr", "synth.v2", "données"]) assert.equal(checkArtefactName(good, "--name"), good);
  });

  test("a Node system error becomes a one-line KgcError naming its path", () => {
    let caught: unknown;
    try {
      readFileSync(join(tmpDir("errors"), "missing.json"));
    } catch (err) {
      caught = err;
    }
    const e = systemErrorAsKgc(caught);
    assert.ok(e instanceof KgcError);
    assert.match(e.message, /missing\.json: not found$/);
    assert.equal(systemErrorAsKgc(new Error("plain")), null);
  });

  test("the train hash does not depend on chunking and sees every triple", () => {
    const t = triplesOf([[0, 1, 2], [3, 0, 1], [2, 2, 0], [1, 1, 1]]);
    const chunked = new TripleHasher();
    chunked.update(triplesOf([[0, 1, 2]]));
    chunked.update(triplesOf([[3, 0, 1], [2, 2, 0], [1, 1, 1]]));
    assert.equal(chunked.digest(), hashTriples(t));
    assert.notEqual(hashTriples(triplesOf([[0, 1, 2], [3, 0, 1], [2, 2, 0], [1, 1, 2]])), hashTriples(t));
    assert.notEqual(hashTriples(triplesOf([[0, 1, 2], [3, 0, 1], [2, 2, 0]])), hashTriples(t));
  });
});
