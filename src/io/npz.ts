import { readFileSync } from "node:fs";
import { unzipSync, zipSync, type Zippable } from "fflate";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { encodeNpy, type NpyData, type NpyDtype } from "./npy.js";

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

/** Parses one .npy member (header version 1-3, C order, little-endian). */
function parseNpy(path: string, name: string, npy: Uint8Array): NpzArray {
  const fail = (problem: string): never => {
    throw new KgcError(path, `member '${name}': ${problem}`);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (npy.byteLength < 10 || !magic.every((b, i) => npy[i] === b)) fail("not an npy array (bad magic string)");
  const view = new DataView(npy.buffer, npy.byteOffset, npy.byteLength);
  const major = npy[6]!;
  const start = major === 1 ? 10 : 12;
  if (major < 1 || major > 3 || npy.byteLength < start) fail(`unsupported npy version ${major}`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headerLength > npy.byteLength) fail("truncated npy header");
  const text = Buffer.from(npy.buffer, npy.byteOffset + start, headerLength).toString(major === 3 ? "utf8" : "latin1");
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return fail(`corrupt npy header ${JSON.stringify(text.trim())}`);
  if (fortran === "True") fail("Fortran-order arrays are not supported");
  const itemSize = ITEM_SIZE[descr];
  if (itemSize === undefined) return fail(`unsupported dtype '${descr}'`);
  const shape = shapeText.split(",").map((d) => d.trim()).filter((d) => d.length > 0).map((d) => {
    if (!/^\d+$/.test(d)) fail(`bad shape entry '${d}'`);
    return Number(d);
  });
  const bytes = npy.subarray(start + headerLength);
  const expected = shape.reduce((a, b) => a * b, 1) * itemSize;
  if (bytes.byteLength !== expected) fail(`shape (${shape.join(", ")}) of ${descr} needs ${expected} bytes, the member has ${bytes.byteLength}`);
  return { dtype: (DTYPE_ALIASES[descr] ?? descr) as NpyDtype, shape, bytes };
}

const ITEM_SIZE: Record<string, number> = {
  "<i8": 8, "<i4": 4, "<i2": 2, "|i1": 1, "|u1": 1, "<u2": 2, "<u4": 4, "<u8": 8, "<f2": 2, "<f4": 4, "<f8": 8, "|b1": 1,
  "<i1": 1, "<u1": 1, "<b1": 1,
};
const DTYPE_ALIASES: Record<string, NpyDtype> = { "<i1": "|i1", "<u1": "|u1", "<b1": "|b1" };

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
