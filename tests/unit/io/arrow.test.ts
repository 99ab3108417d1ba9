import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Field, Int32, List, makeVector, Table, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { KgcError } from "../../../src/core/errors.js";
import type { CandidateQueries, Triples } from "../../../src/core/types.js";
import { readCandidatesArrow, readTriplesArrow, writeCandidatesArrow, writeTriplesArrow } from "../../../src/io/arrow.js";
import { NameIndex } from "../../../src/io/name-index.js";

const dir = mkdtempSync(join(tmpdir(), "kgc-arrow-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function pathFor(name: string): string {
  return join(dir, `${counter++}-${name}`);
}

/** Writes an Arrow table built with apache-arrow directly (a "foreign" file: no kgc metadata). */
function foreign(table: Table, format: "file" | "stream" = "file"): string {
  const path = pathFor(`foreign.${format === "file" ? "arrow" : "arrows"}`);
  writeFileSync(path, tableToIPC(table, format));
  return path;
}

/** A table with int32 head/relation columns (values given) and a List<int32> candidates column. */
function listTable(heads: number[], lists: number[][], extra: Record<string, Int32Array> = {}): Table {
  const columns = {
    head: makeVector(Int32Array.from(heads)),
    relation: makeVector(new Int32Array(heads.length)),
    candidates: vectorFromArray(lists, new List(new Field("item", new Int32(), true))),
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, makeVector(v)])),
  };
  return new Table(columns);
}

function randomTriples(n: number, seed: number): Triples {
  let s = seed;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff);
  const t = { head: new Int32Array(n), relation: new Int32Array(n), tail: new Int32Array(n), length: n };
  for (let i = 0; i < n; i++) {
    t.head[i] = next();
    t.relation[i] = next() % 1315;
    t.tail[i] = next();
  }
  return t;
}

function sampleCandidates(withAnswers: boolean): CandidateQueries {
  const rows = 5;
  const width = 4;
  const candidates = new Int32Array(rows * width).map((_, i) => 100 + i);
  return {
    head: Int32Array.of(0, 1, 2, 3, 4), relation: Int32Array.of(1, 1, 0, 2, 0), candidates, width,
    correctIndex: withAnswers ? Int32Array.of(0, 3, 2, 1, 0) : null,
  };
}

async function assertKgcRejects(promise: Promise<unknown>, path: string, problem: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof KgcError, `expected KgcError, got ${String(err)}`);
    assert.equal(err.file, path);
    assert.ok(err.message.includes(path));
    assert.match(err.message, problem);
    return true;
  });
}

function assertNothingWritten(path: string): void {
  assert.equal(existsSync(path), false, "no output file");
  const base = path.split("/").pop()!;
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`${base}.tmp`)), [], "no temporary file");
}

describe("triples as Arrow IPC", () => {
  it("round-trips int32 triples across several record batches", async () => {
    const path = pathFor("t.arrow");
    const triples = randomTriples(2500, 1);
    await writeTriplesArrow(path, triples, { batchRows: 1000 });
    const table = tableFromIPC(readFileSync(path));
    assert.equal(table.batches.length, 3);
    assert.deepEqual(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`), ["head:Int32", "relation:Int32", "tail:Int32"]);
    assert.deepEqual(await readTriplesArrow(path), triples);
  });

  it("round-trips an empty table", async () => {
    const path = pathFor("empty.arrow");
    await writeTriplesArrow(path, randomTriples(0, 1));
    assert.equal((await readTriplesArrow(path)).length, 0);
  });

  it("reads a foreign multi-batch file without a row count, and the IPC stream format", async () => {
    const a = tableFromArrays({ head: Int32Array.of(1, 2), relation: Int32Array.of(0, 0), tail: Int32Array.of(3, 4) });
    const b = tableFromArrays({ head: Int32Array.of(5), relation: Int32Array.of(1), tail: Int32Array.of(6) });
    const table = a.concat(b);
    const expected = { head: Int32Array.of(1, 2, 5), relation: Int32Array.of(0, 0, 1), tail: Int32Array.of(3, 4, 6), length: 3 };
    assert.deepEqual(await readTriplesArrow(foreign(table)), expected);
    assert.deepEqual(await readTriplesArrow(foreign(table, "stream")), expected);
  });

  it("down-casts int64 columns", async () => {
    const path = foreign(tableFromArrays({ head: BigInt64Array.of(7n, 2147483647n), relation: BigInt64Array.of(0n, 1n), tail: BigInt64Array.of(1n, 0n) }));
    assert.deepEqual(await readTriplesArrow(path), { head: Int32Array.of(7, 2147483647), relation: Int32Array.of(0, 1), tail: Int32Array.of(1, 0), length: 2 });
  });

  it("rejects an int64 id beyond int32, naming the row", async () => {
    const path = foreign(tableFromArrays({ head: BigInt64Array.of(1n, 2147483648n), relation: BigInt64Array.of(0n, 0n), tail: BigInt64Array.of(1n, 1n) }));
    await assertKgcRejects(readTriplesArrow(path), path, /column 'head' row 1: id 2147483648 is beyond int32/);
  });

  it("rejects a negative id, naming the column and row", async () => {
    const path = foreign(tableFromArrays({ head: Int32Array.of(1, 2), relation: Int32Array.of(0, 0), tail: Int32Array.of(1, -5) }));
    await assertKgcRejects(readTriplesArrow(path), path, /column 'tail' row 1: id -5 is negative/);
  });

  it("maps utf8 name columns through NameIndexes", async () => {
    const path = foreign(tableFromArrays({ head: ["00260881", "x"], relation: ["_hypernym", "_hypernym"], tail: ["x", "00260881"] }));
    const entities = new NameIndex();
    const relations = new NameIndex();
    const t = await readTriplesArrow(path, { entities, relations });
    assert.deepEqual([...t.head, ...t.relation, ...t.tail], [0, 1, 0, 0, 1, 0]);
    assert.deepEqual(entities.names, ["00260881", "x"]);
    await assertKgcRejects(readTriplesArrow(path), path, /hold names .* pass entity and relation NameIndexes/);
  });

  it("rejects a missing column", async () => {
    const path = foreign(tableFromArrays({ head: Int32Array.of(1), rel: Int32Array.of(0), tail: Int32Array.of(2) }));
    await assertKgcRejects(readTriplesArrow(path), path, /missing column 'relation' \(columns: head, rel, tail\)/);
  });

  it("rejects a float column", async () => {
    const path = foreign(tableFromArrays({ head: Float64Array.of(1), relation: Int32Array.of(0), tail: Int32Array.of(2) }));
    await assertKgcRejects(readTriplesArrow(path), path, /column 'head' has type Float64; expected integer ids/);
  });

  it("rejects a null id", async () => {
    const path = foreign(new Table({ head: vectorFromArray([1, null], new Int32()), relation: makeVector(Int32Array.of(0, 0)), tail: makeVector(Int32Array.of(2, 3)) }));
    await assertKgcRejects(readTriplesArrow(path), path, /column 'head' row 1 is null/);
  });

  it("rejects a missing file", async () => {
    const missing = join(dir, "missing.arrow");
    await assertKgcRejects(readTriplesArrow(missing), missing, /file not found/);
  });

  it("rejects an empty file", async () => {
    const empty = pathFor("empty.arrow");
    writeFileSync(empty, "");
    await assertKgcRejects(readTriplesArrow(empty), empty, /empty file/);
  });

  it("rejects a truncated file", async () => {
    const whole = pathFor("whole.arrow");
    await writeTriplesArrow(whole, randomTriples(100, 2));
    const truncated = pathFor("truncated.arrow");
    writeFileSync(truncated, readFileSync(whole).subarray(0, 700));
    await assertKgcRejects(readTriplesArrow(truncated), truncated, /not a readable Arrow IPC file/);
  });

  it("rejects a file that is not Arrow", async () => {
    const text = pathFor("text.arrow");
    writeFileSync(text, "head,relation,tail\n1,2,3\n");
    await assertKgcRejects(readTriplesArrow(text), text, /not a readable Arrow IPC file/);
  });

  it("refuses to write a negative id and leaves no file", async () => {
    const path = pathFor("neg.arrow");
    const triples = randomTriples(10, 3);
    triples.relation[4] = -1;
    await assertKgcRejects(writeTriplesArrow(path, triples), path, /row 4: negative id/);
    assertNothingWritten(path);
  });
});

describe("candidates as Arrow IPC", () => {
  it("round-trips queries with and without answers as FixedSizeList<int32>[K]", async () => {
    for (const withAnswers of [true, false]) {
      const path = pathFor("c.arrow");
      const q = sampleCandidates(withAnswers);
      await writeCandidatesArrow(path, q, { batchRows: 2 });
      const table = tableFromIPC(readFileSync(path));
      assert.equal(String(table.schema.fields[2]!.type), "FixedSizeList[4]<Int32>");
      assert.equal(table.schema.fields.some((f) => f.name === "correct_index"), withAnswers);
      assert.deepEqual(await readCandidatesArrow(path), q);
    }
  });

  it("accepts a List<int> column with K items in every row", async () => {
    const path = foreign(listTable([1, 2], [[5, 6, 7], [8, 9, 10]]));
    const q = await readCandidatesArrow(path);
    assert.equal(q.width, 3);
    assert.deepEqual([...q.candidates], [5, 6, 7, 8, 9, 10]);
    assert.equal(q.correctIndex, null);
  });

  it("rejects ragged candidate lists, naming the row", async () => {
    const path = foreign(listTable([1, 2], [[5, 6, 7], [8, 9]]));
    await assertKgcRejects(readCandidatesArrow(path), path, /ragged candidates: row 1 has 2, row 0 has 3/);
  });

  it("rejects a candidate repeated within a row", async () => {
    const path = pathFor("dup.arrow");
    const q = sampleCandidates(true);
    await writeCandidatesArrow(path, q);
    const bad = pathFor("dup-bad.arrow");
    const bytes = readFileSync(path);
    // patch the file: candidate (row 3, position 2) becomes a copy of (row 3, position 0)
    const at = bytes.indexOf(Buffer.from(Int32Array.of(100 + 14).buffer));
    bytes.writeInt32LE(100 + 12, at);
    writeFileSync(bad, bytes);
    await assertKgcRejects(readCandidatesArrow(bad), bad, /candidates row 3: id 112 appears twice \(again at position 2\)/);
  });

  const badWrites: [string, () => CandidateQueries, RegExp][] = [
    ["a duplicate candidate", () => {
      const q = sampleCandidates(true);
      q.candidates[5] = q.candidates[4]!;
      return q;
    }, /row 1: id 104 appears twice/],
    ["a negative candidate", () => {
      const q = sampleCandidates(false);
      q.candidates[19] = -3;
      return q;
    }, /row 4 position 3: negative id -3/],
    ["candidates not filling rows × K", () => ({ ...sampleCandidates(false), candidates: new Int32Array(19) }), /ragged candidate queries/],
    ["a correct index outside [0, K)", () => {
      const q = sampleCandidates(true);
      q.correctIndex![2] = 4;
      return q;
    }, /query 2: correct index 4 outside \[0, 4\)/],
  ];
  for (const [what, make, problem] of badWrites) {
    it(`refuses to write ${what} and leaves no file`, async () => {
      const path = pathFor("bad-c.arrow");
      await assertKgcRejects(writeCandidatesArrow(path, make()), path, problem);
      assertNothingWritten(path);
    });
  }

  it("rejects a correct_index outside [0, K)", async () => {
    const path = foreign(listTable([1, 2], [[5, 6], [8, 9]], { correct_index: Int32Array.of(1, 2) }));
    await assertKgcRejects(readCandidatesArrow(path), path, /column 'correct_index' row 1: 2 outside \[0, 2\)/);
  });

  it("rejects a missing candidates column", async () => {
    const missing = foreign(tableFromArrays({ head: Int32Array.of(1), relation: Int32Array.of(0) }));
    await assertKgcRejects(readCandidatesArrow(missing), missing, /missing column 'candidates'/);
  });

  it("rejects a candidates column that is not a list of ids", async () => {
    const wrong = foreign(tableFromArrays({ head: Int32Array.of(1), relation: Int32Array.of(0), candidates: Float64Array.of(3) }));
    await assertKgcRejects(readCandidatesArrow(wrong), wrong, /column 'candidates' has type Float64; expected FixedSizeList<int32>\[K\]/);
  });
});
