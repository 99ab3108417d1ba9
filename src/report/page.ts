/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG plots, no script, no
 * external reference) built from the collected ReportData. Every section that lacks its artefacts
 * says which are missing instead of failing.
 */
import type { RankMetrics } from "../eval/index.js";
import type { RunSummary } from "../runs/index.js";
import type { EnsembleArtefacts, ModelArtefacts, ReportData } from "./collect.js";
import { barChart, lineChart, renderSvg } from "./plots.js";

/** Relations shown per MRR plot: the ones with most queries (WikiKG90M has 1,315). */
const TOP_RELATIONS = 25;
const RUNS_SHOWN = 50;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const fmt = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits));

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const absent = (what: string): string => `<p class="absent">${escapeHtml(what)}</p>`;

async function figure(id: string, caption: string, svg: Promise<string>): Promise<string> {
  return `<figure class="plot" data-plot="${escapeHtml(id)}">${await svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function runsSection(runs: RunSummary[]): string {
  if (runs.length === 0) return absent("The run registry has no runs yet.");
  const rows = runs.slice(0, RUNS_SHOWN).map((r) => [
    r.id, r.stage, r.dataset, r.model ?? "", r.status, r.durationMs === null ? "" : `${(r.durationMs / 1000).toFixed(1)} s`,
    Object.entries(r.lastMetrics).slice(0, 4).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(" "),
  ]);
  return table(["run", "stage", "dataset", "model", "status", "duration", "last metrics"], rows) + (runs.length > RUNS_SHOWN ? `<p>${runs.length - RUNS_SHOWN} older runs not shown.</p>` : "");
}

async function curvesSection(models: ModelArtefacts[]): Promise<string> {
  if (models.length === 0) return absent("No trained model is recorded in the registry (train one with `kgc train`).");
  const parts: string[] = [];
  for (const ds of new Set(models.map((m) => m.dataset))) {
    const mine = models.filter((m) => m.dataset === ds);
    const label = (m: ModelArtefacts): string => (mine.filter((o) => o.model === m.model).length > 1 ? `${m.model} (${m.dir})` : m.model);
    const loss = mine.flatMap((m) => m.metrics.filter((r) => typeof r["loss"] === "number").map((r) => ({ x: r["step"]!, y: r["loss"]!, series: label(m) })));
    const valid = mine.flatMap((m) => m.metrics.flatMap((r) => Object.keys(r).filter((k) => /^valid_mrr/.test(k)).map((k) => ({ x: r["step"]!, y: r[k]!, series: `${label(m)} ${k.replace(/^valid_mrr_/, "")}` }))));
    parts.push(`<h3>${escapeHtml(ds)}</h3>`);
    parts.push(loss.length ? await figure(`loss-${ds}`, `training loss per step (${ds})`, renderSvg(lineChart(loss, "step", "loss"))) : absent(`No loss lines in the metrics.jsonl of ${ds}'s models.`));
    parts.push(valid.length ? await figure(`valid-${ds}`, `sampled validation MRR per step (${ds})`, renderSvg(lineChart(valid, "step", "MRR"))) : absent(`No sampled validation in the metrics.jsonl of ${ds}'s models.`));
    for (const m of mine) for (const p of m.problems) parts.push(absent(p));
  }
  return parts.join("\n");
}

async function relationSection(models: ModelArtefacts[], relationName: (dataset: string, id: number) => string): Promise<string> {
  const evals = models.flatMap((m) => m.evals.map((e) => ({ m, ...e })));
  if (evals.length === 0) return absent("No eval-<split>.json with the filtered protocol (run `kgc eval --protocol filtered|both`).");
  const parts: string[] = [];
  for (const key of new Set(evals.map((e) => `${e.m.dataset}\u0000${e.split}`))) {
    const [ds, split] = key.split("\u0000") as [string, string];
    const mine = evals.filter((e) => e.m.dataset === ds && e.split === split);
    const count = new Map<number, number>();
    for (const e of mine) for (const r of (e.filtered as RankMetrics).byRelation) count.set(r.relation, Math.max(count.get(r.relation) ?? 0, r.both.count));
    const shown = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, TOP_RELATIONS).map(([r]) => r);
    const keep = new Set(shown);
    const rows = mine.flatMap((e) => e.filtered.byRelation.filter((r) => keep.has(r.relation)).map((r) => ({ label: relationName(ds, r.relation), value: r.both.mrr, series: e.m.model })));
    const caption = `filtered MRR per relation, ${ds} ${split}${count.size > shown.length ? ` (the ${shown.length} relations with most queries of ${count.size})` : ""}`;
    parts.push(await figure(`relations-${ds}-${split}`, caption, renderSvg(barChart(rows, "relation", "MRR", shown.map((r) => relationName(ds, r))))));
    parts.push(table(["model", "MRR", "MR", "Hits@1", "Hits@10", "queries"], mine.map((e) => [e.m.model, fmt(e.filtered.overall.mrr), fmt(e.filtered.overall.meanRank, 1), fmt(e.filtered.overall.hits1), fmt(e.filtered.overall.hits10), String(e.filtered.overall.count)])));
  }
  return parts.join("\n");
}

async function ensembleSection(ensembles: EnsembleArtefacts[]): Promise<string> {
  if (ensembles.length === 0) return absent("No dataset in the registry, so no ensemble to show.");
  const parts: string[] = [];
  for (const e of ensembles) {
    parts.push(`<h3>${escapeHtml(e.dataset)} <small>${escapeHtml(e.dir)}</small></h3>`);
    for (const p of e.problems) parts.push(absent(p));
    const w = e.weights;
    if (w) {
      const groups = w.groups.map((g) => (g.relations === null ? "other relations" : `relations ${g.relations.slice(0, 6).join(", ")}${g.relations.length > 6 ? ", …" : ""}`));
      const rows = w.groups.flatMap((g, gi) => g.weights.map((value, i) => ({ label: w.inputs[i]?.name ?? `#${i}`, value, series: groups[gi]! })));
      parts.push(await figure(`weights-${e.dataset}`, `ensemble weights (${w.search}, fitted on ${w.split}: ${w.queries} queries x ${w.width} candidates)`, renderSvg(barChart(rows, "input", "weight", w.inputs.map((i) => i.name)))));
      parts.push(table(["input", "kind", "normalisation", ...groups], w.inputs.map((input, i) => [input.name, input.kind, input.normalisation, ...w.groups.map((g) => fmt(g.weights[i]))])));
      parts.push(`<p>Held-out MRR ${fmt(w.heldOutMrr)}, in-sample ${fmt(w.inSampleMrr)} over ${w.folds.length} folds.</p>`);
      if (w.folds.length) parts.push(table(["fold", "queries", "held-out MRR", "in-sample MRR"], w.folds.map((f, i) => [String(i + 1), String(f.queries), fmt(f.heldOutMrr), fmt(f.inSampleMrr)])));
    }
    const a = e.ablation;
    if (a) {
      const rows = a.rows.flatMap((r) => [{ label: r.label, value: r.heldOutMrr, series: "held-out" }, { label: r.label, value: r.inSampleMrr, series: "in-sample" }]);
      parts.push(await figure(`ablation-${e.dataset}`, "ablation: MRR of input subsets", renderSvg(barChart(rows, "inputs", "MRR", a.rows.map((r) => r.label)))));
      parts.push(table(["inputs", "held-out MRR", "in-sample MRR", "members"], a.rows.map((r) => [r.label, fmt(r.heldOutMrr), fmt(r.inSampleMrr), r.inputs.join(", ")])));
    }
  }
  return parts.join("\n");
}

const STYLE = `body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f2f2}figure{margin:1em 0}figcaption{font-size:13px;color:#555}.absent{color:#8a5a00;background:#fff6e0;padding:4px 8px}
h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:2em}small{color:#777;font-weight:normal}`;

export async function renderPage(d: ReportData, title: string, relationName: (dataset: string, id: number) => string): Promise<string> {
  const sections: [string, string, string][] = [
    ["runs", "Runs", runsSection(d.runs)],
    ["curves", "Training curves", await curvesSection(d.models)],
    ["relations", "MRR per relation", await relationSection(d.models, relationName)],
    ["ensemble", "Ensemble weights and ablation", await ensembleSection(d.ensembles)],
  ];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1><p>Generated ${new Date().toISOString()} from the run registry ${escapeHtml(d.registry)}.</p>
${sections.map(([id, h, body]) => `<section id="${id}"><h2>${h}</h2>\n${body}\n</section>`).join("\n")}
</body></html>
`;
}
