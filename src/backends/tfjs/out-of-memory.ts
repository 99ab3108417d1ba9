/**
 * A device out-of-memory during training becomes one KgcError naming a batch size that fits: the
 * batch is halved and one step of the smaller batch tried on the device until one runs (TensorFlow
 * reports OOM as "OOM when allocating tensor ..." / ResourceExhaustedError; WebGL and the pure-JS
 * backend as failed allocations).
 */
import { KgcError } from "../../core/errors.js";

const OOM = /\bOOM\b|out of memory|ResourceExhausted|failed to allocate|Array buffer allocation failed|Invalid typed array length/i;

export function isOutOfMemory(err: unknown): boolean {
  return err instanceof Error && OOM.test(`${err.name} ${err.message}`);
}

/**
 * `tryBatch(b)` runs one step with batch b (throwing the device's error when it does not fit).
 * Returns the KgcError to throw for the failure at `batch`.
 */
export async function outOfMemoryError(err: Error, batch: number, device: string, tryBatch: (b: number) => Promise<void>): Promise<KgcError> {
  const first = err.message.split("\n")[0]!.slice(0, 160);
  for (let b = Math.floor(batch / 2); b >= 1; b = Math.floor(b / 2)) {
    try {
      await tryBatch(b);
      return new KgcError("batch", `${device} ran out of memory for a batch of ${batch} (${first}); a batch of ${b} fits: --set batch=${b}`);
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
    }
  }
  return new KgcError("batch", `${device} ran out of memory even for a batch of 1 (${first}); lower --set negatives or dim`);
}
