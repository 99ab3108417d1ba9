/**
 * `kgc predict` output: TSV (one line per reported candidate, a header line first, `--explain`
 * adding one column per input and quantity) or JSON (one object per query).
 */
import type { PredictResult } from "./predict.js";

export type PredictFormat = "tsv" | "json";

const num = (x: number | null): string => (x === null ? "-" : Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(7))));

export function formatPredictions(p: PredictResult, format: PredictFormat): string {
  if (format === "json") {
    const results = p.results.map((r, i) => ({
      query: i + 1,
      source: r.request.source,
      head: { id: r.request.head, name: r.headName },
      relation: { id: r.request.relation, name: r.relationName },
      ...(r.request.tail !== null ? { tail: { id: r.request.tail, name: r.rows[0]!.tailName } } : {}),
      candidates: r.candidates,
      predictions: r.rows.map((row) => ({ rank: row.rank, tail: { id: row.tail, name: row.tailName }, score: row.score, ...(row.explain ? { explain: row.explain } : {}) })),
    }));
    return JSON.stringify({ dataset: p.dataset, ranker: p.ranker, notes: p.notes, results }, null, 2) + "\n";
  }
  const first = p.results[0]?.rows[0]?.explain ?? null;
  const ensemble = first?.some((e) => e.contribution !== null) ?? false;
  const explainHeader = (first ?? []).flatMap((e) => (ensemble ? [`${e.input}.raw`, `${e.input}.contribution`, `${e.input}.rank`] : [`${e.input}.raw`, `${e.input}.rank`]));
  const lines = [["query", "head", "relation", "rank", "tail", "score", ...explainHeader].join("\t")];
  p.results.forEach((r, i) => {
    for (const row of r.rows) {
      const explain = (row.explain ?? []).flatMap((e) => (ensemble ? [num(e.raw), num(e.contribution), num(e.rank)] : [num(e.raw), num(e.rank)]));
      lines.push([String(i + 1), r.headName, r.relationName, num(row.rank), row.tailName, num(row.score), ...explain].join("\t"));
    }
  });
  return lines.join("\n") + "\n";
}
