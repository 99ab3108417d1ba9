import { AsyncByteQueue, Field, Int32, makeData, RecordBatch, RecordBatchFileWriter, RecordBatchReader, Schema, Struct } from "apache-arrow";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { commitTmp, tmpPathFor } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import type { Triples } from "../core/types.js";

/**
 * Streamed Arrow IPC for the prepared dataset's triple files (<split>.arrow): int32 columns
 * head, relation, tail written one record batch per chunk, so a 504M-triple training set goes
 * to disk with bounded memory; the total row count is kept in the schema metadata so the reader
 * can allocate the columns once and fill them batch by batch.
 */
const ROWS_KEY = "kgc.num_rows";

function tripleSchema(numRows: number): Schema {
  const fields = ["head", "relation", "tail"].map((name) => new Field(name, new Int32(), false));
  return new Schema(fields, new Map([[ROWS_KEY, String(numRows)]]));
}

/** A byte sink that writes straight to a file descriptor (synchronously, no buffering). */
class FileSink extends AsyncByteQueue<Uint8Array> {
  constructor(private readonly fd: number) {
    super();
  }

  override write(value: Uint8Array): void {
    let done = 0;
    while (done < value.byteLength) done += writeSync(this.fd, value, done, value.byteLength - done);
  }
}

export class ArrowTripleWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly schema: Schema;
  private readonly writer = new RecordBatchFileWriter();
  private written = 0;
  private done = false;

  /** `numRows` is the total the file will hold; close() checks it. */
  constructor(readonly path: string, readonly numRows: number) {
    this.tmp = tmpPathFor(path);
    this.fd = openSync(this.tmp, "w");
    this.schema = tripleSchema(numRows);
    this.writer.reset(new FileSink(this.fd), this.schema);
  }

  /** Appends one record batch (the arrays are copied into the file immediately). */
  write(chunk: Triples): void {
    const n = chunk.length;
    if (n === 0) return;
    const col = (values: Int32Array) => makeData({ type: new Int32(), data: values.subarray(0, n) });
    const data = makeData({
      type: new Struct(this.schema.fields),
      length: n,
      nullCount: 0,
      children: [col(chunk.head), col(chunk.relation), col(chunk.tail)],
    });
    this.writer.write(new RecordBatch(this.schema, data));
    this.written += n;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    if (this.written !== this.numRows) {
      this.abortFile();
      throw new Error(`${this.path}: wrote ${this.written} of ${this.numRows} rows`);
    }
    this.writer.finish();
    this.writer.close();
    closeSync(this.fd);
    commitTmp(this.tmp, this.path);
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.abortFile();
  }

  private abortFile(): void {
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }
}

/** Writes in-memory triples as a dataset triple file. */
export function writeTriplesArrowFile(path: string, triples: Triples, batchRows = 1 << 20): void {
  const writer = new ArrowTripleWriter(path, triples.length);
  try {
    for (let start = 0; start < triples.length; start += batchRows) {
      const end = Math.min(triples.length, start + batchRows);
      writer.write({
        head: triples.head.subarray(start, end),
        relation: triples.relation.subarray(start, end),
        tail: triples.tail.subarray(start, end),
        length: end - start,
      });
    }
    writer.close();
  } catch (err) {
    writer.abort();
    throw err;
  }
}

/** Reads a dataset triple file batch by batch into columns allocated once. */
export async function readTriplesArrowFile(path: string): Promise<Triples> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch {
    throw new KgcError(path, "file not found");
  }
  try {
    const reader = await RecordBatchReader.from(handle);
    await reader.open();
    const declared = reader.schema.metadata.get(ROWS_KEY);
    const names = reader.schema.fields.map((f) => `${f.name}:${f.type}`).join(",");
    if (declared === undefined || names !== "head:Int32,relation:Int32,tail:Int32") {
      throw new KgcError(path, `not a kgc triple file (columns ${names})`);
    }
    const length = Number(declared);
    const out: Triples = { head: new Int32Array(length), relation: new Int32Array(length), tail: new Int32Array(length), length };
    let offset = 0;
    for await (const batch of reader) {
      const n = batch.numRows;
      if (offset + n > length) throw new KgcError(path, `holds more rows than the ${length} declared`);
      for (const [i, name] of (["head", "relation", "tail"] as const).entries()) {
        const column = batch.getChildAt(i);
        if (!column) throw new KgcError(path, `batch without column ${name}`);
        let at = offset;
        for (const data of column.data) {
          out[name].set((data.values as Int32Array).subarray(data.offset, data.offset + data.length), at);
          at += data.length;
        }
      }
      offset += n;
    }
    if (offset !== length) throw new KgcError(path, `holds ${offset} rows, ${length} declared`);
    return out;
  } catch (err) {
    if (err instanceof KgcError) throw err;
    throw new KgcError(path, `corrupt Arrow file (${(err as Error).message})`);
  } finally {
    await handle.close();
  }
}
