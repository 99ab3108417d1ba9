import { KgcError } from "../core/errors.js";
import type { CandidateQueries, Triples } from "../core/types.js";

/**
 * Id columns shared by the Arrow and Parquet codecs: down-casting integer columns to int32 ids
 * with checks, validating triples and candidate rows before a write, and an int32 column that
 * fills batch by batch.
 */

/** Integer typed arrays an id column can arrive as (Arrow or Parquet). */
export type IdValues = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/**
 * Copies ids into `out` at `outOffset`, down-casting to int32. A negative id or one beyond int32
 * is a KgcError naming the file, the column and the row (`firstRow` + index / `rowWidth`).
 */
export function copyIds(file: string, column: string, values: IdValues, out: Int32Array, outOffset: number, firstRow: number, rowWidth = 1): void {
  const fail = (i: number, value: string): never => {
    const where = rowWidth === 1 ? `row ${firstRow + i}` : `row ${firstRow + Math.floor(i / rowWidth)} position ${i % rowWidth}`;
    throw new KgcError(file, `column '${column}' ${where}: id ${value} is ${value.startsWith("-") ? "negative" : "beyond int32"}`);
  };
  if (values instanceof Int32Array) {
    // the common case: a bulk copy, then one monomorphic pass that ORs every value (negative iff any is)
    out.set(values, outOffset);
    let any = 0;
    for (let i = 0; i < values.length; i++) any |= values[i]!;
    if (any < 0) {
      const i = values.findIndex((v) => v < 0);
      fail(i, String(values[i]));
    }
    return;
  }
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    // an int64 is a valid id exactly when its high word is 0 and its low word is a non-negative int32
    const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    for (let i = 0; i < values.length; i++) {
      const low = words[2 * i]!;
      if (words[2 * i + 1] !== 0 || low < 0) fail(i, values[i]!.toString());
      out[outOffset + i] = low;
    }
    return;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < 0 || v > 0x7fffffff) fail(i, String(v));
    out[outOffset + i] = v;
  }
}

/** Validates in-memory triples before a write: aligned columns, no negative id. */
export function checkTriplesForWrite(file: string, triples: Triples): void {
  const { head, relation, tail, length } = triples;
  if (!(Number.isInteger(length) && length >= 0) || head.length < length || relation.length < length || tail.length < length) {
    throw new KgcError(file, `triple columns (${head.length}, ${relation.length}, ${tail.length}) do not hold length ${length}`);
  }
  for (let i = 0; i < length; i++) {
    if ((head[i]! | relation[i]! | tail[i]!) < 0) throw new KgcError(file, `row ${i}: negative id in (${head[i]}, ${relation[i]}, ${tail[i]})`);
  }
}

/**
 * Checks candidate rows [0, candidates.length / width): no negative id and no id twice in a row
 * (a repeated candidate makes ranks ambiguous; OGB scores such a submission 0). `firstRow`
 * numbers the rows in messages. O(rows × width) with a small per-row hash set.
 */
export function checkCandidateRows(file: string, candidates: Int32Array, width: number, firstRow: number): void {
  let bits = 4;
  while (1 << bits < 2 * width) bits++;
  const mask = (1 << bits) - 1;
  const keys = new Int32Array(mask + 1);
  const stamps = new Int32Array(mask + 1); // slot is live for row r when stamps[slot] === r + 1
  const rows = candidates.length / width;
  for (let row = 0; row < rows; row++) {
    const stamp = row + 1;
    for (let k = 0; k < width; k++) {
      const c = candidates[row * width + k]!;
      if (c < 0) throw new KgcError(file, `candidates row ${firstRow + row} position ${k}: negative id ${c}`);
      let slot = Math.imul(c, 0x9e3779b1) >>> (32 - bits);
      while (stamps[slot] === stamp) {
        if (keys[slot] === c) throw new KgcError(file, `candidates row ${firstRow + row}: id ${c} appears twice (again at position ${k})`);
        slot = (slot + 1) & mask;
      }
      stamps[slot] = stamp;
      keys[slot] = c;
    }
  }
}

/** Validates in-memory candidate queries before a write (shapes, ids, duplicates, answer index range). */
export function checkCandidatesForWrite(file: string, q: CandidateQueries): void {
  const rows = q.head.length;
  if (!(Number.isInteger(q.width) && q.width >= 1)) throw new KgcError(file, `candidate width ${q.width} must be a positive integer`);
  if (q.relation.length !== rows || q.candidates.length !== rows * q.width) {
    throw new KgcError(file, `ragged candidate queries: ${rows} heads, ${q.relation.length} relations, ${q.candidates.length} candidates for width ${q.width}`);
  }
  if (q.correctIndex !== null && q.correctIndex.length !== rows) throw new KgcError(file, `${q.correctIndex.length} correct indexes for ${rows} queries`);
  for (let i = 0; i < rows; i++) {
    if ((q.head[i]! | q.relation[i]!) < 0) throw new KgcError(file, `query ${i}: negative id in (${q.head[i]}, ${q.relation[i]})`);
    const c = q.correctIndex?.[i];
    if (c !== undefined && !(c >= 0 && c < q.width)) throw new KgcError(file, `query ${i}: correct index ${c} outside [0, ${q.width})`);
  }
  checkCandidateRows(file, q.candidates, q.width, 0);
}

/** An int32 column filled batch by batch: preallocated when the row count is known, else joined at the end. */
export class Int32ColumnBuilder {
  private parts: Int32Array[] = [];
  private whole: Int32Array | null;
  private rows = 0;

  constructor(private readonly width: number, rowsHint: number | null) {
    this.whole = rowsHint === null ? null : new Int32Array(rowsHint * width);
  }

  /** Space for the next `rows` rows: write `rows × width` elements into `array` from `offset`. */
  next(rows: number): { array: Int32Array; offset: number } {
    const start = this.rows * this.width;
    this.rows += rows;
    if (this.whole !== null && this.rows * this.width <= this.whole.length) return { array: this.whole, offset: start };
    if (this.whole !== null) {
      this.parts.push(this.whole.subarray(0, start)); // the row hint was short: fall back to parts
      this.whole = null;
    }
    const part = new Int32Array(rows * this.width);
    this.parts.push(part);
    return { array: part, offset: 0 };
  }

  /** The finished column. shape: [rows, width] */
  finish(): Int32Array {
    const total = this.rows * this.width;
    if (this.whole !== null) return this.whole.length === total ? this.whole : this.whole.slice(0, total);
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Int32Array(total);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
