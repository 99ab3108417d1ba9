/**
 * Frozen text-feature matrices (entity_feat.npy / relation_feat.npy, 768-d fp16) for the concat
 * encoder, shared zero-copy with the C++ threads: small files are read into memory, large ones are
 * memory-mapped (WikiKG90M's 134 GB fp16 entity features never sit whole in RAM). float16 stays
 * float16; the kernel converts gathered rows. The mmap comes from the addon because Node has none.
 */
import { readFileSync, statSync } from "node:fs";
import { MAX_ARRAY_BUFFER_BYTES, nativeMapFile } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { readNpyHeader } from "../io/npy.js";

export interface Features {
  /** shape: [rows, dim]; float16 bits or float32 */
  data: Uint16Array | Float32Array;
  dim: number;
}

const READ_LIMIT_BYTES = 256 << 20;

export function loadFeatures(path: string, expectedRows: number): Features {
  const h = readNpyHeader(path);
  if (h.dtype !== "<f2" && h.dtype !== "<f4") throw new KgcError(path, `features must be float16 or float32, got ${h.dtype}`);
  if (h.shape.length !== 2) throw new KgcError(path, `features must be 2-d [rows, dim], got shape (${h.shape.join(", ")})`);
  if (h.rows !== expectedRows) throw new KgcError(path, `has ${h.rows} feature rows, the dataset has ${expectedRows}`);
  const count = h.rows * h.rowWidth;
  const size = statSync(path).size;
  // the matrix is viewed as one typed array over one ArrayBuffer
  if (size > MAX_ARRAY_BUFFER_BYTES) {
    throw new KgcError(path, `${size} bytes of features are more than an ArrayBuffer holds (${MAX_ARRAY_BUFFER_BYTES}): the concat encoder cannot use features this large yet (use --encoder shallow)`);
  }
  let buffer: ArrayBuffer;
  let offset = h.dataOffset;
  if (size <= READ_LIMIT_BYTES) {
    const bytes = readFileSync(path);
    const copy = new Uint8Array(size - h.dataOffset);
    copy.set(bytes.subarray(h.dataOffset));
    buffer = copy.buffer;
    offset = 0;
  } else {
    buffer = nativeMapFile(path);
  }
  const data = h.dtype === "<f2" ? new Uint16Array(buffer, offset, count) : new Float32Array(buffer, offset, count);
  return { data, dim: h.rowWidth };
}
