import { isUtf8 } from "node:buffer";
import { closeSync, openSync, writeSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import {
  type Data, DataType, Field, FixedSizeList, Int32, makeData, makeVector, RecordBatch, RecordBatchFileWriter,
  RecordBatchReader, Schema, Struct, type Vector,
} from "apache-arrow";
import { withAtomicFile } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import type { CandidateQueries, Triples } from "../core/types.js";
import { checkCandidateRows, checkCandidatesForWrite, checkTriplesForWrite, copyIds, Int32ColumnBuilder, type IdValues } from "./id-columns.js";
import type { NameIndex } from "./name-index.js";

/**
 * Triples and candidate tables as Arrow IPC files (apache-arrow). Files are written and read one
 * record batch at a time, so a table never has to exist twice in memory: the writer drains each
 * batch to disk before building the next, and the reader streams the file through a small window
 * (through a file handle: Arrow reads the footer, then each batch at its offset). Readers also
 * accept the IPC stream format.
 *
 * Triples: int32 columns head, relation, tail (int64 accepted on read, down-cast with a range
 * check; utf8 name columns accepted when NameIndexes are given). Candidates: head, relation
 * (int32), candidates (FixedSizeList<int32>[K]; a List with K items per row is accepted on read),
 * correct_index (int32, omitted when the answers are hidden).
 */

/** Schema metadata key holding the row count, so readers can allocate the output once. */
export const ROWS_METADATA_KEY = "kgc.rows";
const TRIPLE_BATCH_ROWS = 1 << 20;
const CANDIDATE_BATCH_VALUES = 1 << 22;

/** The name ↔ id maps used when a triple table holds names instead of ids. */
export interface TripleNameIndexes {
  entities: NameIndex;
  relations: NameIndex;
}

/**
 * Streams the record batches of an Arrow IPC file (or IPC stream) to `visit`, after `begin`
 * has seen the schema. The file is read through a handle, one batch at a time (Arrow reads the
 * footer, then seeks to each batch), so only one batch is in memory. Arrow's own errors become
 * KgcErrors naming the file.
 */
async function forEachBatch(path: string, begin: (schema: Schema, fileSize: number) => void, visit: (batch: RecordBatch, firstRow: number) => void): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KgcError(path, code === "ENOENT" ? "file not found" : `cannot open (${code ?? String(err)})`);
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new KgcError(path, "empty file, expected an Arrow IPC file");
    let reader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (err) {
      throw asKgcError(path, err);
    }
    begin(reader.schema, size);
    let rows = 0;
    for (;;) {
      let step: IteratorResult<RecordBatch>;
      try {
        step = await reader.next();
      } catch (err) {
        throw asKgcError(path, err);
      }
      if (step.done) break;
      visit(step.value, rows);
      rows += step.value.numRows;
    }
  } finally {
    await handle.close();
  }
}

function asKgcError(path: string, err: unknown): KgcError {
  if (err instanceof KgcError) return err;
  return new KgcError(path, `not a readable Arrow IPC file (${err instanceof Error ? err.message : String(err)})`);
}

/** The row count the writer recorded, if plausible (a row of `width` ids takes at least `width` bytes). */
function rowsHint(schema: Schema, fileSize: number, width: number): number | null {
  const text = schema.metadata.get(ROWS_METADATA_KEY);
  const n = text === undefined ? NaN : Number(text);
  return Number.isSafeInteger(n) && n >= 0 && n * width <= fileSize ? n : null;
}

function fieldOf(path: string, schema: Schema, name: string): Field {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) throw new KgcError(path, `missing column '${name}' (columns: ${schema.fields.map((f) => f.name).join(", ") || "none"})`);
  return field;
}

function isNameType(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || DataType.isUtf8View(type) || (DataType.isDictionary(type) && DataType.isUtf8(type.dictionary));
}

function childOf(path: string, batch: RecordBatch, name: string): Vector {
  const column = batch.getChild(name);
  if (column === null) throw new KgcError(path, `missing column '${name}'`);
  if (column.nullCount > 0) {
    let row = 0;
    while (column.isValid(row)) row++;
    throw new KgcError(path, `column '${name}' row ${row} is null`);
  }
  return column;
}

const TRIPLE_COLUMNS = ["head", "relation", "tail"] as const;

/**
 * The first row of a utf8 column whose bytes are not valid UTF-8 (-1: an entry of its dictionary),
 * or null. Arrow decodes such bytes to U+FFFD, which would merge distinct names into one, so the
 * raw bytes are checked first (plain and dictionary-encoded utf8; the rarer large/view types are
 * decoded as they are).
 */
function firstInvalidUtf8Row(column: Vector): number | null {
  let row = 0;
  for (const d of column.data) {
    if (DataType.isDictionary(d.type)) {
      if (d.dictionary && firstInvalidUtf8Row(d.dictionary) !== null) return -1;
    } else if (DataType.isUtf8(d.type)) {
      // arrow's valueOffsets are already sliced to this Data: entry i spans [offsets[i], offsets[i + 1])
      // valid as a whole and no entry starting with a continuation byte <=> every entry valid
      const offsets = d.valueOffsets, values = d.values as Uint8Array;
      let ok = isUtf8(values.subarray(offsets[0]!, offsets[d.length]!));
      for (let i = 0; ok && i < d.length; i++) ok = offsets[i] === offsets[i + 1] || (values[offsets[i]!]! & 0xc0) !== 0x80;
      if (!ok) {
        for (let i = 0; i < d.length; i++) if (!isUtf8(values.subarray(offsets[i]!, offsets[i + 1]!))) return row + i;
      }
    }
    row += d.length;
  }
  return null;
}

/**
 * Reads a triple table. Integer columns are ids (int8..int64, checked non-negative and within
 * int32); utf8 columns are names, mapped through `names` (entities for head and tail).
 */
export async function readTriplesArrow(path: string, names?: TripleNameIndexes): Promise<Triples> {
  let named = false;
  let builders: Int32ColumnBuilder[] = [];
  await forEachBatch(path, (schema, fileSize) => {
    const kinds = TRIPLE_COLUMNS.map((c) => {
      const type = fieldOf(path, schema, c).type;
      if (DataType.isInt(type)) return "id";
      if (isNameType(type)) return "name";
      throw new KgcError(path, `column '${c}' has type ${String(type)}; expected integer ids (int32/int64) or utf8 names`);
    });
    named = kinds[0] === "name";
    if (kinds.some((k) => k !== kinds[0])) throw new KgcError(path, `columns head, relation, tail must all hold ids or all hold names (found ${kinds.join(", ")})`);
    if (named && !names) throw new KgcError(path, "columns hold names (utf8): pass entity and relation NameIndexes to map them to ids");
    const hint = rowsHint(schema, fileSize, 3);
    builders = TRIPLE_COLUMNS.map(() => new Int32ColumnBuilder(1, hint));
  }, (batch, firstRow) => {
    TRIPLE_COLUMNS.forEach((name, c) => {
      const column = childOf(path, batch, name);
      const { array, offset } = builders[c]!.next(batch.numRows);
      if (named) {
        const bad = firstInvalidUtf8Row(column);
        if (bad !== null) throw new KgcError(path, `column '${name}' row ${firstRow + bad}: ${bad < 0 ? "a dictionary entry" : "the name"} is not valid UTF-8 (names are kept exactly; re-encode the strings as UTF-8)`);
        const index = name === "relation" ? names!.relations : names!.entities;
        for (let i = 0; i < batch.numRows; i++) {
          const value = column.get(i) as string;
          if (value.length === 0) throw new KgcError(path, `column '${name}' row ${firstRow + i}: empty name`);
          array[offset + i] = index.idOf(value);
        }
      } else {
        copyIds(path, name, column.toArray() as IdValues, array, offset, firstRow);
      }
    });
  });
  const [head, relation, tail] = builders.map((b) => b.finish()) as [Int32Array, Int32Array, Int32Array];
  return { head, relation, tail, length: head.length };
}

/**
 * Streams an id triple table (integer columns head, relation, tail) one record batch at a time:
 * `visit` gets the batch's columns as int32 (checked as readTriplesArrow checks them) and its
 * first row, so a table larger than memory can be passed over (out-of-core bucketing).
 */
export async function forEachTripleChunk(path: string, visit: (head: Int32Array, relation: Int32Array, tail: Int32Array, firstRow: number) => void): Promise<void> {
  await forEachBatch(path, (schema) => {
    for (const c of TRIPLE_COLUMNS) {
      if (!DataType.isInt(fieldOf(path, schema, c).type)) throw new KgcError(path, `column '${c}' must hold integer ids to be read in chunks`);
    }
  }, (batch, firstRow) => {
    const cols = TRIPLE_COLUMNS.map((name) => {
      const out = new Int32Array(batch.numRows);
      copyIds(path, name, childOf(path, batch, name).toArray() as IdValues, out, 0, firstRow);
      return out;
    });
    visit(cols[0]!, cols[1]!, cols[2]!, firstRow);
  });
}

/**
 * Writes the contents of `batches` as an Arrow IPC file, atomically. Each batch is drained to
 * disk before the next is built, so memory stays at one batch whatever the table size.
 */
async function writeBatches(path: string, batches: Iterable<RecordBatch>): Promise<void> {
  await withAtomicFile(path, async (tmp) => {
    const fd = openSync(tmp, "w");
    const writer = new RecordBatchFileWriter();
    let drainError: unknown = null;
    const drained = (async () => {
      for await (const chunk of writer) {
        let done = 0;
        while (done < chunk.byteLength) done += writeSync(fd, chunk, done, chunk.byteLength - done);
      }
    })().catch((err: unknown) => {
      drainError = err;
    });
    try {
      for (const batch of batches) {
        writer.write(batch);
        await nextTurn(); // lets the drain loop write this batch out before the next is built
        if (drainError !== null) throw drainError;
      }
      writer.close();
      await drained;
      if (drainError !== null) throw drainError;
    } catch (err) {
      writer.abort();
      await drained;
      throw err;
    } finally {
      closeSync(fd);
    }
  });
}

function int32Data(values: Int32Array): Data<Int32> {
  return makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values });
}

function batchOf(schema: Schema, rows: number, children: Data[]): RecordBatch {
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children }));
}

/** Options of the Arrow writers. */
export interface ArrowWriteOptions {
  /** rows per record batch (default: 2^20 for triples, about 4M values for candidates) */
  batchRows?: number;
}

/** Writes triples as int32 columns head, relation, tail in batches of 2^20 rows, atomically. */
export async function writeTriplesArrow(path: string, triples: Triples, options: ArrowWriteOptions = {}): Promise<void> {
  checkTriplesForWrite(path, triples);
  const n = triples.length;
  const batchRows = options.batchRows ?? TRIPLE_BATCH_ROWS;
  const slices = function* (): Generator<Triples> {
    for (let at = 0; at < n; at += batchRows) {
      const end = Math.min(n, at + batchRows);
      yield { head: triples.head.subarray(at, end), relation: triples.relation.subarray(at, end), tail: triples.tail.subarray(at, end), length: end - at };
    }
  };
  await writeTripleChunksArrow(path, n, slices());
}

/**
 * Writes `numRows` triples arriving as chunks (one record batch each), so a source larger than
 * memory (WikiKG90M's train_hrt.npy) streams to disk. Fails, leaving nothing, when the chunks do
 * not add up to `numRows` (the count is promised up front in the schema metadata).
 */
export async function writeTripleChunksArrow(path: string, numRows: number, chunks: Iterable<Triples>): Promise<void> {
  const schema = new Schema(TRIPLE_COLUMNS.map((c) => new Field(c, new Int32(), false)), new Map([[ROWS_METADATA_KEY, String(numRows)]]));
  const batches = function* (): Generator<RecordBatch> {
    let written = 0;
    for (const chunk of chunks) {
      const n = chunk.length;
      written += n;
      if (n > 0) yield batchOf(schema, n, [chunk.head, chunk.relation, chunk.tail].map((c) => int32Data(c.subarray(0, n))));
    }
    if (written !== numRows) throw new KgcError(path, `wrote ${written} of the ${numRows} rows promised`);
    if (numRows === 0) yield batchOf(schema, 0, TRIPLE_COLUMNS.map(() => int32Data(new Int32Array(0))));
  };
  await writeBatches(path, batches());
}

/** Writes candidate queries (see the module comment for the columns), atomically. */
export async function writeCandidatesArrow(path: string, q: CandidateQueries, options: ArrowWriteOptions = {}): Promise<void> {
  checkCandidatesForWrite(path, q);
  const rows = q.head.length;
  const width = q.width;
  const fields = [
    new Field("head", new Int32(), false),
    new Field("relation", new Int32(), false),
    new Field("candidates", new FixedSizeList(width, new Field("item", new Int32(), false)), false),
  ];
  if (q.correctIndex !== null) fields.push(new Field("correct_index", new Int32(), false));
  const schema = new Schema(fields, new Map([[ROWS_METADATA_KEY, String(rows)]]));
  const batchRows = options.batchRows ?? Math.max(1, Math.floor(CANDIDATE_BATCH_VALUES / width));
  const batches = function* (): Generator<RecordBatch> {
    for (let at = 0; at < rows || at === 0; at += batchRows) {
      const end = Math.min(rows, at + batchRows);
      const list = makeData({
        type: fields[2]!.type as FixedSizeList<Int32>, length: end - at, nullCount: 0, child: int32Data(q.candidates.subarray(at * width, end * width)),
      });
      const children: Data[] = [int32Data(q.head.subarray(at, end)), int32Data(q.relation.subarray(at, end)), list];
      if (q.correctIndex !== null) children.push(int32Data(q.correctIndex.subarray(at, end)));
      yield batchOf(schema, end - at, children);
    }
  };
  await writeBatches(path, batches());
}

/**
 * Reads candidate queries. Checks: required columns and types, no nulls, the same number of
 * candidates in every row (ragged lists are an error), no negative or repeated candidate in a
 * row, correct_index within [0, K).
 */
export async function readCandidatesArrow(path: string): Promise<CandidateQueries> {
  let width = -1;
  let hasAnswers = false;
  let fixed = false;
  let hint: number | null = null;
  let head!: Int32ColumnBuilder, relation!: Int32ColumnBuilder, correct!: Int32ColumnBuilder, candidates: Int32ColumnBuilder | null = null;
  await forEachBatch(path, (schema, fileSize) => {
    for (const name of ["head", "relation"]) {
      const type = fieldOf(path, schema, name).type;
      if (!DataType.isInt(type)) throw new KgcError(path, `column '${name}' has type ${String(type)}; expected integer ids`);
    }
    const listType = fieldOf(path, schema, "candidates").type;
    const itemType = (DataType.isFixedSizeList(listType) || DataType.isList(listType) || DataType.isLargeList(listType)) ? listType.children[0]?.type : undefined;
    if (itemType === undefined || !DataType.isInt(itemType)) {
      throw new KgcError(path, `column 'candidates' has type ${String(listType)}; expected FixedSizeList<int32>[K] (or a list of integer ids)`);
    }
    fixed = DataType.isFixedSizeList(listType);
    if (DataType.isFixedSizeList(listType)) width = listType.listSize;
    const answer = schema.fields.find((f) => f.name === "correct_index");
    if (answer && !DataType.isInt(answer.type)) throw new KgcError(path, `column 'correct_index' has type ${String(answer.type)}; expected int32`);
    hasAnswers = answer !== undefined;
    hint = rowsHint(schema, fileSize, Math.max(width, 1) + 2);
    head = new Int32ColumnBuilder(1, hint);
    relation = new Int32ColumnBuilder(1, hint);
    correct = new Int32ColumnBuilder(1, hasAnswers ? hint : 0);
  }, (batch, firstRow) => {
    const n = batch.numRows;
    if (n === 0) return;
    for (const [name, builder] of [["head", head], ["relation", relation]] as const) {
      const { array, offset } = builder.next(n);
      copyIds(path, name, childOf(path, batch, name).toArray() as IdValues, array, offset, firstRow);
    }
    const list = childOf(path, batch, "candidates").data[0]!;
    const items = list.children[0]!;
    if (items.nullCount > 0) throw new KgcError(path, `column 'candidates' holds null ids (batch from row ${firstRow})`);
    const values = makeVector(items).toArray() as IdValues;
    let from = 0;
    if (!fixed) {
      const offsets = list.valueOffsets as Int32Array | BigInt64Array;
      from = Number(offsets[0]!);
      for (let i = 0; i < n; i++) {
        const count = Number(offsets[i + 1]!) - Number(offsets[i]!);
        if (width < 0) width = count;
        if (count !== width) throw new KgcError(path, `ragged candidates: row ${firstRow + i} has ${count}, row 0 has ${width}`);
      }
    }
    if (width < 1) throw new KgcError(path, "candidate lists are empty (K must be at least 1)");
    candidates ??= new Int32ColumnBuilder(width, hint);
    const slot = candidates.next(n);
    copyIds(path, "candidates", values.subarray(from, from + n * width) as IdValues, slot.array, slot.offset, firstRow, width);
    checkCandidateRows(path, slot.array.subarray(slot.offset, slot.offset + n * width), width, firstRow);
    if (hasAnswers) {
      const { array, offset } = correct.next(n);
      copyIds(path, "correct_index", childOf(path, batch, "correct_index").toArray() as IdValues, array, offset, firstRow);
      for (let i = 0; i < n; i++) {
        if (array[offset + i]! >= width) throw new KgcError(path, `column 'correct_index' row ${firstRow + i}: ${array[offset + i]} outside [0, ${width})`);
      }
    }
  });
  const heads = head.finish();
  if (width < 1) width = 1;
  return {
    head: heads,
    relation: relation.finish(),
    candidates: candidates === null ? new Int32Array(0) : (candidates as Int32ColumnBuilder).finish(),
    width,
    correctIndex: hasAnswers ? correct.finish() : null,
  };
}
