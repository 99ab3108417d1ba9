import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KgcError } from "../core/errors.js";
import { warn } from "../core/log.js";
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
      warn(`${dir}: no ${split} file (${FILE_NAMES[format](split).join(" or ")}); the ${split} split is empty`);
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
  warnUnseen(dir, splits);
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
  const meta = existsSync(metaPath) ? readFolderMeta(metaPath) : null;
  const numEntities = meta?.num_entities ?? maxEntity + 1;
  const numRelations = meta?.num_relations ?? maxRelation + 1;
  if (maxEntity >= numEntities) throw new KgcError(metaPath, `num_entities ${numEntities} but the tables use entity id ${maxEntity}`);
  if (maxRelation >= numRelations) throw new KgcError(metaPath, `num_relations ${numRelations} but the tables use relation id ${maxRelation}`);
  return { numEntities, numRelations, entityNames: null, relationNames: null, splits, candidates };
}

/**
 * Warns, with counts, when valid/test triples name entities or relations that never occur in
 * train: their embeddings stay at their random initialisation, so those triples rank by chance.
 */
export function warnUnseen(dir: string, splits: Record<SplitName, Triples>): void {
  const train = splits.train;
  const seenEntity = new Set<number>();
  const seenRelation = new Set<number>();
  for (let i = 0; i < train.length; i++) {
    seenEntity.add(train.head[i]!).add(train.tail[i]!);
    seenRelation.add(train.relation[i]!);
  }
  for (const split of ["valid", "test"] as const) {
    const t = splits[split];
    const entities = new Set<number>();
    const relations = new Set<number>();
    let triples = 0;
    for (let i = 0; i < t.length; i++) {
      const h = t.head[i]!, r = t.relation[i]!, tail = t.tail[i]!;
      if (seenEntity.has(h) && seenEntity.has(tail) && seenRelation.has(r)) continue;
      triples++;
      for (const e of [h, tail]) if (!seenEntity.has(e)) entities.add(e);
      if (!seenRelation.has(r)) relations.add(r);
    }
    if (triples > 0) {
      warn(`${dir}: ${triples} of ${t.length} ${split} triples name entities or relations unseen in train (${entities.size} entities, ${relations.size} relations); they keep random embeddings`);
    }
  }
}

function readFolderMeta(path: string): FolderMeta {
  let meta: Partial<FolderMeta>;
  try {
    meta = JSON.parse(readFileSync(path, "utf8")) as Partial<FolderMeta>;
  } catch (err) {
    throw new KgcError(path, `not valid JSON (${(err as Error).message})`);
  }
  for (const key of ["num_entities", "num_relations"] as const) {
    const v = meta?.[key];
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new KgcError(path, `${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return meta as FolderMeta;
}
