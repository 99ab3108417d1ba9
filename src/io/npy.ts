import { closeSync, fstatSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { commitTmp, prepareFileOutput, tmpPathFor } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { float16ToFloat32, float32ToFloat16 } from "./float16.js";
import { openForRead } from "./open-file.js";

/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0, C order, little-endian). Large files are
 * never loaded whole: readers stream row chunks through one reused buffer (train_hrt.npy of
 * WikiKG90M is 12 GB, entity_feat.npy 134 GB) or read a row range at an offset.
 */

export type NpyDtype = "<i8" | "<i4" | "<i2" | "|i1" | "|u1" | "<u2" | "<u4" | "<u8" | "<f2" | "<f4" | "<f8" | "|b1";

const ITEM_SIZE: Record<NpyDtype, number> = {
  "<i8": 8, "<i4": 4, "<i2": 2, "|i1": 1, "|u1": 1, "<u2": 2, "<u4": 4, "<u8": 8, "<f2": 2, "<f4": 4, "<f8": 8, "|b1": 1,
};

/** Aliases numpy writes for the same dtypes ('<' and '|' are interchangeable for 1-byte types). */
const DTYPE_ALIASES: Record<string, NpyDtype> = { "<i1": "|i1", "<u1": "|u1", "<b1": "|b1", "=i8": "<i8", "=i4": "<i4", "=f4": "<f4", "=f8": "<f8", "=f2": "<f2" };

export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** byte offset of the first element */
  dataOffset: number;
  itemSize: number;
  /** elements per row (product of all dims but the first; 1 for 1-d arrays) */
  rowWidth: number;
  /** number of rows (the first dim; 1 for 0-d arrays) */
  rows: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parses and validates an npy header from the file's first bytes (`bytes` holds at least the
 * whole header when it is complete) against the total size of the array file. `where` names the
 * file (or archive member) in errors.
 */
export function parseNpyHeaderBytes(bytes: Uint8Array, fileSize: number, where: string): NpyHeader {
  if (bytes.byteLength < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new KgcError(where, fileSize === 0 ? "empty file, expected an npy array" : "not an npy file (bad magic string)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new KgcError(where, `unsupported npy format version ${major}.${bytes[7]}`);
  const start = major === 1 ? 10 : 12;
  if (bytes.byteLength < start) throw new KgcError(where, "truncated npy header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headerLen > Math.min(fileSize, bytes.byteLength)) throw new KgcError(where, "truncated npy header");
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLen).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shapeMatch) throw new KgcError(where, `corrupt npy header: ${JSON.stringify(text.trim())}`);
  const dtype = (DTYPE_ALIASES[descr[1]!] ?? descr[1]) as NpyDtype;
  if (!(dtype in ITEM_SIZE)) {
    throw new KgcError(where, `unsupported dtype '${descr[1]}' (supported: ${Object.keys(ITEM_SIZE).join(" ")}; big-endian is not)`);
  }
  if (fortran[1] === "True") throw new KgcError(where, "Fortran-order arrays are not supported; save with C order (np.ascontiguousarray)");
  const dims = shapeMatch[1]!.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = dims.map((d) => {
    if (!/^\d+L?$/.test(d)) throw new KgcError(where, `corrupt npy header: bad shape entry '${d}'`);
    return Number.parseInt(d, 10);
  });
  const itemSize = ITEM_SIZE[dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  const dataOffset = start + headerLen;
  const expected = dataOffset + count * itemSize;
  if (expected !== fileSize) {
    throw new KgcError(where, `shape (${shape.join(", ")}) of ${dtype} needs ${expected} bytes but the file has ${fileSize}`);
  }
  const rows = shape.length === 0 ? 1 : shape[0]!;
  const rowWidth = shape.length <= 1 ? 1 : shape.slice(1).reduce((a, b) => a * b, 1);
  return { dtype, shape, dataOffset, itemSize, rowWidth, rows };
}

/** Parses the header of an open npy file: reads its first bytes, then the whole header. */
function parseHeader(fd: number, path: string): NpyHeader {
  const fileSize = fstatSync(fd).size;
  const pre = Buffer.alloc(12);
  const got = readSync(fd, pre, 0, 12, 0);
  const headerLen = got >= 12 && pre[6] !== 1 ? pre.readUInt32LE(8) : got >= 10 ? pre.readUInt16LE(8) : 0;
  const want = Math.min(fileSize, 12 + headerLen);
  const bytes = Buffer.alloc(want);
  readSync(fd, bytes, 0, want, 0);
  return parseNpyHeaderBytes(bytes, fileSize, path);
}

export function readNpyHeader(path: string): NpyHeader {
  const fd = openForRead(path);
  try {
    return parseHeader(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** One chunk of raw rows: `bytes` is only valid until the next iteration (the buffer is reused). */
export interface NpyChunk {
  rowStart: number;
  rowCount: number;
  bytes: Uint8Array;
}

/**
 * Streams an npy file in chunks of whole rows through a single reused buffer of about
 * `chunkBytes`. Memory stays bounded whatever the file size.
 */
export function* iterateNpyRows(path: string, chunkBytes = 16 << 20): Generator<NpyChunk, void, undefined> {
  const fd = openForRead(path);
  try {
    const header = parseHeader(fd, path);
    const rowBytes = header.rowWidth * header.itemSize;
    if (rowBytes === 0) return;
    const rowsPerChunk = Math.max(1, Math.floor(chunkBytes / rowBytes));
    const buffer = Buffer.allocUnsafe(rowsPerChunk * rowBytes);
    for (let row = 0; row < header.rows; row += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, header.rows - row);
      const want = n * rowBytes;
      readFully(fd, buffer, want, header.dataOffset + row * rowBytes, path);
      yield { rowStart: row, rowCount: n, bytes: buffer.subarray(0, want) };
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads `length` bytes at `position` into `buffer`, at most 1 GiB per read(2) (one stops at 2 GiB). */
export function readFully(fd: number, buffer: Uint8Array, length: number, position: number, path: string): void {
  let done = 0;
  while (done < length) {
    const got = readSync(fd, buffer, done, Math.min(length - done, 1 << 30), position + done);
    if (got === 0) throw new KgcError(path, `unexpected end of file at byte ${position + done}`);
    done += got;
  }
}

export interface IntRange {
  /** smallest allowed value (inclusive) */
  min: number;
  /** largest allowed value (exclusive) */
  maxExclusive: number;
  /** what the values are, for error messages ("entity id") */
  what: string;
}

/**
 * Copies integer elements of `bytes` (dtype i8/i4/i2/u1...) into `out` starting at `outOffset`,
 * down-casting to int32 with a range check. Returns the number of elements written.
 */
export function decodeInt32(
  bytes: Uint8Array, dtype: NpyDtype, out: Int32Array, outOffset: number, path: string, range: IntRange | null, firstElement: number,
): number {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  const lo = range ? range.min : -2147483648;
  const hi = range ? range.maxExclusive : 2147483648;
  const fail = (i: number, value: string): never => {
    throw new KgcError(path, `element ${firstElement + i} is ${value}, outside ${range ? `the ${range.what} range [${lo}, ${hi})` : "int32"}`);
  };
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  switch (dtype) {
    case "<i8": {
      const words = new Int32Array(aligned.buffer, aligned.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        const low = words[2 * i]!;
        const high = words[2 * i + 1]!;
        // an int64 fits in int32 exactly when the high word is the sign extension of the low word
        if (high !== low >> 31 || low < lo || low >= hi) fail(i, new BigInt64Array(aligned.buffer, aligned.byteOffset + 8 * i, 1)[0]!.toString());
        out[outOffset + i] = low;
      }
      return n;
    }
    case "<u8": {
      const words = new Uint32Array(aligned.buffer, aligned.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        const low = words[2 * i]!;
        if (words[2 * i + 1] !== 0 || low < lo || low >= hi) fail(i, new BigUint64Array(aligned.buffer, aligned.byteOffset + 8 * i, 1)[0]!.toString());
        out[outOffset + i] = low;
      }
      return n;
    }
    case "<i4": case "<u4": case "<i2": case "<u2": case "|i1": case "|u1": {
      const view = typedView(aligned, dtype) as Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
      for (let i = 0; i < n; i++) {
        const v = view[i]!;
        if (v < lo || v >= hi) fail(i, String(v));
        out[outOffset + i] = v;
      }
      return n;
    }
    default:
      throw new KgcError(path, `dtype ${dtype} is not an integer type (expected ids)`);
  }
}

/** Copies float elements (f2/f4/f8) into `out` as float32, rejecting NaN and Inf. */
export function decodeFloat32(bytes: Uint8Array, dtype: NpyDtype, out: Float32Array, outOffset: number, path: string, firstElement: number): number {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  if (dtype === "<f2") {
    float16ToFloat32(new Uint16Array(aligned.buffer, aligned.byteOffset, n), out.subarray(outOffset, outOffset + n));
  } else if (dtype === "<f4" || dtype === "<f8") {
    out.set(typedView(aligned, dtype) as Float32Array | Float64Array, outOffset);
  } else {
    throw new KgcError(path, `dtype ${dtype} is not a float type (expected features or embeddings)`);
  }
  for (let i = 0; i < n; i++) {
    const v = out[outOffset + i]!;
    if (v - v !== 0) throw new KgcError(path, `element ${firstElement + i} is ${v} (NaN/Inf not allowed)`);
  }
  return n;
}

function typedView(bytes: Uint8Array, dtype: NpyDtype): ArrayBufferView {
  const n = bytes.byteLength / ITEM_SIZE[dtype];
  const { buffer, byteOffset } = bytes;
  switch (dtype) {
    case "<i8": return new BigInt64Array(buffer, byteOffset, n);
    case "<u8": return new BigUint64Array(buffer, byteOffset, n);
    case "<i4": return new Int32Array(buffer, byteOffset, n);
    case "<u4": return new Uint32Array(buffer, byteOffset, n);
    case "<i2": return new Int16Array(buffer, byteOffset, n);
    case "<u2": case "<f2": return new Uint16Array(buffer, byteOffset, n);
    case "|i1": return new Int8Array(buffer, byteOffset, n);
    case "|u1": case "|b1": return new Uint8Array(buffer, byteOffset, n);
    case "<f4": return new Float32Array(buffer, byteOffset, n);
    case "<f8": return new Float64Array(buffer, byteOffset, n);
  }
}

export interface Int32Array2D {
  shape: number[];
  data: Int32Array;
}

/** Reads a whole integer npy file as int32 (streamed, range-checked). Use for ids, not for huge files you only scan. */
export function readNpyInt32(path: string, range: IntRange | null = null): Int32Array2D {
  const header = readNpyHeader(path);
  const total = header.rows * header.rowWidth;
  const data = new Int32Array(total);
  let offset = 0;
  for (const chunk of iterateNpyRows(path)) offset += decodeInt32(chunk.bytes, header.dtype, data, offset, path, range, offset);
  return { shape: header.shape, data };
}

export interface Float32Array2D {
  shape: number[];
  data: Float32Array;
}

/** Reads a whole float npy file as float32 (converting f2/f8; NaN/Inf rejected). */
export function readNpyFloat32(path: string): Float32Array2D {
  const header = readNpyHeader(path);
  const data = new Float32Array(header.rows * header.rowWidth);
  let offset = 0;
  for (const chunk of iterateNpyRows(path)) offset += decodeFloat32(chunk.bytes, header.dtype, data, offset, path, offset);
  return { shape: header.shape, data };
}

/** Reads a whole npy file of int64 offsets (or float64) as float64, exact up to 2^53. */
export function readNpyFloat64(path: string): { shape: number[]; data: Float64Array } {
  const header = readNpyHeader(path);
  const data = new Float64Array(header.rows * header.rowWidth);
  let offset = 0;
  for (const chunk of iterateNpyRows(path)) {
    const view = typedView(chunk.bytes.byteOffset % 8 === 0 ? chunk.bytes : chunk.bytes.slice(), header.dtype);
    if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
      const words = new Uint32Array(view.buffer, view.byteOffset, view.length * 2);
      for (let i = 0; i < view.length; i++) {
        const high = words[2 * i + 1]!;
        if (high >= 0x200000) throw new KgcError(path, `element ${offset + i} does not fit 53 bits`);
        data[offset + i] = high * 4294967296 + words[2 * i]!;
      }
    } else if (view instanceof Float64Array || view instanceof Int32Array || view instanceof Uint32Array) {
      data.set(view, offset);
    } else {
      throw new KgcError(path, `dtype ${header.dtype} cannot be read as offsets`);
    }
    offset += view.length;
  }
  return { shape: header.shape, data };
}

/**
 * Random access to rows of a large float npy file (e.g. fp16 entity features): reads
 * `rowCount` rows from `rowStart` into `out` as float32 without touching the rest of the file.
 */
export class NpyRowReader {
  readonly header: NpyHeader;
  private readonly fd: number;
  private scratch: Buffer = Buffer.alloc(0);

  constructor(readonly path: string) {
    this.fd = openForRead(path);
    try {
      this.header = parseHeader(this.fd, path);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** shape of out: [rowCount, rowWidth] */
  readRows(rowStart: number, rowCount: number, out: Float32Array): void {
    const { rowWidth, itemSize, rows, dataOffset, dtype } = this.header;
    if (rowStart < 0 || rowStart + rowCount > rows) throw new KgcError(this.path, `rows [${rowStart}, ${rowStart + rowCount}) outside [0, ${rows})`);
    const want = rowCount * rowWidth * itemSize;
    if (this.scratch.byteLength < want) this.scratch = Buffer.allocUnsafe(want);
    readFully(this.fd, this.scratch, want, dataOffset + rowStart * rowWidth * itemSize, this.path);
    decodeFloat32(this.scratch.subarray(0, want), dtype, out, 0, this.path, rowStart * rowWidth);
  }

  /** Integer rows (e.g. one query's candidate ids, exact where float32 would round ids above 2^24). shape of out: [rowCount, rowWidth] */
  readRowsInt32(rowStart: number, rowCount: number, out: Int32Array): void {
    const { rowWidth, itemSize, rows, dataOffset, dtype } = this.header;
    if (rowStart < 0 || rowStart + rowCount > rows) throw new KgcError(this.path, `rows [${rowStart}, ${rowStart + rowCount}) outside [0, ${rows})`);
    const want = rowCount * rowWidth * itemSize;
    if (this.scratch.byteLength < want) this.scratch = Buffer.allocUnsafe(want);
    readFully(this.fd, this.scratch, want, dataOffset + rowStart * rowWidth * itemSize, this.path);
    decodeInt32(this.scratch.subarray(0, want), dtype, out, 0, this.path, null, rowStart * rowWidth);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Encodes an npy header (version 1.0, or 2.0 when it does not fit) padded to 64 bytes. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  for (const [major, pre] of [[1, 10], [2, 12]] as const) {
    const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
    const headerLen = total - pre;
    if (major === 1 && headerLen > 65535) continue;
    const out = Buffer.alloc(total, 0x20);
    MAGIC.forEach((b, i) => (out[i] = b));
    out[6] = major;
    out[7] = 0;
    if (major === 1) out.writeUInt16LE(headerLen, 8);
    else out.writeUInt32LE(headerLen, 8);
    out.write(dict, pre, "latin1");
    out[total - 1] = 0x0a;
    return out;
  }
  throw new Error("unreachable");
}

export type NpyData = Int32Array | Float32Array | Float64Array | BigInt64Array | Uint16Array | Uint8Array | Int8Array | Int16Array | Uint32Array;

/** Bytes of `data` as `dtype`, converting int32 → int64 and float32 → float16 where asked. */
export function encodeNpyData(dtype: NpyDtype, data: NpyData): Uint8Array {
  if (dtype === "<i8" && data instanceof Int32Array) {
    const out = new BigInt64Array(data.length);
    const words = new Int32Array(out.buffer);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      words[2 * i] = v;
      words[2 * i + 1] = v >> 31;
    }
    return new Uint8Array(out.buffer);
  }
  if (dtype === "<i8" && data instanceof Float64Array) {
    // offsets beyond 2^31 (CSR indptr) kept exactly up to 2^53
    const words = new Uint32Array(data.length * 2);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (!Number.isInteger(v) || v < 0) throw new Error(`cannot write ${v} as a non-negative int64`);
      words[2 * i] = v % 4294967296;
      words[2 * i + 1] = Math.floor(v / 4294967296);
    }
    return new Uint8Array(words.buffer);
  }
  if (dtype === "<f2" && data instanceof Float32Array) return new Uint8Array(float32ToFloat16(data).buffer);
  if (dtype === "<f8" && data instanceof Float32Array) return new Uint8Array(Float64Array.from(data).buffer);
  if (data.BYTES_PER_ELEMENT !== ITEM_SIZE[dtype]) throw new Error(`cannot write ${data.constructor.name} as ${dtype}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Whole npy file in memory (for npz members and small arrays). */
export function encodeNpy(dtype: NpyDtype, shape: readonly number[], data: NpyData): Uint8Array {
  const header = encodeNpyHeader(dtype, shape);
  const body = encodeNpyData(dtype, data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (body.byteLength !== count * ITEM_SIZE[dtype]) throw new Error(`data has ${body.byteLength} bytes, shape (${shape.join(",")}) of ${dtype} needs ${count * ITEM_SIZE[dtype]}`);
  const out = new Uint8Array(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

const WRITE_ELEMENTS = 1 << 24;

/**
 * Streaming npy writer: the shape is fixed up front, rows are appended in chunks, and the file
 * appears under its final name only when `close()` finds every promised row written.
 */
export class NpyWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private written = 0;
  private readonly total: number;
  private closed = false;

  constructor(readonly path: string, readonly dtype: NpyDtype, readonly shape: readonly number[]) {
    prepareFileOutput(path);
    this.tmp = tmpPathFor(path);
    this.fd = openSync(this.tmp, "w");
    this.total = shape.reduce((a, b) => a * b, 1);
    writeSync(this.fd, encodeNpyHeader(dtype, shape));
  }

  /** Appends elements (any whole number of them; typically whole rows), converted and written
   * WRITE_ELEMENTS at a time: a write(2) takes at most 2 GiB, and a converted copy of a whole
   * large array (100M int32 triples as int64: 2.4 GB) would double its memory. */
  write(data: NpyData): void {
    for (let i = 0; i < data.length; i += WRITE_ELEMENTS) this.writePiece(data.subarray(i, i + WRITE_ELEMENTS));
  }

  private writePiece(data: NpyData): void {
    const bytes = encodeNpyData(this.dtype, data);
    const n = bytes.byteLength / ITEM_SIZE[this.dtype];
    if (this.written + n > this.total) throw new Error(`${this.path}: writing past the declared shape (${this.shape.join(",")})`);
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done);
    this.written += n;
  }

  /** Closes and removes the temporary file (after a failure). */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.tmp, { force: true });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (this.written !== this.total) {
      rmSync(this.tmp, { force: true });
      throw new Error(`${this.path}: ${this.written} of ${this.total} elements written`);
    }
    commitTmp(this.tmp, this.path);
  }
}

/** Writes a whole array atomically. */
export function writeNpy(path: string, dtype: NpyDtype, shape: readonly number[], data: NpyData): void {
  const writer = new NpyWriter(path, dtype, shape);
  writer.write(data);
  writer.close();
}
