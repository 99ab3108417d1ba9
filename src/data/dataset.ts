import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { KgcError } from "../core/errors.js";
import { emptyTriples, type CandidateQueries, type CandidateQuerySource, type Triples } from "../core/types.js";
import { readTriplesArrow } from "../io/arrow.js";
import { DatasetFiles, SPLITS, type DatasetManifest, type FeatureInfo, type SplitName } from "../io/manifest.js";
import { NpyRowReader, readNpyInt32 } from "../io/npy.js";
import { loadCsr, type Csr, type Direction } from "./csr.js";
import { Dictionary } from "./dictionary.js";

/**
 * A prepared dataset folder, opened: the in-memory form every later stage uses. Parts load
 * lazily and are cached, so a stage pays only for what it reads (features are never loaded
 * whole: `entityFeatures()` gives a row reader over the npy file).
 */
export class Dataset {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  private readonly tripleCache = new Map<SplitName, Triples>();
  private readonly csrCache = new Map<Direction, Csr>();
  private dictionaryHandle: Dictionary | null = null;

  constructor(dirArg: string) {
    this.dir = resolve(dirArg);
    const path = join(this.dir, DatasetFiles.manifest);
    if (!existsSync(path)) throw new KgcError(dirArg, "not a prepared dataset (no manifest.json); create one with `kgc data import` or `make`");
    let parsed: DatasetManifest;
    try {
      parsed = JSON.parse(readFileSync(path, "utf8")) as DatasetManifest;
    } catch (err) {
      throw new KgcError(path, `corrupt manifest (${(err as Error).message})`);
    }
    if (parsed.format !== "kgc-dataset/1") throw new KgcError(path, `unknown dataset format '${String(parsed.format)}'`);
    // feature paths are the manifest's folder's business, never the working folder's
    const at = (f: FeatureInfo | null): FeatureInfo | null => (f ? { ...f, path: resolve(this.dir, f.path) } : null);
    this.manifest = { ...parsed, entityFeatures: at(parsed.entityFeatures), relationFeatures: at(parsed.relationFeatures) };
  }

  get name(): string {
    return this.manifest.name;
  }

  get numEntities(): number {
    return this.manifest.numEntities;
  }

  get numRelations(): number {
    return this.manifest.numRelations;
  }

  /** Known (h, r, t) triples of a split (empty when the split has none, e.g. OGB test). */
  async triples(split: SplitName): Promise<Triples> {
    const cached = this.tripleCache.get(split);
    if (cached) return cached;
    const triples = this.manifest.splits[split].triples > 0 ? await readTriplesArrow(join(this.dir, DatasetFiles.triples(split))) : emptyTriples();
    if (triples.length !== this.manifest.splits[split].triples) {
      throw new KgcError(join(this.dir, DatasetFiles.triples(split)), `holds ${triples.length} triples, the manifest says ${this.manifest.splits[split].triples}`);
    }
    this.tripleCache.set(split, triples);
    return triples;
  }

  /** All known triples of every split (the filter set of filtered ranking). */
  async allTriples(): Promise<Triples[]> {
    return Promise.all(SPLITS.map((s) => this.triples(s)));
  }

  /** A split's candidate queries, or null when it has none. */
  queries(split: SplitName): CandidateQueries | null {
    const columns = this.queryColumns(split);
    if (!columns) return null;
    return { ...columns, candidates: readNpyInt32(join(this.dir, DatasetFiles.candidates(split))).data };
  }

  /**
   * A split's candidate queries with the candidate rows read from disk per chunk (score, eval: memory
   * bounded by the chunk, not the split), or null when it has none. Close it when done.
   */
  queryRows(split: SplitName): (CandidateQuerySource & { close(): void }) | null {
    const columns = this.queryColumns(split);
    if (!columns) return null;
    const path = join(this.dir, DatasetFiles.candidates(split));
    const reader = new NpyRowReader(path);
    const K = columns.width;
    if (reader.header.rows !== columns.head.length || reader.header.rowWidth !== K) {
      reader.close();
      throw new KgcError(path, `has shape (${reader.header.shape.join(", ")}), the manifest says (${columns.head.length}, ${K})`);
    }
    return {
      ...columns,
      rows: (start, end, scratch) => {
        const out = scratch.subarray(0, (end - start) * K);
        reader.readRowsInt32(start, end - start, out);
        return out;
      },
      close: () => reader.close(),
    };
  }

  /** The per-query columns of a split's queries ([Q] each, no candidate rows), or null when it has none. */
  queryColumns(split: SplitName): Omit<CandidateQueries, "candidates"> | null {
    const info = this.manifest.splits[split];
    if (info.queries === 0) return null;
    const hr = readNpyInt32(join(this.dir, DatasetFiles.queries(split))).data;
    const n = info.queries;
    const head = new Int32Array(n);
    const relation = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      head[i] = hr[2 * i]!;
      relation[i] = hr[2 * i + 1]!;
    }
    const correctIndex = info.hasAnswers ? readNpyInt32(join(this.dir, DatasetFiles.correct(split))).data : null;
    return { head, relation, width: info.candidatesPerQuery, correctIndex };
  }

  /** CSR adjacency over train (out: by head, in: by tail). */
  adjacency(direction: Direction): Csr {
    let csr = this.csrCache.get(direction);
    if (!csr) {
      csr = loadCsr(this.dir, direction, this.numEntities);
      this.csrCache.set(direction, csr);
    }
    return csr;
  }

  /** Row reader over the entity feature matrix (fp16/fp32 npy), or null when the dataset has none. */
  entityFeatures(): NpyRowReader | null {
    return this.manifest.entityFeatures ? new NpyRowReader(this.manifest.entityFeatures.path) : null;
  }

  relationFeatures(): NpyRowReader | null {
    return this.manifest.relationFeatures ? new NpyRowReader(this.manifest.relationFeatures.path) : null;
  }

  dictionary(): Dictionary {
    if (!this.dictionaryHandle) {
      this.dictionaryHandle = new Dictionary(join(this.dir, DatasetFiles.dictionary), { entity: this.numEntities, relation: this.numRelations });
    }
    return this.dictionaryHandle;
  }

  close(): void {
    this.dictionaryHandle?.close();
    this.dictionaryHandle = null;
  }
}

export function openDataset(dir: string): Dataset {
  return new Dataset(dir);
}
