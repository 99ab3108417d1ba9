import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { NameIndex } from "../../../src/io/name-index.js";
import { readTsvTriples, writeTsvTriples } from "../../../src/io/tsv.js";

const dir = mkdtempSync(join(tmpdir(), "kgc-tsv-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function file(text: string | Buffer): string {
  const path = join(dir, `t${counter++}.tsv`);
  writeFileSync(path, text);
  return path;
}

function read(path: string, chunkBytes?: number): { ids: number[][]; entities: NameIndex; relations: NameIndex } {
  const entities = new NameIndex();
  const relations = new NameIndex();
  const t = readTsvTriples(path, entities, relations, chunkBytes === undefined ? {} : { chunkBytes });
  const ids = Array.from({ length: t.length }, (_, i) => [t.head[i]!, t.relation[i]!, t.tail[i]!]);
  return { ids, entities, relations };
}

/** Asserts that `fn` throws a KgcError whose message names `path` and matches `problem`. */
function assertKgcError(fn: () => unknown, path: string, problem: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KgcError, `expected KgcError, got ${String(err)}`);
    assert.equal(err.file, path);
    assert.match(err.message, problem);
    assert.ok(err.message.includes(path));
    return true;
  });
}

async function assertKgcRejects(promise: Promise<unknown>, path: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof KgcError, `expected KgcError, got ${String(err)}`);
    assert.equal(err.file, path);
    assert.match(err.message, problem);
    return true;
  });
}

function assertNothingWritten(path: string): void {
  assert.equal(existsSync(path), false, "no output file");
  const base = path.split("/").pop()!;
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`${base}.tmp`)), [], "no temporary file");
}

describe("NameIndex", () => {
  it("assigns dense ids in first-seen order and looks up without assigning", () => {
    const index = new NameIndex();
    assert.equal(index.idOf("b"), 0);
    assert.equal(index.idOf("a"), 1);
    assert.equal(index.idOf("b"), 0);
    assert.equal(index.lookup("c"), undefined);
    assert.equal(index.size, 2);
    assert.deepEqual(index.names, ["b", "a"]);
    assert.equal(NameIndex.fromNames(["x", "y"]).lookup("y"), 1);
  });
});

describe("readTsvTriples", () => {
  it("maps names to ids, keeping leading zeros and non-ASCII names", () => {
    const { ids, entities, relations } = read(file("00260881\t_hypernym\t00260622\nZürich\t_hypernym\t00260881\n"));
    assert.deepEqual(ids, [[0, 0, 1], [2, 0, 0]]);
    assert.deepEqual(entities.names, ["00260881", "00260622", "Zürich"]);
    assert.deepEqual(relations.names, ["_hypernym"]);
  });

  it("strips CR of CRLF lines and accepts a missing final newline or a trailing blank line", () => {
    const crlf = read(file("/m/a\t/r/x\t/m/b\r\n/m/b\t/r/y\t/m/a\r\n\r\n"));
    assert.deepEqual(crlf.ids, [[0, 0, 1], [1, 1, 0]]);
    assert.deepEqual(crlf.relations.names, ["/r/x", "/r/y"]);
    assert.deepEqual(crlf.entities.names, ["/m/a", "/m/b"]);
    assert.deepEqual(read(file("a\tr\tb")).ids, [[0, 0, 1]]);
    assert.deepEqual(read(file("a\tr\tb\n\n\n")).ids, [[0, 0, 1]]);
  });

  it("skips a UTF-8 byte order mark", () => {
    const { entities } = read(file(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("a\tr\tb\n")])));
    assert.deepEqual(entities.names, ["a", "b"]);
  });

  it("keeps ids stable across files sharing NameIndexes", () => {
    const entities = new NameIndex();
    const relations = new NameIndex();
    readTsvTriples(file("a\tr\tb\n"), entities, relations);
    const valid = readTsvTriples(file("c\ts\ta\nb\tr\tc\n"), entities, relations);
    assert.deepEqual([...valid.head], [2, 1]);
    assert.deepEqual([...valid.relation], [1, 0]);
    assert.deepEqual([...valid.tail], [0, 2]);
  });

  it("gives the same result whatever the read chunk size (lines cross chunk boundaries)", () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) lines.push(`entity_${i % 37}_${"x".repeat(i % 11)}\trel_${i % 5}\tentity_${(i * 7) % 41}`);
    const path = file(lines.join("\r\n") + "\r\n");
    const whole = read(path);
    for (const chunk of [5, 16, 64, 1000]) {
      const chunked = read(path, chunk);
      assert.deepEqual(chunked.ids, whole.ids, `chunk ${chunk}`);
      assert.deepEqual(chunked.entities.names, whole.entities.names);
    }
    assert.equal(whole.ids.length, 300);
  });

  it("parses FB15k-237 train (CRLF) when the shared datasets are present", (t) => {
    const path = "/work/shared/datasets/FB15k-237/train.txt";
    if (!existsSync(path)) {
      t.skip("FB15k-237 not found");
      return;
    }
    const { ids, entities, relations } = read(path);
    assert.equal(ids.length, 272115);
    assert.equal(relations.size, 237);
    assert.equal(entities.size, 14505);
    assert.ok(![...entities.names, ...relations.names].some((n) => n.includes("\r")));
  });

  it("rejects a missing file", () => {
    const path = join(dir, "missing.tsv");
    assertKgcError(() => read(path), path, /file not found/);
  });

  it("rejects an empty file", () => {
    const path = file("");
    assertKgcError(() => read(path), path, /empty file/);
  });

  it("rejects a file of blank lines", () => {
    const path = file("\n\r\n");
    assertKgcError(() => read(path), path, /no triples/);
  });

  it("rejects a line with two fields, naming the line", () => {
    const path = file("a\tr\tb\nc\td\n");
    assertKgcError(() => read(path), path, /line 2: expected 3 tab-separated fields .* found 2/);
  });

  it("rejects a line with four fields, naming the line", () => {
    const path = file("a\tr\tb\na\tr\tb\tc\r\n");
    assertKgcError(() => read(path), path, /line 2: expected 3 .* found 4/);
  });

  it("rejects a space-separated line", () => {
    const path = file("a r b\n");
    assertKgcError(() => read(path), path, /line 1: expected 3 .* found 1/);
  });

  it("rejects an empty name", () => {
    const path = file("a\tr\tb\na\t\tb\n");
    assertKgcError(() => read(path), path, /line 2: empty relation name/);
  });

  it("rejects a blank line before the end", () => {
    const path = file("a\tr\tb\n\na\tr\tb\n");
    assertKgcError(() => read(path), path, /line 2: blank line/);
  });
});

describe("writeTsvTriples", () => {
  it("round-trips names and ids", async () => {
    const path = join(dir, "round.tsv");
    const entities = ["00260881", "/m/0grwj", "Zürich"];
    const relations = ["_hypernym", "/film/film/genre"];
    const triples = { head: Int32Array.of(0, 2, 1), relation: Int32Array.of(1, 0, 1), tail: Int32Array.of(2, 1, 0), length: 3 };
    await writeTsvTriples(path, triples, entities, relations);
    assert.equal(readFileSync(path, "utf8"), "00260881\t/film/film/genre\tZürich\nZürich\t_hypernym\t/m/0grwj\n/m/0grwj\t/film/film/genre\t00260881\n");
    const back = read(path);
    assert.deepEqual(back.ids, [[0, 0, 1], [1, 1, 2], [2, 0, 0]]);
    assert.deepEqual(back.entities.names, ["00260881", "Zürich", "/m/0grwj"]);
  });

  it("rejects an id without a name and leaves no file", async () => {
    const path = join(dir, "bad-id.tsv");
    const triples = { head: Int32Array.of(0, 0), relation: Int32Array.of(0, 1), tail: Int32Array.of(1, 1), length: 2 };
    await assertKgcRejects(writeTsvTriples(path, triples, ["a", "b"], ["r"]), path, /row 1: ids \(0, 1, 1\) outside/);
    assertNothingWritten(path);
  });

  it("rejects a name holding a tab and leaves no file", async () => {
    const path = join(dir, "bad-name.tsv");
    const triples = { head: Int32Array.of(0), relation: Int32Array.of(0), tail: Int32Array.of(1), length: 1 };
    await assertKgcRejects(writeTsvTriples(path, triples, ["a", "b\tc"], ["r"]), path, /entity name 1 .* tab\/newline/);
    assertNothingWritten(path);
  });
});
