import { isUtf8 } from "node:buffer";
import { closeSync, openSync, statSync, writeSync } from "node:fs";
import { asyncBufferFromFile, type ColumnData, type FileMetaData, parquetMetadataAsync, parquetRead, parquetSchema, type SchemaElement, type SchemaTree } from "hyparquet";
import { ByteWriter, type ColumnSource, ParquetWriter } from "hyparquet-writer";
import { withAtomicFile } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import type { CandidateQueries, Triples } from "../core/types.js";
import type { TripleNameIndexes } from "./arrow.js";
import { checkCandidateRows, checkCandidatesForWrite, checkTriplesForWrite, copyIds, type IdValues } from "./id-columns.js";

/**
 * Triples and candidate tables as Parquet, through hyparquet (read) and hyparquet-writer (write):
 * pure JS, the fastest and leanest of the three libraries measured (bench/README-io.md).
 *
 * Triples: INT32 columns head, relation, tail (INT64 accepted on read, down-cast with a range
 * check; UTF8 name columns accepted when NameIndexes are given), 2^20-row row groups, PLAIN
 * encoding, uncompressed: the fastest to write and read, 12 bytes per triple like npy/Arrow.
 * Candidates: head, relation, candidate_0 … candidate_{K-1}, correct_index (omitted when null),
 * all INT32. K plain int columns rather than one LIST column because hyparquet decodes a list
 * column into one JS array per row, which measured ~3x slower to read, ~12x slower to write and
 * ~4x the memory; K columns decode straight into typed arrays. A LIST column `candidates` is
 * still accepted on read (pyarrow/pandas write lists).
 *
 * Memory: the writer keeps one row group in memory. The reader fetches one row group at a time
 * (hyparquet would otherwise fetch every row group of the file at once) and fills output arrays
 * allocated once from the footer's row count.
 */

const TRIPLE_GROUP_ROWS = 1 << 20;
/** candidate values per row group: large groups keep the footer (one entry per column chunk) small */
const CANDIDATE_GROUP_VALUES = 1 << 24;
const TRIPLE_COLUMNS = ["head", "relation", "tail"] as const;
const TRANSPOSE_BLOCK = 64;
/** ids are high-entropy: SNAPPY measured no smaller on random ids and slower to read (bench/README-io.md) */
const PARQUET_CODEC = "UNCOMPRESSED";

/** hyparquet-writer output straight to a file descriptor, flushed after every row group. */
class FdWriter extends ByteWriter {
  constructor(private readonly fd: number) {
    super(1 << 20);
  }

  flush(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

/** Schema elements as hyparquet-writer types them (it bundles its own hyparquet version). */
type WriterSchema = ConstructorParameters<typeof ParquetWriter>[0]["schema"];

function int32Schema(names: readonly string[]): WriterSchema {
  return [
    { name: "schema", num_children: names.length },
    ...names.map((name): WriterSchema[number] => ({ name, type: "INT32", repetition_type: "REQUIRED" })),
  ];
}

/** PLAIN encoding: decodes straight into typed arrays (a dictionary column reads back as a JS array). */
function int32Column(name: string, data: Int32Array): ColumnSource {
  return { name, data, type: "INT32", nullable: false, offsetIndex: false, encoding: "PLAIN" };
}

/** Runs `write` against a ParquetWriter on a temporary file renamed into place when complete. */
async function writeParquetFile(path: string, columns: readonly string[], write: (writer: ParquetWriter) => void): Promise<void> {
  await withAtomicFile(path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      const writer = new ParquetWriter({ writer: new FdWriter(fd), schema: int32Schema(columns), codec: PARQUET_CODEC, statistics: false, createdBy: "kgc" });
      write(writer);
      void writer.finish();
    } finally {
      closeSync(fd);
    }
  });
}

/** Options of the Parquet writers. */
export interface ParquetWriteOptions {
  /** rows per row group (default: 2^20 for triples, about 16M values for candidates) */
  rowGroupRows?: number;
}

/** Writes triples as INT32 columns head, relation, tail in row groups of 2^20 rows, atomically. */
export async function writeTriplesParquet(path: string, triples: Triples, options: ParquetWriteOptions = {}): Promise<void> {
  checkTriplesForWrite(path, triples);
  const n = triples.length;
  await writeParquetFile(path, TRIPLE_COLUMNS, (writer) => {
    if (n === 0) return;
    void writer.write({
      columnData: [triples.head, triples.relation, triples.tail].map((c, i) => int32Column(TRIPLE_COLUMNS[i]!, c.subarray(0, n))),
      rowGroupSize: options.rowGroupRows ?? TRIPLE_GROUP_ROWS,
    });
  });
}

/** Writes candidate queries as head, relation, candidate_0..candidate_{K-1}[, correct_index], atomically. */
export async function writeCandidatesParquet(path: string, q: CandidateQueries, options: ParquetWriteOptions = {}): Promise<void> {
  checkCandidatesForWrite(path, q);
  const rows = q.head.length;
  const width = q.width;
  const names = ["head", "relation", ...Array.from({ length: width }, (_, k) => `candidate_${k}`)];
  if (q.correctIndex !== null) names.push("correct_index");
  const groupRows = options.rowGroupRows ?? Math.max(1, Math.floor(CANDIDATE_GROUP_VALUES / width));
  await writeParquetFile(path, names, (writer) => {
    for (let at = 0; at < rows; at += groupRows) {
      const end = Math.min(rows, at + groupRows);
      const n = end - at;
      const columnData = [int32Column("head", q.head.subarray(at, end)), int32Column("relation", q.relation.subarray(at, end))];
      const transposed = Array.from({ length: width }, () => new Int32Array(n)); // shape: [K][n]
      // blocks of rows keep the strided reads inside the cache
      for (let block = 0; block < n; block += TRANSPOSE_BLOCK) {
        const blockEnd = Math.min(n, block + TRANSPOSE_BLOCK);
        for (let k = 0; k < width; k++) {
          const column = transposed[k]!;
          for (let i = block; i < blockEnd; i++) column[i] = q.candidates[(at + i) * width + k]!;
        }
      }
      transposed.forEach((column, k) => columnData.push(int32Column(`candidate_${k}`, column)));
      if (q.correctIndex !== null) columnData.push(int32Column("correct_index", q.correctIndex.subarray(at, end)));
      void writer.write({ columnData, rowGroupSize: n });
    }
  });
}

/** Footer and top-level columns of a Parquet file; hyparquet errors become KgcErrors naming the file. */
async function openParquet(path: string): Promise<{ file: Awaited<ReturnType<typeof asyncBufferFromFile>>; metadata: FileMetaData; columns: Map<string, SchemaTree> }> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KgcError(path, code === "ENOENT" ? "file not found" : `cannot open (${code ?? String(err)})`);
  }
  if (size === 0) throw new KgcError(path, "empty file, expected a Parquet file");
  try {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    const columns = new Map(parquetSchema(metadata).children.map((c) => [c.element.name, c]));
    return { file, metadata, columns };
  } catch (err) {
    throw asKgcError(path, err);
  }
}

function asKgcError(path: string, err: unknown): KgcError {
  if (err instanceof KgcError) return err;
  return new KgcError(path, `not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`);
}

function describe(element: SchemaElement): string {
  return [element.type ?? "group", element.converted_type, element.logical_type?.type].filter((x) => x !== undefined).join("/");
}

function isIdElement(element: SchemaElement): boolean {
  const integerAnnotation = element.converted_type === undefined || /^U?INT_/.test(element.converted_type);
  const logical = element.logical_type === undefined || element.logical_type.type === "INTEGER";
  return (element.type === "INT32" || element.type === "INT64") && integerAnnotation && logical && element.num_children === undefined;
}

function isNameElement(element: SchemaElement): boolean {
  return element.type === "BYTE_ARRAY" && (element.converted_type === "UTF8" || element.logical_type?.type === "STRING");
}

function columnOf(path: string, columns: Map<string, SchemaTree>, name: string): SchemaTree {
  const column = columns.get(name);
  if (!column) throw new KgcError(path, `missing column '${name}' (columns: ${[...columns.keys()].join(", ") || "none"})`);
  return column;
}

/**
 * What a string column yields for bytes that are not valid UTF-8: hyparquet would decode them to
 * U+FFFD, which merges distinct names, so the name reader reports the row instead.
 */
const INVALID_UTF8 = Object.freeze({ invalidUtf8: true });
const utf8Decoder = new TextDecoder();
const STRICT_PARSERS = { stringFromBytes: (bytes: Uint8Array | undefined): unknown => (bytes === undefined ? bytes : isUtf8(bytes) ? utf8Decoder.decode(bytes) : INVALID_UTF8) };

/**
 * Reads the given columns one row group at a time (hyparquet would otherwise fetch every row
 * group of the file at once), passing each decoded column chunk to `visit`.
 */
async function readGroups(
  path: string, opened: Awaited<ReturnType<typeof openParquet>>, columns: string[], visit: (chunk: ColumnData) => void, endGroup?: (rowStart: number, rowEnd: number) => void,
): Promise<void> {
  let rowStart = 0;
  // hyparquet calls onChunk from promise callbacks and drops what it throws: keep the first error
  let failure: unknown = null;
  const onChunk = (chunk: ColumnData): void => {
    if (failure !== null) return;
    try {
      visit(chunk);
    } catch (err) {
      failure = err;
    }
  };
  for (const group of opened.metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    try {
      await parquetRead({ file: opened.file, metadata: opened.metadata, columns, rowStart, rowEnd, onChunk, parsers: STRICT_PARSERS });
    } catch (err) {
      throw asKgcError(path, err);
    }
    if (failure !== null) throw failure;
    endGroup?.(rowStart, rowEnd);
    rowStart = rowEnd;
  }
}

/** Copies one decoded chunk of ids (typed array, or a plain array when the column is nullable). */
function copyChunkIds(path: string, column: string, data: ColumnData["columnData"], out: Int32Array, outOffset: number, firstRow: number, rowWidth = 1): void {
  if (!Array.isArray(data)) {
    copyIds(path, column, data as IdValues, out, outOffset, firstRow, rowWidth);
    return;
  }
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== "number" && typeof v !== "bigint") throw new KgcError(path, `column '${column}' row ${firstRow + i} is ${v === null ? "null" : typeof v}`);
    if (v < 0 || v > 0x7fffffff) throw new KgcError(path, `column '${column}' row ${firstRow + i}: id ${v} is ${v < 0 ? "negative" : "beyond int32"}`);
    out[outOffset + i] = Number(v);
  }
}

/**
 * Reads a triple table. Integer columns are ids (INT32/INT64, checked non-negative and within
 * int32); UTF8 columns are names, mapped through `names` (entities for head and tail).
 */
export async function readTriplesParquet(path: string, names?: TripleNameIndexes): Promise<Triples> {
  const opened = await openParquet(path);
  const kinds = TRIPLE_COLUMNS.map((c) => {
    const element = columnOf(path, opened.columns, c).element;
    if (isIdElement(element)) return "id";
    if (isNameElement(element)) return "name";
    throw new KgcError(path, `column '${c}' has type ${describe(element)}; expected integer ids (INT32/INT64) or UTF8 names`);
  });
  if (kinds.some((k) => k !== kinds[0])) throw new KgcError(path, `columns head, relation, tail must all hold ids or all hold names (found ${kinds.join(", ")})`);
  const named = kinds[0] === "name";
  if (named && !names) throw new KgcError(path, "columns hold names (UTF8): pass entity and relation NameIndexes to map them to ids");
  const n = Number(opened.metadata.num_rows);
  const out = { head: new Int32Array(n), relation: new Int32Array(n), tail: new Int32Array(n), length: n };
  await readGroups(path, opened, [...TRIPLE_COLUMNS], (chunk) => {
    const column = chunk.columnName as (typeof TRIPLE_COLUMNS)[number];
    const target = out[column];
    if (!named) {
      copyChunkIds(path, column, chunk.columnData, target, chunk.rowStart, chunk.rowStart);
      return;
    }
    const index = column === "relation" ? names!.relations : names!.entities;
    const values = chunk.columnData;
    for (let i = 0; i < values.length; i++) {
      const v: unknown = values[i];
      if (typeof v !== "string" || v.length === 0) {
        const problem = v === INVALID_UTF8 ? "the name is not valid UTF-8 (names are kept exactly; re-encode the strings as UTF-8)" : `${v === null ? "null" : "empty"} name`;
        throw new KgcError(path, `column '${column}' row ${chunk.rowStart + i}: ${problem}`);
      }
      target[chunk.rowStart + i] = index.idOf(v);
    }
  });
  return out;
}

/**
 * Writes K columns of a row group (each shape: [n]) into rows [rowStart, rowStart + n) of
 * `out` (shape: [rows, K]), rejecting negative ids.
 */
function interleave(columns: Int32Array[], out: Int32Array, rowStart: number, width: number, path: string): void {
  const n = columns[0]!.length;
  let any = 0; // OR of every value: negative iff some value is
  for (let block = 0; block < n; block += TRANSPOSE_BLOCK) {
    const blockEnd = Math.min(n, block + TRANSPOSE_BLOCK);
    for (let k = 0; k < width; k++) {
      const column = columns[k]!;
      let at = (rowStart + block) * width + k;
      for (let i = block; i < blockEnd; i++, at += width) {
        const v = column[i]!;
        any |= v;
        out[at] = v;
      }
    }
  }
  if (any >= 0) return;
  columns.forEach((column, k) => {
    const i = column.findIndex((v) => v < 0);
    if (i >= 0) throw new KgcError(path, `column 'candidate_${k}' row ${rowStart + i}: id ${column[i]} is negative`);
  });
}

/**
 * Reads candidate queries. Checks: required columns and types, no nulls, candidate_0..K-1 with
 * no gap (or a LIST column with K items in every row), no negative or repeated candidate in a
 * row, correct_index within [0, K).
 */
export async function readCandidatesParquet(path: string): Promise<CandidateQueries> {
  const opened = await openParquet(path);
  const { columns } = opened;
  for (const name of ["head", "relation"]) {
    const element = columnOf(path, columns, name).element;
    if (!isIdElement(element)) throw new KgcError(path, `column '${name}' has type ${describe(element)}; expected integer ids`);
  }
  const answer = columns.get("correct_index");
  if (answer && !isIdElement(answer.element)) throw new KgcError(path, `column 'correct_index' has type ${describe(answer.element)}; expected INT32`);
  const list = columns.get("candidates");
  let width = 0;
  while (columns.has(`candidate_${width}`)) width++;
  const extra = [...columns.keys()].find((name) => /^candidate_\d+$/.test(name) && Number(name.slice(10)) >= width);
  if (extra !== undefined) throw new KgcError(path, `missing column 'candidate_${width}' (found ${extra}: candidate columns must be numbered 0..K-1)`);
  if (list) {
    const leaf = list.children[0]?.children[0]?.element;
    if (width > 0 || !leaf || !isIdElement(leaf)) throw new KgcError(path, `column 'candidates' has type ${describe(list.element)}; expected a LIST of integer ids (or columns candidate_0..candidate_{K-1})`);
  } else if (width === 0) {
    throw new KgcError(path, `missing column 'candidate_0' (columns: ${[...columns.keys()].join(", ")})`);
  }
  const rows = Number(opened.metadata.num_rows);
  const head = new Int32Array(rows);
  const relation = new Int32Array(rows);
  const correctIndex = answer ? new Int32Array(rows) : null;
  let candidates = new Int32Array(rows * width);
  const groupColumns: { rowStart: number; values: Int32Array }[] = []; // the current row group's candidate_k columns
  const wanted = ["head", "relation", ...(answer ? ["correct_index"] : []), ...(list ? ["candidates"] : Array.from({ length: width }, (_, k) => `candidate_${k}`))];
  await readGroups(path, opened, wanted, (chunk) => {
    const { columnName: name, columnData: data, rowStart } = chunk;
    if (name === "head" || name === "relation" || name === "correct_index") {
      copyChunkIds(path, name, data, name === "head" ? head : name === "relation" ? relation : correctIndex!, rowStart, rowStart);
    } else if (name === "candidates") {
      for (let i = 0; i < data.length; i++) {
        const items: unknown = data[i];
        if (!Array.isArray(items) && !ArrayBuffer.isView(items)) throw new KgcError(path, `column 'candidates' row ${rowStart + i} is null`);
        const count = (items as ArrayLike<unknown>).length;
        if (width === 0) {
          width = count;
          candidates = new Int32Array(rows * width);
        }
        if (count !== width) throw new KgcError(path, `ragged candidates: row ${rowStart + i} has ${count}, the first row has ${width}`);
        copyChunkIds(path, "candidates", items as ColumnData["columnData"], candidates, (rowStart + i) * width, rowStart + i, width);
      }
    } else {
      const k = Number(name.slice(10));
      let column = data;
      if (!(data instanceof Int32Array)) {
        column = new Int32Array(data.length);
        copyChunkIds(path, name, data, column, 0, rowStart);
      }
      groupColumns[k] = { rowStart, values: column as Int32Array };
    }
  }, (groupStart, groupEnd) => {
    if (list || groupEnd === groupStart) return;
    // the group's K columns are decoded: interleave them into rows, a block of rows at a time
    const columnsK = groupColumns.map((part, k) => {
      if (part.rowStart !== groupStart || part.values.length !== groupEnd - groupStart) throw new KgcError(path, `column 'candidate_${k}' is not aligned with the row group at row ${groupStart}`);
      return part.values;
    });
    if (columnsK.length !== width) throw new KgcError(path, `row group at row ${groupStart} lacks candidate columns`);
    interleave(columnsK, candidates, groupStart, width, path);
    groupColumns.length = 0;
  });
  if (width === 0) throw new KgcError(path, rows === 0 ? "no rows, so the number of candidates K is unknown" : "candidate lists are empty (K must be at least 1)");
  checkCandidateRows(path, candidates, width, 0);
  if (correctIndex) {
    for (let i = 0; i < rows; i++) {
      if (correctIndex[i]! >= width) throw new KgcError(path, `column 'correct_index' row ${i}: ${correctIndex[i]} outside [0, ${width})`);
    }
  }
  return { head, relation, candidates, width, correctIndex };
}
