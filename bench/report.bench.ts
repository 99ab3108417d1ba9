/**
 * What the report's plotting library costs: vega-lite + vega, server-side SVG. Measures the import
 * of both packages, compile + render of each plot kind the report draws at realistic sizes, and
 * their installed size (every package in their dependency tree, from `npm ls`); next to a baseline
 * measured in the same run: the same line data written as a bare SVG polyline by hand (no axes, no
 * legend: the floor any library is above). One JSON line per measurement.
 *
 *   node dist/bench/report.bench.js [--reps 10]
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../tests/helpers.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/report.bench.js [--reps 10]";
const cli = benchArgs(USAGE, { reps: { type: "string", default: "10" } });
const REPS = Math.round(positive(USAGE, "reps", cli.reps));

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return total;
}

/** Hand-written polyline per series, scaled into a 560 x 220 box: the no-library floor. */
function bareSvg(rows: { x: number; y: number; series: string }[]): string {
  const xs = rows.map((r) => r.x), ys = rows.map((r) => r.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const series = [...new Set(rows.map((r) => r.series))];
  const lines = series.map((s) => `<polyline fill="none" stroke="#4c78a8" points="${rows.filter((r) => r.series === s).map((r) => `${(((r.x - x0) / (x1 - x0)) * 560).toFixed(1)},${(220 - ((r.y - y0) / (y1 - y0)) * 220).toFixed(1)}`).join(" ")}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="560" height="220">${lines.join("")}</svg>`;
}

let t0 = performance.now();
const { barChart, lineChart, renderSvg } = await import("../src/report/plots.js");
emit("report plots: import vega + vega-lite (cold)", {}, performance.now() - t0, "ms");

const loss = Array.from({ length: 4 }, (_, m) => Array.from({ length: 500 }, (_, i) => ({ x: i * 100, y: 1 / (1 + i / (20 + m)) + 0.3, series: `model${m}` }))).flat();
const bars = Array.from({ length: 25 }, (_, r) => Array.from({ length: 4 }, (_, m) => ({ label: `relation${r}`, value: ((r * 7 + m * 3) % 10) / 10, series: `model${m}` }))).flat();
const cases = [
  { name: "line, 4 series x 500 steps", spec: () => lineChart(loss, "step", "loss") },
  { name: "grouped bars, 25 relations x 4 models", spec: () => barChart(bars, "relation", "MRR", bars.filter((b) => b.series === "model0").map((b) => b.label)) },
];
for (const c of cases) {
  await renderSvg(c.spec()); // warm-up: first render compiles vega's dataflow code paths
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < REPS; i++) {
    t0 = performance.now();
    size = (await renderSvg(c.spec())).length;
    times.push(performance.now() - t0);
  }
  emit(`report plots: vega-lite compile + vega SVG render, ${c.name}`, { reps: REPS, svgBytes: size }, median(times), "ms median");
}
const bare: number[] = [];
let bareSize = 0;
for (let i = 0; i < REPS; i++) {
  t0 = performance.now();
  bareSize = bareSvg(loss).length;
  bare.push(performance.now() - t0);
}
emit("report plots: baseline hand-written polyline SVG, line, 4 series x 500 steps", { reps: REPS, svgBytes: bareSize }, median(bare), "ms median");

// every package vega and vega-lite pull in, walked through package-lock.json (hoisted or nested)
const lock = JSON.parse(readFileSync(join(projectRoot, "package-lock.json"), "utf8")) as { packages: Record<string, { dependencies?: Record<string, string> }> };
const seen = new Set<string>();
const queue = ["node_modules/vega", "node_modules/vega-lite"];
while (queue.length > 0) {
  const at = queue.pop()!;
  if (seen.has(at) || !lock.packages[at]) continue;
  seen.add(at);
  for (const dep of Object.keys(lock.packages[at]!.dependencies ?? {})) {
    // node's resolution: the nearest node_modules folder up from the dependent that holds it
    let base = at;
    for (;;) {
      const candidate = `${base}/node_modules/${dep}`;
      if (lock.packages[candidate]) { queue.push(candidate); break; }
      const cut = base.lastIndexOf("/node_modules/");
      if (cut < 0) { queue.push(`node_modules/${dep}`); break; }
      base = base.slice(0, cut);
    }
  }
}
emit("report plots: installed size of vega + vega-lite and every dependency", { packages: seen.size }, [...seen].reduce((s, p) => s + bytesUnder(join(projectRoot, p)), 0) / 2 ** 20, "MB");
