import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import { emptyTriples, type CandidateQueries, type Triples } from "../core/types.js";
import { readCandidatesArrow, readTriplesArrow } from "../io/arrow.js";
import type { SplitName } from "../io/manifest.js";
import { NameIndex } from "../io/name-index.js";
import { readCandidatesParquet, readTriplesParquet } from "../io/parquet.js";
import { readTsvTriples } from "../io/tsv.js";

/**
 * A user's triple folder: train / valid / test in one format, names (or ids) shared across the
 * splits through one entity and one relation NameIndex, so ids agree everywhere. Entity ids
 * follow first appearance over train, then valid, then test.
 */
export type TableFormat = "tsv" | "arrow" | "parquet";

export interface NamedSplits {
  numEntities: number;
  numRelations: number;
  /** the names, or null when the files hold integer ids */
  entityNames: string[] | null;
  relationNames: string[] | null;
  splits: Record<SplitName, Triples>;
  /** candidate tables found beside the triples (<split>-candidates.<ext>), Arrow/Parquet only */
  candidates: Partial<Record<SplitName, CandidateQueries>>;
}

/** Optional meta.json beside id-valued tables: the counts (entities without triples count too). */
export const META_FILE = "meta.json";
export interface FolderMeta {
  num_entities: number;
  num_relations: number;
}

const FILE_NAMES: Record<TableFormat, (split: SplitName) => string[]> = {
  tsv: (s) => [`${s}.txt`, `${s}.tsv`],
  arrow: (s) => [`${s}.arrow`, `${s}.feather`],
  parquet: (s) => [`${s}.parquet`],
};

function findSplitFile(dir: string, format: TableFormat, split: SplitName): string | null {
  for (const name of FILE_NAMES[format](split)) if (existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/** Reads train (required), valid and test (optional) from `dir`. */
export async function readNamedSplits(dir: string, format: TableFormat): Promise<NamedSplits> {
  const entities = new NameIndex();
  const relations = new NameIndex();
  const splits: Record<SplitName, Triples> = { train: emptyTriples(), valid: emptyTriples(), test: emptyTriples() };
  for (const split of ["train", "valid", "test"] as const) {
    const file = findSplitFile(dir, format, split);
    if (!file) {
      if (split === "train") throw new KgcError(join(dir, FILE_NAMES[format]("train")[0]!), `missing ${format} training file`);
      continue;
    }
    splits[split] =
      format === "tsv" ? readTsvTriples(file, entities, relations)
      : format === "arrow" ? await readTriplesArrow(file, { entities, relations })
      : await readTriplesParquet(file, { entities, relations });
  }
  const candidates: NamedSplits["candidates"] = {};
  if (format !== "tsv") {
    for (const split of ["valid", "test"] as const) {
      const file = join(dir, `${split}-candidates.${format}`);
      if (existsSync(file)) candidates[split] = format === "arrow" ? await readCandidatesArrow(file) : await readCandidatesParquet(file);
    }
  }
  const named = entities.size > 0;
  if (named) return { numEntities: entities.size, numRelations: relations.size, entityNames: entities.names, relationNames: relations.names, splits, candidates };
  // integer ids: counts from meta.json, else from the largest id seen
  let maxEntity = -1;
  let maxRelation = -1;
  for (const t of Object.values(splits)) {
    for (let i = 0; i < t.length; i++) {
      maxEntity = Math.max(maxEntity, t.head[i]!, t.tail[i]!);
      maxRelation = Math.max(maxRelation, t.relation[i]!);
    }
  }
  for (const q of Object.values(candidates)) for (const c of q.candidates) maxEntity = Math.max(maxEntity, c);
  const metaPath = join(dir, META_FILE);
  const meta = existsSync(metaPath) ? (JSON.parse(readFileSync(metaPath, "utf8")) as FolderMeta) : null;
  const numEntities = meta?.num_entities ?? maxEntity + 1;
  const numRelations = meta?.num_relations ?? maxRelation + 1;
  if (maxEntity >= numEntities) throw new KgcError(metaPath, `num_entities ${numEntities} but the tables use entity id ${maxEntity}`);
  if (maxRelation >= numRelations) throw new KgcError(metaPath, `num_relations ${numRelations} but the tables use relation id ${maxRelation}`);
  return { numEntities, numRelations, entityNames: null, relationNames: null, splits, candidates };
}
