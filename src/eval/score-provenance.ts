/**
 * Provenance of a [Q, K] score array (a model's scores-<split>.npy, a feature's <split>-<name>.npy):
 * a sidecar `<file>.provenance.json` naming the dataset (fingerprint), the split and a digest of the
 * split's queries and candidate lists. An npy file alone cannot tell which queries its rows are,
 * so without it two score files of the same shape but different query orders would blend silently.
 * Writers call `writeScoreProvenance` after the npy is complete; the ensemble checks every input.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import { DatasetFiles, type SplitName } from "../io/manifest.js";
import { iterateNpyRows } from "../io/npy.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import type { Dataset } from "../data/dataset.js";

export interface ScoreProvenance {
  format: "kgc-scores/1";
  dataset: string;
  fingerprint: string;
  split: SplitName;
  queries: number;
  width: number;
  /** sha256 (16 hex) of the split's <split>-hr.npy and <split>-candidates.npy contents */
  queryDigest: string;
}

export function provenancePath(npyPath: string): string {
  return npyPath.replace(/\.npy$/, "") + ".provenance.json";
}

/** What a score file of `split` must carry to belong to this dataset's queries. */
export function splitProvenance(ds: Dataset, split: SplitName): ScoreProvenance {
  const info = ds.manifest.splits[split];
  if (info.queries === 0) throw new KgcError(`${ds.dir} (${split})`, "the split has no candidate queries");
  const h = createHash("sha256");
  for (const file of [DatasetFiles.queries(split), DatasetFiles.candidates(split)]) {
    for (const chunk of iterateNpyRows(join(ds.dir, file))) h.update(chunk.bytes);
  }
  return {
    format: "kgc-scores/1",
    dataset: ds.name,
    fingerprint: datasetFingerprint(ds),
    split,
    queries: info.queries,
    width: info.candidatesPerQuery,
    queryDigest: h.digest("hex").slice(0, 16),
  };
}

export function writeScoreProvenance(npyPath: string, provenance: ScoreProvenance): void {
  writeFileAtomic(provenancePath(npyPath), JSON.stringify(provenance, null, 2) + "\n");
}

/** The sidecar of `npyPath`, or null when there is none. */
export function readScoreProvenance(npyPath: string): ScoreProvenance | null {
  const path = provenancePath(npyPath);
  if (!existsSync(path)) return null;
  try {
    const raw = JSON.parse(readFileSync(path, "utf8")) as ScoreProvenance;
    if (raw.format !== "kgc-scores/1") throw new Error(`unknown format ${String(raw.format)}`);
    return raw;
  } catch (err) {
    throw new KgcError(path, `corrupt provenance file (${(err as Error).message})`);
  }
}

/** Throws naming `npyPath` when its sidecar says it scores another dataset, split or query order. */
export function checkScoreProvenance(npyPath: string, found: ScoreProvenance, expected: ScoreProvenance): void {
  if (found.fingerprint !== expected.fingerprint) {
    throw new KgcError(npyPath, `scores dataset '${found.dataset}' (fingerprint ${found.fingerprint}), not '${expected.dataset}' (${expected.fingerprint})`);
  }
  if (found.split !== expected.split) throw new KgcError(npyPath, `scores the ${found.split} split, expected ${expected.split}`);
  if (found.queries !== expected.queries || found.width !== expected.width) {
    throw new KgcError(npyPath, `provenance says [${found.queries}, ${found.width}], the ${expected.split} split has [${expected.queries}, ${expected.width}]`);
  }
  if (found.queryDigest !== expected.queryDigest) {
    throw new KgcError(npyPath, `was scored on other ${expected.split} queries or another query order (digest ${found.queryDigest}, the dataset's ${expected.queryDigest})`);
  }
}
