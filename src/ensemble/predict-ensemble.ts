/**
 * The fitted ensemble as a ranker of arbitrary candidates: weights.json's model inputs are
 * re-scored through their model folders for whatever candidates a query has; feature inputs exist
 * only for the fitted split's candidate rows, so they take part when the query (h, r) is a row of
 * that split and every candidate is in the row, and are otherwise left out with a note.
 */
import { join } from "node:path";
import { nativeScore } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import type { Dataset } from "../data/dataset.js";
import { DatasetFiles, SPLITS, type SplitName } from "../io/manifest.js";
import { NpyRowReader, readNpyInt32 } from "../io/npy.js";
import { datasetFingerprint } from "../models/fingerprint.js";
import { topEntities } from "../eval/index.js";
import { loadTrainedModel, MAP_ABOVE_BYTES, type TrainedModel } from "../train/index.js";
import { blendRow, rowRanks, weightsFor, type BlendedRow } from "./blend.js";
import { readEnsembleWeights, type EnsembleWeights } from "./weights.js";

export interface EnsembleScores extends BlendedRow {
  /** shape: [inputs][K] raw scores, null for an input left out of this query */
  raw: (Float32Array | null)[];
  /** one line per input left out */
  notes: string[];
}

export class EnsembleRanker {
  readonly weights: EnsembleWeights;
  private readonly models: (TrainedModel | null)[];
  private readonly rowOf = new Map<string, number>();
  private readonly features: (NpyRowReader | null)[];
  private readonly candidateRows: NpyRowReader | null;

  constructor(readonly path: string, ds: Dataset) {
    const w = readEnsembleWeights(path);
    if (w.dataset !== ds.name || w.fingerprint !== datasetFingerprint(ds)) {
      throw new KgcError(path, `fitted on dataset '${w.dataset}' (fingerprint ${w.fingerprint}), not ${ds.dir} ('${ds.name}', ${datasetFingerprint(ds)})`);
    }
    this.weights = w;
    this.models = w.inputs.map((i) => (i.kind === "model" ? loadTrainedModel(i.path, ds, undefined, MAP_ABOVE_BYTES) : null));
    const split = w.split as SplitName;
    const hasRows = (SPLITS as readonly string[]).includes(split) && ds.manifest.splits[split].queries > 0;
    this.candidateRows = hasRows && w.inputs.some((i) => i.kind === "feature") ? new NpyRowReader(join(ds.dir, DatasetFiles.candidates(split))) : null;
    if (this.candidateRows) {
      const hr = readNpyInt32(join(ds.dir, DatasetFiles.queries(split))).data; // shape: [Q, 2]
      for (let q = hr.length / 2 - 1; q >= 0; q--) this.rowOf.set(`${hr[2 * q]} ${hr[2 * q + 1]}`, q); // the first row of a repeated (h, r) wins
    }
    this.features = w.inputs.map((i) => (i.kind === "feature" && this.candidateRows ? new NpyRowReader(i.path) : null));
    this.features.forEach((f, i) => {
      if (f && (f.header.rows !== w.queries || f.header.rowWidth !== w.width)) {
        throw new KgcError(f.path, `has shape (${f.header.shape.join(", ")}), weights.json says (${w.queries}, ${w.width}) for input '${w.inputs[i]!.name}'`);
      }
    });
  }

  /**
   * The ensemble's own candidate list for ranking among all entities: the union of every model
   * input's exact top W over all entities (W = the fitted split's candidates per query), the kind of
   * list the weights were fitted on, so the per-query normalisations see a comparable row.
   * @param head shape: [B]
   * @param relation shape: [B]
   * @returns one sorted candidate list per query
   */
  async allEntityCandidates(head: Int32Array, relation: Int32Array, threads: number): Promise<Int32Array[]> {
    const unions = Array.from(head, () => new Set<number>());
    for (const m of this.models) {
      if (!m) continue;
      const top = await topEntities(m.tables, head, relation, this.weights.width, threads); // every query shares each pass over the entities
      unions.forEach((u, q) => top.ids.subarray(q * top.k, (q + 1) * top.k).forEach((id) => u.add(id)));
    }
    return unions.map((u) => Int32Array.from([...u].sort((a, b) => a - b)));
  }

  /** @param candidates shape: [K] entity ids */
  score(head: number, relation: number, candidates: Int32Array): EnsembleScores {
    const w = this.weights;
    const K = candidates.length;
    const notes: string[] = [];
    const row = this.rowOf.get(`${head} ${relation}`);
    let positions: Int32Array | null = null; // shape: [K], each candidate's column in the fitted split's row
    if (row !== undefined && this.candidateRows) {
      const fitted = new Int32Array(w.width);
      this.candidateRows.readRowsInt32(row, 1, fitted);
      const column = new Map<number, number>();
      fitted.forEach((id, j) => column.has(id) || column.set(id, j));
      const found = Array.from(candidates, (id) => column.get(id) ?? -1);
      if (found.every((j) => j >= 0)) positions = Int32Array.from(found);
    }
    const raw = w.inputs.map((input, i): Float32Array | null => {
      const model = this.models[i];
      if (model) {
        const out = new Float32Array(K); // shape: [1, K]
        nativeScore(model.tables, Int32Array.of(head), Int32Array.of(relation), true, candidates, 0, out);
        return out;
      }
      const reader = this.features[i];
      if (!reader || !positions) {
        notes.push(`feature input '${input.name}' left out: ${row === undefined ? `the query is not a row of the fitted split '${w.split}'` : `a candidate is not in the query's row of the fitted split '${w.split}'`}`);
        return null;
      }
      const values = new Float32Array(w.width);
      reader.readRows(row!, 1, values);
      return Float32Array.from(positions, (j) => values[j]!);
    });
    return { ...blendRow(w.inputs, raw, weightsFor(w, relation), K), raw, notes };
  }

  /** Realistic rank of every candidate under each input alone (null for a left-out input). shape: [inputs][K] */
  static ranksAlone(s: EnsembleScores): (Float64Array | null)[] {
    return s.raw.map((r) => (r ? rowRanks(r) : null));
  }

  close(): void {
    this.candidateRows?.close();
    this.features.forEach((f) => f?.close());
  }
}
