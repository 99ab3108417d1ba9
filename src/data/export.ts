import { basename, join } from "node:path";
import { checkOutputFolder, withAtomicDir, writeFileAtomic } from "../core/atomic.js";
import { warn } from "../core/log.js";
import { writeCandidatesArrow, writeTriplesArrow } from "../io/arrow.js";
import { SPLITS } from "../io/manifest.js";
import { writeCandidatesParquet, writeTriplesParquet } from "../io/parquet.js";
import { writeTsvTriples } from "../io/tsv.js";
import type { Dataset } from "./dataset.js";
import { META_FILE, type FolderMeta } from "./named-splits.js";

/**
 * `kgc data export`: a prepared dataset's splits as user files. Arrow and Parquet hold int32
 * ids (plus <split>-candidates tables and a meta.json with the entity and relation counts, so a
 * re-import gives the same dataset); TSV holds names from the dictionary (or decimal ids).
 */
export type ExportFormat = "arrow" | "parquet" | "tsv";

/** Writes the export as one folder artefact (kind "export"): a user's folder or file at `outDir` is refused. */
export async function exportDataset(ds: Dataset, finalDir: string, format: ExportFormat, force = false): Promise<string[]> {
  checkOutputFolder(finalDir, "export", force);
  const names = await withAtomicDir(finalDir, (tmp) => exportInto(ds, tmp, format), { kind: "export", replace: force });
  return names.map((name) => join(finalDir, name));
}

/** Writes the files into `outDir`; returns their names. */
async function exportInto(ds: Dataset, outDir: string, format: ExportFormat): Promise<string[]> {
  const written: string[] = [];
  const dictionary = ds.dictionary();
  const names = (kind: "entity" | "relation", n: number): string[] => dictionary.allNames(kind) ?? Array.from({ length: n }, (_, i) => String(i));
  for (const split of SPLITS) {
    const triples = await ds.triples(split);
    if (triples.length > 0 || split === "train") {
      const path = join(outDir, `${split}.${format === "tsv" ? "txt" : format}`);
      if (format === "arrow") await writeTriplesArrow(path, triples);
      else if (format === "parquet") await writeTriplesParquet(path, triples);
      else await writeTsvTriples(path, triples, names("entity", ds.numEntities), names("relation", ds.numRelations));
      written.push(basename(path));
    }
    const queries = ds.queries(split);
    if (!queries) continue;
    if (format === "tsv") {
      warn(`TSV has no candidate table format: the ${split} candidates are not exported (use --format arrow or parquet to keep them)`);
      continue;
    }
    const qPath = join(outDir, `${split}-candidates.${format}`);
    if (format === "arrow") await writeCandidatesArrow(qPath, queries);
    else await writeCandidatesParquet(qPath, queries);
    written.push(basename(qPath));
  }
  if (format !== "tsv") {
    const meta: FolderMeta = { num_entities: ds.numEntities, num_relations: ds.numRelations };
    writeFileAtomic(join(outDir, META_FILE), JSON.stringify(meta, null, 2));
    written.push(META_FILE);
  }
  return written;
}
