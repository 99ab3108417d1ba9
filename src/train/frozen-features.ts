/**
 * Frozen text-feature matrices (entity_feat.npy / relation_feat.npy, 768-d fp16) for the concat
 * encoder: small files are read into a typed array; larger ones are memory-mapped by the addon
 * behind a handle, whatever their size (Node has no mmap, and an ArrayBuffer stops at 4 GiB in
 * Node 20: WikiKG90M's fp16 entity features are 134 GB). The native kernels gather the rows each
 * chunk uses straight from the mapping and the page cache, not the process, holds the pages;
 * the tfjs backend, which needs typed arrays, has its training read them whole (`inMemory`, up to
 * 4 GiB), and code handed mapped features it cannot read refuses them. float16 stays
 * float16; the kernel converts gathered rows.
 */
import { constants as bufferConstants } from "node:buffer";
import { closeSync, openSync } from "node:fs";
import { nativeMapTable } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import type { FeatureMatrix } from "../models/model-tables.js";
import { readFully, readNpyHeader } from "../io/npy.js";

export interface Features {
  /** shape: [rows, dim]; float16 bits or float32, read (small files) or mapped */
  data: FeatureMatrix;
  dim: number;
}

/** Feature files up to this size are read into memory; larger ones are mapped. */
const READ_LIMIT_BYTES = 256 << 20;
/** An ArrayBuffer's longest length (4 GiB in Node 20). */
const MAX_ARRAY_BUFFER_BYTES = bufferConstants.MAX_LENGTH;

/**
 * `inMemory`: read the matrix into a typed array whatever its size (the tfjs backend, which cannot
 * read a mapping; up to an ArrayBuffer's 4 GiB).
 */
export function loadFeatures(path: string, expectedRows: number, inMemory = false): Features {
  const h = readNpyHeader(path);
  if (h.dtype !== "<f2" && h.dtype !== "<f4") throw new KgcError(path, `features must be float16 or float32, got ${h.dtype}`);
  if (h.shape.length !== 2) throw new KgcError(path, `features must be 2-d [rows, dim], got shape (${h.shape.join(", ")})`);
  if (h.rows !== expectedRows) throw new KgcError(path, `has ${h.rows} feature rows, the dataset has ${expectedRows}`);
  const count = h.rows * h.rowWidth;
  const bytes = count * h.itemSize;
  if (inMemory && bytes > MAX_ARRAY_BUFFER_BYTES) {
    throw new KgcError(path, `${bytes} bytes of features are more than an ArrayBuffer holds (${MAX_ARRAY_BUFFER_BYTES}) and this backend needs them in memory: use the native backend`);
  }
  if (bytes > READ_LIMIT_BYTES && !inMemory) {
    // the kernel reads the values in place
    if (h.dataOffset % h.itemSize !== 0) throw new KgcError(path, `feature values start at byte ${h.dataOffset}, not a multiple of ${h.itemSize}`);
    const data = { ...nativeMapTable(path), byteOffset: h.dataOffset, dtype: h.dtype === "<f2" ? "float16" : "float32", length: count } as const;
    return { data, dim: h.rowWidth };
  }
  const copy = new Uint8Array(bytes);
  const fd = openSync(path, "r");
  try {
    readFully(fd, copy, bytes, h.dataOffset, path);
  } finally {
    closeSync(fd);
  }
  return { data: h.dtype === "<f2" ? new Uint16Array(copy.buffer, 0, count) : new Float32Array(copy.buffer, 0, count), dim: h.rowWidth };
}

