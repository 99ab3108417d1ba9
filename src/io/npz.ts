import { readFileSync } from "node:fs";
import { unzipSync, zipSync, type Zippable } from "fflate";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { encodeNpy, parseNpyHeaderBytes, type NpyData, type NpyDtype } from "./npy.js";

/**
 * NumPy .npz archives (numpy.savez / savez_compressed): a zip of `<key>.npy` members, built with
 * fflate. Used for the OGB submission file (t_pred_wikikg90m.npz, key t_pred_top10, int16).
 * Everything is in memory and fflate writes no ZIP64 records, so archives stay below 4 GiB.
 */

/** One array to store: `data` holds prod(shape) elements, converted to `dtype` by encodeNpy. */
export interface NpzMember {
  dtype: NpyDtype;
  /** shape: [ndim] */
  shape: readonly number[];
  data: NpyData;
}

/** One array read back: raw little-endian element bytes in C order. */
export interface NpzArray {
  dtype: NpyDtype;
  shape: number[];
  /** shape: [prod(shape) × item size] bytes */
  bytes: Uint8Array;
}

export interface NpzWriteOptions {
  /** deflate the members (numpy.savez_compressed) instead of storing them (numpy.savez) */
  compress: boolean;
}

const ZIP_LIMIT = 0xffffffff;
/** A fixed member time keeps archives byte-identical from run to run. */
const MEMBER_TIME = new Date(1980, 0, 1);

/** Writes `members` as an .npz archive (member `<key>.npy` per key), atomically. */
export function writeNpz(path: string, members: Record<string, NpzMember>, options: NpzWriteOptions): void {
  const files: Zippable = {};
  let total = 0;
  for (const [key, member] of Object.entries(members)) {
    if (key.length === 0 || key.includes("/")) throw new KgcError(path, `npz key ${JSON.stringify(key)} must be non-empty and hold no '/'`);
    let bytes: Uint8Array;
    try {
      bytes = encodeNpy(member.dtype, member.shape, member.data);
    } catch (err) {
      throw new KgcError(path, `member '${key}': ${err instanceof Error ? err.message : String(err)}`);
    }
    total += bytes.byteLength;
    if (total >= ZIP_LIMIT) throw new KgcError(path, `members exceed 4 GiB, which needs ZIP64 (not written by fflate); save large arrays as .npy`);
    files[`${key}.npy`] = [bytes, { level: options.compress ? 6 : 0 }];
  }
  if (Object.keys(files).length === 0) throw new KgcError(path, "no arrays to write");
  writeFileAtomic(path, zipSync(files, { mtime: MEMBER_TIME }));
}

/** Parses one .npy member (the same header rules as a standalone .npy file). */
function parseNpy(path: string, name: string, npy: Uint8Array): NpzArray {
  const header = parseNpyHeaderBytes(npy, npy.byteLength, `${path}: member '${name}'`);
  return { dtype: header.dtype, shape: header.shape, bytes: npy.subarray(header.dataOffset) };
}

/** Reads every `<key>.npy` member of an .npz archive (stored or deflated), keyed without `.npy`. */
export function readNpz(path: string): Record<string, NpzArray> {
  let zipped: Uint8Array;
  try {
    zipped = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KgcError(path, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(err)})`);
  }
  if (zipped.byteLength === 0) throw new KgcError(path, "empty file, expected an npz archive");
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zipped);
  } catch (err) {
    throw new KgcError(path, `not a readable npz (zip) archive (${err instanceof Error ? err.message : String(err)})`);
  }
  const out: Record<string, NpzArray> = {};
  for (const [name, npy] of Object.entries(files)) {
    if (!name.endsWith(".npy")) continue;
    out[name.slice(0, -4)] = parseNpy(path, name, npy);
  }
  return out;
}
