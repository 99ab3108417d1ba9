/**
 * Top-10 prediction files, read and checked the way OGB's WikiKG90M evaluator checks them: an npy
 * (int32 [Q, 10], what `ensemble apply` writes) or an npz holding `t_pred_top10` (the submission
 * file); integer dtype, two dimensions, 10 columns, the split's number of rows. `checkSubmittable`
 * adds what `save_test_submission` asserts: every index in [0, K) and, for a valid MRR, no row
 * repeating an index.
 */
import { KgcError } from "../core/errors.js";
import { readNpz } from "../io/npz.js";
import { decodeInt32, readNpyHeader, readNpyInt32 } from "../io/npy.js";
import { OGB_TOP } from "../eval/index.js";

export const SUBMISSION_KEY = "t_pred_top10";

const INTEGER_DTYPES = new Set(["<i8", "<i4", "<i2", "|i1", "|u1", "<u2", "<u4", "<u8"]);

/** @returns shape: [rows, 10] */
export function readPrediction(path: string, rows: number): Int32Array {
  let dtype: string;
  let shape: number[];
  let data: Int32Array;
  if (path.endsWith(".npz")) {
    const member = readNpz(path)[SUBMISSION_KEY];
    if (!member) throw new KgcError(path, `no '${SUBMISSION_KEY}' array in the npz`);
    ({ dtype, shape } = member);
    if (!INTEGER_DTYPES.has(dtype)) throw new KgcError(path, `${SUBMISSION_KEY} has dtype ${dtype}, expected integers`);
    data = new Int32Array(shape.reduce((a, b) => a * b, 1));
    decodeInt32(member.bytes, member.dtype, data, 0, `${path}: ${SUBMISSION_KEY}`, null, 0);
  } else {
    ({ dtype, shape } = readNpyHeader(path));
    if (!INTEGER_DTYPES.has(dtype)) throw new KgcError(path, `dtype ${dtype}, expected integer candidate indices`);
    data = readNpyInt32(path).data;
  }
  if (shape.length !== 2 || shape[0] !== rows || shape[1] !== OGB_TOP) {
    throw new KgcError(path, `shape (${shape.join(", ")}), expected (${rows}, ${OGB_TOP}): one row of ${OGB_TOP} candidate indices per query`);
  }
  return data;
}

/**
 * Throws naming the first row that breaks OGB's rules.
 * @param top10 shape: [Q, 10]
 */
export function checkSubmittable(top10: Int32Array, width: number, path: string): void {
  const rows = top10.length / OGB_TOP;
  for (let q = 0; q < rows; q++) {
    for (let j = 0; j < OGB_TOP; j++) {
      const v = top10[q * OGB_TOP + j]!;
      if (v < 0 || v >= width) throw new KgcError(path, `row ${q}, column ${j}: candidate index ${v} outside [0, ${width})`);
      for (let k = 0; k < j; k++) {
        if (top10[q * OGB_TOP + k] === v) throw new KgcError(path, `row ${q} repeats candidate index ${v} (OGB scores such a file 0)`);
      }
    }
  }
}
