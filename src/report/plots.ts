/**
 * Report plots: Vega-Lite specs compiled and rendered to SVG strings on the server (vega's
 * headless View, renderer "none"), so the page embeds finished SVG and needs neither a script nor
 * the network to show them. Each builder documents the rows it takes.
 */
import type { TopLevelSpec } from "vega-lite";

const WIDTH = 560;
const HEIGHT = 220;
const CONFIG = { font: "sans-serif", view: { stroke: "#ddd" }, axis: { labelLimit: 160 }, legend: { labelLimit: 280 } };

/** Renders a Vega-Lite spec to an SVG string. vega and vega-lite (~150 modules, a quarter of a
 * second) load here, on the report's first plot, not at every kgc start. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ compile }, { parse, View }] = await Promise.all([import("vega-lite"), import("vega")]);
  const view = new View(parse(compile({ ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** rows: { x, y, series }: one line per series (e.g. the loss of each model over its steps). */
export function lineChart(rows: { x: number; y: number; series: string }[], xTitle: string, yTitle: string): TopLevelSpec {
  return {
    width: WIDTH, height: HEIGHT, data: { values: rows },
    mark: { type: "line", point: rows.length <= 60, tooltip: true },
    encoding: {
      x: { field: "x", type: "quantitative", title: xTitle },
      y: { field: "y", type: "quantitative", title: yTitle, scale: { zero: false } },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}

/** rows: { label, value, series }: grouped bars, one group per label (e.g. MRR per relation and model). */
export function barChart(rows: { label: string; value: number; series: string }[], labelTitle: string, valueTitle: string, sortLabels: string[]): TopLevelSpec {
  return {
    width: WIDTH, height: HEIGHT, data: { values: rows },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "label", type: "nominal", title: labelTitle, sort: sortLabels, axis: { labelAngle: -40 } },
      xOffset: { field: "series", type: "nominal" },
      y: { field: "value", type: "quantitative", title: valueTitle },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}
