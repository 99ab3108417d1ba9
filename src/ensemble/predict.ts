/**
 * The predict stage: (h, r, ?) queries and (h, r, t) triples, by name or id, ranked by one trained
 * model or by the fitted ensemble, among given candidates or among all entities. Everything is
 * resolved and scored before anything is returned, so a bad name or id stops the stage with nothing
 * printed. Among all entities one model ranks exactly (top-entities.ts, chunked over the entity
 * table); the ensemble ranks the union of its models' top lists (predict-ensemble.ts).
 */
import { availableParallelism } from "node:os";
import { nativeScore } from "../backends/index.js";
import { KgcError } from "../core/errors.js";
import { openDataset, type Dataset } from "../data/dataset.js";
import { topEntities } from "../eval/index.js";
import { loadTrainedModel, MAP_ABOVE_BYTES, readModelConfig, type TrainedModel } from "../train/index.js";
import { recordRun } from "../runs/index.js";
import { rowRanks } from "./blend.js";
import { EnsembleRanker } from "./predict-ensemble.js";
import { parseCandidates, parseRequests, type PredictRequest, type RequestText } from "./predict-input.js";

export interface PredictStageInput {
  dataDir: string;
  /** exactly one of modelDir and ensemble */
  modelDir?: string | undefined;
  ensemble?: string | undefined;
  requests: RequestText;
  top: number;
  explain: boolean;
  threads?: number | undefined;
  /** argv, for the registry */
  command: readonly string[];
}

/** What one input says about one candidate (`--explain`). */
export interface InputExplain {
  input: string;
  /** the input's raw score; null when the input was left out of this query */
  raw: number | null;
  /** ensemble: weight x normalised score (the contributions sum to the blended score); null for one model */
  contribution: number | null;
  /** the candidate's realistic rank under this input alone */
  rank: number | null;
}

export interface PredictionRow {
  rank: number;
  tail: number;
  tailName: string;
  score: number;
  explain: InputExplain[] | null;
}

export interface QueryResult {
  request: PredictRequest;
  headName: string;
  relationName: string;
  /** candidates ranked: a count, or "all" (every entity, for one model) */
  candidates: number | "all";
  /** queries: the top k; triples: the given tail's row */
  rows: PredictionRow[];
}

export interface PredictResult {
  dataset: string;
  /** the model's name, or the ensemble's weights file */
  ranker: string;
  results: QueryResult[];
  /** one line per input left out of some queries, with how many */
  notes: string[];
}

interface RankedRow {
  tail: number;
  score: number;
  rank: number;
  explain: InputExplain[] | null;
}

/** Candidates in rank order (score descending, ties in candidate order). shape of score: [K] */
function order(score: ArrayLike<number>): number[] {
  return Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
}

/** The rows to report of one ranked candidate list: the top k of a query, the given tail of a triple. */
function pick(req: PredictRequest, candidates: Int32Array, score: ArrayLike<number>, top: number, explain: (j: number, rank: number) => InputExplain[] | null): RankedRow[] {
  const ranks = rowRanks(score);
  const row = (j: number): RankedRow => ({ tail: candidates[j]!, score: score[j]!, rank: ranks[j]!, explain: explain(j, ranks[j]!) });
  if (req.tail !== null) return [row(candidates.indexOf(req.tail))];
  return order(score).slice(0, top).map(row);
}

/** A triple's tail always takes part in the ranking, even when it is not among `--candidates`. */
function withTail(candidates: Int32Array, tail: number | null): Int32Array {
  return tail === null || candidates.includes(tail) ? candidates : Int32Array.from([...candidates, tail]);
}

async function rankWithModel(model: TrainedModel, reqs: PredictRequest[], given: Int32Array | null, top: number, explain: boolean, threads: number): Promise<RankedRow[][]> {
  const name = model.config.model;
  const oneModel = (score: number, rank: number): InputExplain[] | null => (explain ? [{ input: name, raw: score, contribution: null, rank }] : null);
  if (given) {
    return reqs.map((req) => {
      const c = withTail(given, req.tail);
      const score = new Float32Array(c.length); // shape: [1, K]
      nativeScore(model.tables, Int32Array.of(req.head), Int32Array.of(req.relation), true, c, 0, score);
      return pick(req, c, score, top, (j, rank) => oneModel(score[j]!, rank));
    });
  }
  const out: RankedRow[][] = new Array(reqs.length);
  for (const triples of [false, true]) {
    const idx = reqs.map((r, i) => ((r.tail !== null) === triples ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) continue;
    const head = Int32Array.from(idx, (i) => reqs[i]!.head);
    const relation = Int32Array.from(idx, (i) => reqs[i]!.relation);
    const targets = triples ? Int32Array.from(idx, (i) => reqs[i]!.tail!) : null;
    const t = await topEntities(model.tables, head, relation, triples ? 1 : top, threads, targets);
    idx.forEach((i, q) => {
      if (triples) {
        const s = t.targetScores![q]!, r = t.targetRanks![q]!;
        out[i] = [{ tail: reqs[i]!.tail!, score: s, rank: r, explain: oneModel(s, r) }];
        return;
      }
      out[i] = Array.from({ length: t.k }, (_, j) => {
        const s = t.scores[q * t.k + j]!;
        // ranks among all entities: the top list is exact, so position j has j entities above it (ties share their mean)
        let first = j, last = j;
        while (first > 0 && t.scores[q * t.k + first - 1] === s) first--;
        while (last + 1 < t.k && t.scores[q * t.k + last + 1] === s) last++;
        const rank = (first + 1 + last + 1) / 2;
        return { tail: t.ids[q * t.k + j]!, score: s, rank, explain: oneModel(s, rank) };
      });
    });
  }
  return out;
}

async function rankWithEnsemble(ens: EnsembleRanker, reqs: PredictRequest[], given: Int32Array | null, top: number, explain: boolean, threads: number, notes: Map<string, number>): Promise<{ rows: RankedRow[][]; sizes: number[] }> {
  const rows: RankedRow[][] = [];
  const sizes: number[] = [];
  const lists = given ? null : await ens.allEntityCandidates(Int32Array.from(reqs, (r) => r.head), Int32Array.from(reqs, (r) => r.relation), threads);
  for (const [q, req] of reqs.entries()) {
    const c = withTail(given ?? lists![q]!, req.tail);
    const s = ens.score(req.head, req.relation, c);
    for (const n of s.notes) notes.set(n, (notes.get(n) ?? 0) + 1);
    const alone = explain ? EnsembleRanker.ranksAlone(s) : [];
    rows.push(pick(req, c, s.score, top, (j) =>
      explain ? ens.weights.inputs.map((input, i) => ({ input: input.name, raw: s.raw[i] ? s.raw[i]![j]! : null, contribution: s.raw[i] ? s.contribution[i]![j]! : null, rank: alone[i] ? alone[i]![j]! : null })) : null));
    sizes.push(c.length);
  }
  return { rows, sizes };
}

export async function predictStage(input: PredictStageInput): Promise<PredictResult> {
  if ((input.modelDir === undefined) === (input.ensemble === undefined)) throw new KgcError("--model-dir/--ensemble", "give exactly one of them");
  if (!Number.isInteger(input.top) || input.top < 1) throw new KgcError("--top", `must be a positive integer, got ${input.top}`);
  const saved = input.modelDir !== undefined ? readModelConfig(input.modelDir) : null; // a bad model folder is named first
  const ds: Dataset = openDataset(input.dataDir);
  try {
    const dict = ds.dictionary();
    const reqs = parseRequests(dict, input.requests);
    const given = parseCandidates(dict, input.requests.candidates);
    const notes = new Map<string, number>();
    return await recordRun({ stage: "predict", dataset: ds.name, config: { modelDir: input.modelDir, ensemble: input.ensemble, top: input.top, queries: reqs.length, candidates: given?.length ?? "all" }, command: input.command }, async (run) => {
      const t0 = performance.now();
      let rows: RankedRow[][];
      let sizes: (number | "all")[];
      let ranker: string;
      if (saved) {
        const model = loadTrainedModel(input.modelDir!, ds, saved, MAP_ABOVE_BYTES);
        const threads = input.threads ?? model.config.threads ?? availableParallelism();
        rows = await rankWithModel(model, reqs, given, input.top, input.explain, threads);
        sizes = reqs.map((r) => (given ? withTail(given, r.tail).length : "all"));
        ranker = model.config.model;
      } else {
        const ens = new EnsembleRanker(input.ensemble!, ds);
        try {
          const r = await rankWithEnsemble(ens, reqs, given, input.top, input.explain, input.threads ?? availableParallelism(), notes);
          rows = r.rows;
          sizes = r.sizes;
        } finally {
          ens.close();
        }
        ranker = input.ensemble!;
      }
      const results = reqs.map((request, i): QueryResult => ({
        request,
        headName: dict.nameOf("entity", request.head),
        relationName: dict.nameOf("relation", request.relation),
        candidates: sizes[i]!,
        rows: rows[i]!.map((r) => ({ ...r, tailName: dict.nameOf("entity", r.tail) })),
      }));
      run.logMetrics({ queries: reqs.length, seconds: (performance.now() - t0) / 1000 });
      return { dataset: ds.name, ranker, results, notes: [...notes].map(([n, count]) => `${n} (${count} of ${reqs.length} queries)`) };
    });
  } finally {
    ds.close();
  }
}
