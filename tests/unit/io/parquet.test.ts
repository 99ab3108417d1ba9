import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parquetMetadata } from "hyparquet";
import { type ColumnSource, parquetWriteBuffer } from "hyparquet-writer";
import { KgcError } from "../../../src/core/errors.js";
import type { CandidateQueries, Triples } from "../../../src/core/types.js";
import { NameIndex } from "../../../src/io/name-index.js";
import { readCandidatesParquet, readTriplesParquet, writeCandidatesParquet, writeTriplesParquet } from "../../../src/io/parquet.js";

const dir = mkdtempSync(join(tmpdir(), "kgc-parquet-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function pathFor(name: string): string {
  return join(dir, `${counter++}-${name}`);
}

type WriteBufferOptions = Parameters<typeof parquetWriteBuffer>[0];

/** A Parquet file written with hyparquet-writer directly (a "foreign" file). */
function foreign(columnData: ColumnSource[], schema?: WriteBufferOptions["schema"]): string {
  const path = pathFor("foreign.parquet");
  writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData, ...(schema ? { schema } : {}) })));
  return path;
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

function sampleCandidates(rows: number, width: number, withAnswers: boolean): CandidateQueries {
  return {
    head: new Int32Array(rows).map((_, i) => i * 3),
    relation: new Int32Array(rows).map((_, i) => i % 7),
    candidates: new Int32Array(rows * width).map((_, i) => (i * 7919) % 1000003),
    width,
    correctIndex: withAnswers ? new Int32Array(rows).map((_, i) => i % width) : null,
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

describe("triples as Parquet", () => {
  it("round-trips int32 triples across several row groups", async () => {
    const path = pathFor("t.parquet");
    const triples = randomTriples(2500, 1);
    await writeTriplesParquet(path, triples, { rowGroupRows: 1000 });
    const metadata = parquetMetadata(readFileSync(path));
    assert.equal(metadata.row_groups.length, 3);
    assert.deepEqual(metadata.schema.slice(1).map((e) => `${e.name}:${e.type}:${e.repetition_type}`), ["head:INT32:REQUIRED", "relation:INT32:REQUIRED", "tail:INT32:REQUIRED"]);
    assert.deepEqual(await readTriplesParquet(path), triples);
  });

  it("writes files parquet-wasm (Arrow's Rust reader) reads back identically", async (t) => {
    let wasm: typeof import("parquet-wasm");
    let arrow: typeof import("apache-arrow");
    try {
      wasm = await import("parquet-wasm");
      arrow = await import("apache-arrow");
    } catch {
      t.skip("parquet-wasm (dev dependency) not installed");
      return;
    }
    const path = pathFor("interop.parquet");
    const triples = randomTriples(3000, 9);
    await writeTriplesParquet(path, triples, { rowGroupRows: 1024 });
    const table = arrow.tableFromIPC(wasm.readParquet(readFileSync(path)).intoIPCStream());
    assert.deepEqual(table.getChild("tail")!.toArray(), triples.tail);
    assert.deepEqual(table.getChild("head")!.toArray(), triples.head);
  });

  it("round-trips an empty table", async () => {
    const path = pathFor("empty.parquet");
    await writeTriplesParquet(path, randomTriples(0, 1));
    assert.equal((await readTriplesParquet(path)).length, 0);
  });

  it("down-casts INT64 columns", async () => {
    const path = foreign([
      { name: "head", data: BigInt64Array.of(7n, 2147483647n), type: "INT64", nullable: false },
      { name: "relation", data: BigInt64Array.of(0n, 1n), type: "INT64", nullable: false },
      { name: "tail", data: BigInt64Array.of(1n, 0n), type: "INT64", nullable: false },
    ]);
    assert.deepEqual(await readTriplesParquet(path), { head: Int32Array.of(7, 2147483647), relation: Int32Array.of(0, 1), tail: Int32Array.of(1, 0), length: 2 });
  });

  it("rejects an INT64 id beyond int32, naming the row", async () => {
    const path = foreign([
      { name: "head", data: BigInt64Array.of(1n, 2n), type: "INT64", nullable: false },
      { name: "relation", data: BigInt64Array.of(0n, 0n), type: "INT64", nullable: false },
      { name: "tail", data: BigInt64Array.of(1n, 4294967296n), type: "INT64", nullable: false },
    ]);
    await assertKgcRejects(readTriplesParquet(path), path, /column 'tail' row 1: id 4294967296 is beyond int32/);
  });

  it("rejects a negative id, naming the column and row", async () => {
    const path = foreign([
      { name: "head", data: Int32Array.of(1, 2, 3), type: "INT32", nullable: false },
      { name: "relation", data: Int32Array.of(0, -1, 0), type: "INT32", nullable: false },
      { name: "tail", data: Int32Array.of(1, 2, 3), type: "INT32", nullable: false },
    ]);
    await assertKgcRejects(readTriplesParquet(path), path, /column 'relation' row 1: id -1 is negative/);
  });

  it("rejects a null id", async () => {
    const path = foreign([
      { name: "head", data: [1, null], type: "INT32" },
      { name: "relation", data: Int32Array.of(0, 0), type: "INT32", nullable: false },
      { name: "tail", data: Int32Array.of(1, 2), type: "INT32", nullable: false },
    ]);
    await assertKgcRejects(readTriplesParquet(path), path, /column 'head' row 1 is null/);
  });

  it("maps UTF8 name columns through NameIndexes", async () => {
    const path = foreign([
      { name: "head", data: ["00260881", "x"], type: "STRING", nullable: false },
      { name: "relation", data: ["_hypernym", "_hypernym"], type: "STRING", nullable: false },
      { name: "tail", data: ["x", "00260881"], type: "STRING", nullable: false },
    ]);
    const entities = new NameIndex();
    const relations = new NameIndex();
    const t = await readTriplesParquet(path, { entities, relations });
    assert.deepEqual([...t.head, ...t.relation, ...t.tail], [0, 1, 0, 0, 1, 0]);
    assert.deepEqual(entities.names, ["00260881", "x"]);
    await assertKgcRejects(readTriplesParquet(path), path, /hold names .* pass entity and relation NameIndexes/);
  });

  it("rejects a missing column", async () => {
    const missing = foreign([{ name: "head", data: Int32Array.of(1), type: "INT32" }, { name: "tail", data: Int32Array.of(1), type: "INT32" }]);
    await assertKgcRejects(readTriplesParquet(missing), missing, /missing column 'relation' \(columns: head, tail\)/);
  });

  it("rejects a DOUBLE column", async () => {
    const double = foreign([
      { name: "head", data: Float64Array.of(1), type: "DOUBLE" },
      { name: "relation", data: Int32Array.of(0), type: "INT32" },
      { name: "tail", data: Int32Array.of(1), type: "INT32" },
    ]);
    await assertKgcRejects(readTriplesParquet(double), double, /column 'head' has type DOUBLE; expected integer ids/);
  });

  it("rejects a missing file", async () => {
    const missing = join(dir, "missing.parquet");
    await assertKgcRejects(readTriplesParquet(missing), missing, /file not found/);
  });

  it("rejects an empty file", async () => {
    const empty = pathFor("empty.parquet");
    writeFileSync(empty, "");
    await assertKgcRejects(readTriplesParquet(empty), empty, /empty file/);
  });

  it("rejects a truncated file", async () => {
    const whole = pathFor("whole.parquet");
    await writeTriplesParquet(whole, randomTriples(100, 2));
    const truncated = pathFor("truncated.parquet");
    writeFileSync(truncated, readFileSync(whole).subarray(0, 900));
    await assertKgcRejects(readTriplesParquet(truncated), truncated, /not a readable Parquet file/);
  });

  it("rejects a file that is not Parquet", async () => {
    const text = pathFor("text.parquet");
    writeFileSync(text, "head,relation,tail\n1,2,3\n");
    await assertKgcRejects(readTriplesParquet(text), text, /not a readable Parquet file/);
  });

  it("refuses to write a negative id and leaves no file", async () => {
    const path = pathFor("neg.parquet");
    const triples = randomTriples(10, 3);
    triples.tail[9] = -7;
    await assertKgcRejects(writeTriplesParquet(path, triples), path, /row 9: negative id/);
    assertNothingWritten(path);
  });
});

describe("candidates as Parquet", () => {
  it("round-trips queries with and without answers as K int columns over several row groups", async () => {
    for (const withAnswers of [true, false]) {
      const path = pathFor("c.parquet");
      const q = sampleCandidates(70, 11, withAnswers);
      await writeCandidatesParquet(path, q, { rowGroupRows: 32 });
      const metadata = parquetMetadata(readFileSync(path));
      assert.equal(metadata.row_groups.length, 3);
      const names = metadata.schema.slice(1).map((e) => e.name);
      assert.deepEqual(names.slice(0, 4), ["head", "relation", "candidate_0", "candidate_1"]);
      assert.equal(names.includes("correct_index"), withAnswers);
      assert.deepEqual(await readCandidatesParquet(path), q);
    }
  });

  /** A LIST<int32> candidates column as pyarrow writes it (list → element). */
  function listFile(lists: number[][]): string {
    return foreign([
      { name: "head", data: Int32Array.from(lists, (_, i) => i) },
      { name: "relation", data: new Int32Array(lists.length) },
      { name: "candidates", data: lists },
    ], [
      { name: "schema", num_children: 3 },
      { name: "head", type: "INT32", repetition_type: "REQUIRED" },
      { name: "relation", type: "INT32", repetition_type: "REQUIRED" },
      { name: "candidates", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
      { name: "list", repetition_type: "REPEATED", num_children: 1 },
      { name: "element", type: "INT32", repetition_type: "REQUIRED" },
    ]);
  }

  it("accepts a LIST column with K items in every row", async () => {
    const q = await readCandidatesParquet(listFile([[5, 6, 7], [8, 9, 10]]));
    assert.equal(q.width, 3);
    assert.deepEqual([...q.candidates], [5, 6, 7, 8, 9, 10]);
    assert.equal(q.correctIndex, null);
  });

  it("rejects ragged candidate lists, naming the row", async () => {
    const path = listFile([[5, 6, 7], [8, 9, 10], [1, 2]]);
    await assertKgcRejects(readCandidatesParquet(path), path, /ragged candidates: row 2 has 2, the first row has 3/);
  });

  it("rejects a candidate repeated within a row", async () => {
    const path = listFile([[5, 6, 7], [8, 9, 8]]);
    await assertKgcRejects(readCandidatesParquet(path), path, /candidates row 1: id 8 appears twice \(again at position 2\)/);
  });

  it("rejects a negative candidate, naming the column and row", async () => {
    const q = sampleCandidates(3, 2, false);
    const path = foreign([
      { name: "head", data: q.head, type: "INT32" },
      { name: "relation", data: q.relation, type: "INT32" },
      { name: "candidate_0", data: Int32Array.of(1, 2, 3), type: "INT32" },
      { name: "candidate_1", data: Int32Array.of(4, 5, -6), type: "INT32" },
    ]);
    await assertKgcRejects(readCandidatesParquet(path), path, /column 'candidate_1' row 2: id -6 is negative/);
  });

  it("rejects a gap in the candidate columns", async () => {
    const gap = foreign([
      { name: "head", data: Int32Array.of(1), type: "INT32" },
      { name: "relation", data: Int32Array.of(1), type: "INT32" },
      { name: "candidate_0", data: Int32Array.of(1), type: "INT32" },
      { name: "candidate_2", data: Int32Array.of(2), type: "INT32" },
    ]);
    await assertKgcRejects(readCandidatesParquet(gap), gap, /missing column 'candidate_1' \(found candidate_2/);
  });

  it("rejects candidates without a head column", async () => {
    const noHead = foreign([{ name: "relation", data: Int32Array.of(1), type: "INT32" }, { name: "candidate_0", data: Int32Array.of(1), type: "INT32" }]);
    await assertKgcRejects(readCandidatesParquet(noHead), noHead, /missing column 'head'/);
  });

  it("rejects a correct_index outside [0, K)", async () => {
    const path = foreign([
      { name: "head", data: Int32Array.of(1, 2), type: "INT32" },
      { name: "relation", data: Int32Array.of(1, 1), type: "INT32" },
      { name: "candidate_0", data: Int32Array.of(1, 2), type: "INT32" },
      { name: "candidate_1", data: Int32Array.of(3, 4), type: "INT32" },
      { name: "correct_index", data: Int32Array.of(1, 2), type: "INT32" },
    ]);
    await assertKgcRejects(readCandidatesParquet(path), path, /column 'correct_index' row 1: 2 outside \[0, 2\)/);
  });

  it("refuses to write a duplicate candidate and leaves no file", async () => {
    const path = pathFor("dup-c.parquet");
    const dup = sampleCandidates(4, 3, true);
    dup.candidates[11] = dup.candidates[9]!;
    await assertKgcRejects(writeCandidatesParquet(path, dup), path, /row 3: id \d+ appears twice/);
    assertNothingWritten(path);
  });

  it("refuses to write candidates not filling rows × K and leaves no file", async () => {
    const path = pathFor("ragged-c.parquet");
    const ragged = { ...sampleCandidates(4, 3, false), width: 5 };
    await assertKgcRejects(writeCandidatesParquet(path, ragged), path, /ragged candidate queries/);
    assertNothingWritten(path);
  });
});
