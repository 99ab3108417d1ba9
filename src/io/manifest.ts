/**
 * Artefact names, defined once. A prepared dataset folder (data/<name>/) holds:
 *   manifest.json                 counts, splits, feature paths, provenance (DatasetManifest)
 *   <split>.arrow                 Arrow IPC file, int32 columns head, relation, tail
 *   <split>-hr.npy                int32 [Q, 2] candidate queries (h, r)
 *   <split>-candidates.npy        int32 [Q, K] candidate tails
 *   <split>-correct.npy           int32 [Q] index of the true tail in its row (absent when hidden)
 *   csr-{out,in}-{indptr,neighbor,relation}.npy   adjacency over train (indptr int64 [E+1])
 *   dictionary.sqlite             id <-> name for entities and relations
 *   .kgc-artefact.json            the marker of a complete kgc folder artefact (core/atomic.ts)
 */
export const DatasetFiles = {
  manifest: "manifest.json",
  triples: (split: SplitName): string => `${split}.arrow`,
  queries: (split: SplitName): string => `${split}-hr.npy`,
  candidates: (split: SplitName): string => `${split}-candidates.npy`,
  correct: (split: SplitName): string => `${split}-correct.npy`,
  csr: (direction: "out" | "in", part: "indptr" | "neighbor" | "relation"): string => `csr-${direction}-${part}.npy`,
  dictionary: "dictionary.sqlite",
} as const;

export const SPLITS = ["train", "valid", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

export interface SplitInfo {
  /** number of known (h, r, t) triples in <split>.arrow (0 when absent) */
  triples: number;
  /** number of candidate queries, or 0 when the split has none */
  queries: number;
  /** candidates per query (e.g. 1001), 0 when no queries */
  candidatesPerQuery: number;
  /** whether <split>-correct.npy exists */
  hasAnswers: boolean;
}

export interface FeatureInfo {
  /** path of an npy file (float16/float32, [rows, dim]), referenced, not copied; a relative one is relative to the manifest's folder */
  path: string;
  dim: number;
}

export interface DatasetManifest {
  format: "kgc-dataset/1";
  name: string;
  numEntities: number;
  numRelations: number;
  splits: Record<SplitName, SplitInfo>;
  entityFeatures: FeatureInfo | null;
  relationFeatures: FeatureInfo | null;
  /** where it came from: "ogb:/path", "tsv:/path", "arrow:...", "parquet:..." */
  source: string;
  seed: number | null;
  createdAt: string;
  /** sha256 of the train triples (data/triple-hash.ts); absent in datasets imported before it */
  trainHash?: string;
}
