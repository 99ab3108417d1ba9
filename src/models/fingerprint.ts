/**
 * A dataset's identity as a model sees it: entity and relation counts, the hash of the train
 * triples recorded at import, and the names of a fixed sample of ids (every relation up to 256,
 * 256 evenly spaced entities). Train writes it into
 * config.json; eval and score refuse a model whose fingerprint differs from the dataset's, which
 * catches a model trained on another dataset even when the counts happen to agree.
 */
import { createHash } from "node:crypto";
import type { Dataset } from "../data/dataset.js";

const SAMPLE = 256;

export function datasetFingerprint(ds: Dataset): string {
  const h = createHash("sha256");
  h.update(`${ds.numEntities}/${ds.numRelations}\n`);
  // the train triples' hash, stored by the import (datasets imported before it: names and counts only)
  if (ds.manifest.trainHash !== undefined) h.update(`train:${ds.manifest.trainHash}\n`);
  const dict = ds.dictionary();
  for (const [kind, n] of [["entity", ds.numEntities], ["relation", ds.numRelations]] as const) {
    const take = Math.min(n, SAMPLE);
    for (let i = 0; i < take; i++) {
      const id = take === n ? i : Math.floor((i * (n - 1)) / (take - 1));
      h.update(`${kind}:${id}=${dict.nameOf(kind, id)}\n`);
    }
  }
  return h.digest("hex").slice(0, 16);
}
