import { NpyWriter, type NpyDtype } from "../io/npy.js";

/**
 * Streams one npy file: `fill` appends rows to the writer, which is closed (and the file renamed
 * into place) only on success. On failure the descriptor is released and the first error is the
 * one thrown, not the writer's "rows missing" complaint.
 */
export function streamNpy<T>(path: string, dtype: NpyDtype, shape: readonly number[], fill: (writer: NpyWriter) => T): T {
  const writer = new NpyWriter(path, dtype, shape);
  let result: T;
  try {
    result = fill(writer);
  } catch (err) {
    try {
      writer.close();
    } catch {
      // incomplete by construction; the caller's atomic folder removes the leftover
    }
    throw err;
  }
  writer.close();
  return result;
}
