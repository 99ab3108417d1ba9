import { type Command, InvalidArgumentError } from "commander";
import { existsSync } from "node:fs";
import { KgcError } from "../../core/errors.js";
import { openRegistry, registryPath } from "../../runs/index.js";
import type { ArtefactRecord, MetricSummary, RunDetails, RunRecord, RunSummary } from "../../runs/index.js";

/**
 * `kgc runs list|show`: read the run registry (models/registry.sqlite, or $KGC_REGISTRY, or
 * --registry). Parses flags, asks the registry, prints a table or JSON. Output goes through
 * commander's configured writer so tests can capture it.
 */
export function registerRunsCommand(program: Command): void {
  const runs = program.command("runs").description("list and inspect recorded stage runs (the run registry)");

  runs
    .command("list")
    .description("runs, most recent first: id, stage, dataset, model, status, start, duration, last metrics")
    .option("--stage <stage>", "only runs of this stage")
    .option("--dataset <name>", "only runs on this dataset")
    .option("--limit <n>", "at most n runs", parsePositiveInt)
    .option("--json", "print JSON instead of a table")
    .option("--registry <path>", "registry file (default: $KGC_REGISTRY or models/registry.sqlite)")
    .action((options: ListOptions, command: Command) => {
      // a reading command creates nothing: no registry file means no runs
      const path = registryPath(options.registry);
      if (!existsSync(path)) return writerOf(command)(`no runs recorded in ${path}\n`);
      const registry = openRegistry(options.registry);
      try {
        const list = registry.listRuns({
          ...(options.stage !== undefined && { stage: options.stage }),
          ...(options.dataset !== undefined && { dataset: options.dataset }),
          ...(options.limit !== undefined && { limit: options.limit }),
        });
        const write = writerOf(command);
        if (options.json === true) write(`${JSON.stringify(list.map(summaryToJson), null, 2)}\n`);
        else write(list.length === 0 ? `no runs recorded in ${registry.path}\n` : formatRunList(list));
      } finally {
        registry.close();
      }
    });

  runs
    .command("show")
    .description("one run: config, metrics (last value and count per name), artefacts with checksums")
    .argument("<id>", "run id (see: kgc runs list)")
    .option("--json", "print JSON instead of text")
    .option("--registry <path>", "registry file (default: $KGC_REGISTRY or models/registry.sqlite)")
    .action((id: string, options: ShowOptions, command: Command) => {
      const path = registryPath(options.registry);
      if (!existsSync(path)) throw new KgcError(path, "no run registry here (nothing has run yet, or a wrong --registry)");
      const registry = openRegistry(options.registry);
      try {
        const run = registry.getRun(id);
        const write = writerOf(command);
        write(options.json === true ? `${JSON.stringify(detailsToJson(run), null, 2)}\n` : formatRunDetails(run));
      } finally {
        registry.close();
      }
    });
}

interface ListOptions {
  stage?: string;
  dataset?: string;
  limit?: number;
  json?: boolean;
  registry?: string;
}

interface ShowOptions {
  json?: boolean;
  registry?: string;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function writerOf(command: Command): (text: string) => void {
  const writeOut = command.configureOutput().writeOut;
  return writeOut ?? ((text: string) => void process.stdout.write(text));
}

// ---- JSON: the records as the registry returns them, times as ISO-8601 strings ---------------

function recordToJson(run: RunRecord): Record<string, unknown> {
  return { ...run, startedAt: isoTime(run.startedAt), finishedAt: run.finishedAt === null ? null : isoTime(run.finishedAt) };
}

function summaryToJson(run: RunSummary): Record<string, unknown> {
  return recordToJson(run); // lastMetrics included; NaN becomes null
}

function detailsToJson(run: RunDetails): Record<string, unknown> {
  return {
    ...recordToJson(run),
    metrics: run.metrics.map((m) => ({ ...m, wallTime: isoTime(m.wallTime) })),
    artefacts: run.artefacts.map((a) => ({ ...a, createdAt: isoTime(a.createdAt) })),
  };
}

// ---- text --------------------------------------------------------------------------------------

/** How many metrics the list shows per run (the most recently logged ones). */
const LIST_METRICS = 3;

function formatRunList(list: readonly RunSummary[]): string {
  const rows = list.map((run) => {
    const names = Object.keys(run.lastMetrics);
    const shown = names.slice(0, LIST_METRICS).map((name) => `${name}=${formatNumber(run.lastMetrics[name] ?? Number.NaN)}`);
    if (names.length > LIST_METRICS) shown.push(`(+${names.length - LIST_METRICS})`);
    return [run.id, run.stage, run.dataset, run.model ?? "-", run.status, displayTime(run.startedAt), formatDuration(run.durationMs), shown.join(" ")];
  });
  return formatTable(["id", "stage", "dataset", "model", "status", "started (UTC)", "duration", "last metrics"], rows);
}

function formatRunDetails(run: RunDetails): string {
  const fields: [string, string][] = [
    ["id", run.id],
    ["stage", run.stage],
    ["dataset", run.dataset],
    ["model", run.model ?? "-"],
    ["status", run.status],
    ["started", `${displayTime(run.startedAt)} UTC`],
    ["finished", run.finishedAt === null ? "-" : `${displayTime(run.finishedAt)} UTC`],
    ["duration", formatDuration(run.durationMs)],
    ["process", `pid ${run.pid} on ${run.hostname}`],
    ["command", run.command],
  ];
  if (run.error !== null) fields.push(["error", run.error]);
  const width = Math.max(...fields.map(([key]) => key.length));
  let text = fields.map(([key, value]) => `${key.padEnd(width)}  ${value}\n`).join("");
  text += `\nconfig\n${indent(JSON.stringify(run.config, null, 2))}\n`;
  text += `\nmetrics\n${run.metrics.length === 0 ? "  (none)\n" : indent(formatMetrics(run.metrics))}`;
  text += `\nartefacts\n${run.artefacts.length === 0 ? "  (none)\n" : indent(formatArtefacts(run.artefacts))}`;
  return text;
}

function formatMetrics(metrics: readonly MetricSummary[]): string {
  const rows = metrics.map((m) => [m.name, formatNumber(m.last), m.step === null ? "-" : String(m.step), String(m.count), formatNumber(m.min), formatNumber(m.max)]);
  return formatTable(["name", "last", "step", "count", "min", "max"], rows);
}

function formatArtefacts(artefacts: readonly ArtefactRecord[]): string {
  const rows = artefacts.map((a) => [a.sha256, formatBytes(a.bytes), a.path]);
  return formatTable(["sha256", "size", "path"], rows);
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] ?? "").length)));
  const line = (cells: readonly string[]): string => `${cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join("  ").trimEnd()}\n`;
  return line(headers) + rows.map(line).join("");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(5)));
  return value.toExponential(3);
}

function formatDuration(ms: number | null): string {
  if (ms === null) return "-";
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.floor(seconds) % 60;
  const m = Math.floor(seconds / 60) % 60;
  const h = Math.floor(seconds / 3600);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(s).padStart(2, "0")}s`;
}

function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** "2025-01-02 03:04:05" (UTC) */
function displayTime(ms: number): string {
  return isoTime(ms).slice(0, 19).replace("T", " ");
}
