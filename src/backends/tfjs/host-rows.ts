/**
 * Gathers a batch's rows out of the host tables (DGL-KE mix_cpu_gpu: the tables stay in host
 * memory, only the batch's rows travel to the device): learned rows and, for the concat encoder,
 * the frozen feature rows decoded from float16.
 */
import { float16ToFloat32 } from "../../io/float16.js";
import { featureArray, type EncoderTables } from "../../models/model-tables.js";

/** shape: table [rows, width], ids [U] -> [U, width] */
export function gatherRows(table: Float32Array, width: number, ids: Int32Array): Float32Array {
  const out = new Float32Array(ids.length * width);
  for (let u = 0; u < ids.length; u++) out.set(table.subarray(ids[u]! * width, (ids[u]! + 1) * width), u * width);
  return out;
}

/** The feature rows of `ids` as float32 (features in memory only). shape: [U, featDim] */
export function gatherFeatures(e: EncoderTables, ids: Int32Array): Float32Array {
  const f = e.featDim!, feat = featureArray(e.feat!, "the tfjs backend");
  if (feat instanceof Float32Array) return gatherRows(feat, f, ids);
  const out = new Float32Array(ids.length * f);
  for (let u = 0; u < ids.length; u++) float16ToFloat32(feat.subarray(ids[u]! * f, (ids[u]! + 1) * f), out.subarray(u * f, (u + 1) * f));
  return out;
}
