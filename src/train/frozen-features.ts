/**
 * Frozen text-feature matrices (entity_feat.npy / relation_feat.npy, 768-d fp16) for the concat
 * encoder: small files are read into a typed array; larger ones are memory-mapped by the addon
 * behind a handle, whatever their size (Node has no mmap, and an ArrayBuffer stops at 4 GiB in
 * Node 20: WikiKG90M's fp16 entity features are 134 GB). The native kernels gather the rows each
 * chunk uses straight from the mapping and the page cache, not the process, holds the pages;
 * code that needs a typed array (the tfjs backend) refuses mapped features. float16 stays
 * float16; the kernel converts gathered rows.
 */
import { readFileSync } from "node:fs";
import { nativeMapTable } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import type { FeatureMatrix } from "../models/model-tables.js";
import { readNpyHeader } from "../io/npy.js";

export interface Features {
  /** shape: [rows, dim]; float16 bits or float32, read (small files) or mapped */
  data: FeatureMatrix;
  dim: number;
}

/** Feature files up to this size are read into memory; larger ones are mapped. */
const READ_LIMIT_BYTES = 256 << 20;

export function loadFeatures(path: string, expectedRows: number): Features {
  const h = readNpyHeader(path);
  if (h.dtype !== "<f2" && h.dtype !== "<f4") throw new KgcError(path, `features must be float16 or float32, got ${h.dtype}`);
  if (h.shape.length !== 2) throw new KgcError(path, `features must be 2-d [rows, dim], got shape (${h.shape.join(", ")})`);
  if (h.rows !== expectedRows) throw new KgcError(path, `has ${h.rows} feature rows, the dataset has ${expectedRows}`);
  const count = h.rows * h.rowWidth;
  const bytes = count * h.itemSize;
  if (bytes > READ_LIMIT_BYTES) {
    // the kernel reads the values in place
    if (h.dataOffset % h.itemSize !== 0) throw new KgcError(path, `feature values start at byte ${h.dataOffset}, not a multiple of ${h.itemSize}`);
    const data = { ...nativeMapTable(path), byteOffset: h.dataOffset, dtype: h.dtype === "<f2" ? "float16" : "float32", length: count } as const;
    return { data, dim: h.rowWidth };
  }
  const copy = new Uint8Array(bytes);
  copy.set(readFileSync(path).subarray(h.dataOffset));
  return { data: h.dtype === "<f2" ? new Uint16Array(copy.buffer, 0, count) : new Float32Array(copy.buffer, 0, count), dim: h.rowWidth };
}
