import { createHash, type Hash } from "node:crypto";
import type { Triples } from "../core/types.js";

/**
 * A content hash of a triple set, computed while the import streams it (so a 504M-triple train
 * split is never read again just to hash it) and stored in the manifest; the model fingerprint
 * covers it, so a model never evaluates silently on another graph with the same counts. Each
 * column is hashed on its own, so the result does not depend on how the stream was chunked.
 */
export class TripleHasher {
  private readonly columns: [Hash, Hash, Hash] = [createHash("sha256"), createHash("sha256"), createHash("sha256")];
  private count = 0;

  update(t: Triples): void {
    const parts = [t.head, t.relation, t.tail];
    for (let c = 0; c < 3; c++) {
      const a = parts[c]!.subarray(0, t.length);
      this.columns[c]!.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    this.count += t.length;
  }

  /** hex sha256 over the count and the three column digests */
  digest(): string {
    const h = createHash("sha256").update(`${this.count}\n`);
    for (const c of this.columns) h.update(c.digest());
    return h.digest("hex");
  }
}

export function hashTriples(t: Triples): string {
  const hasher = new TripleHasher();
  hasher.update(t);
  return hasher.digest();
}
