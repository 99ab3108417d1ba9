/**
 * The report stage: run registry + artefacts -> <out>/index.html, one self-contained page (plots
 * as inline SVG) viewable offline. Only index.html is replaced, atomically; nothing else in the
 * output folder is touched.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic.js";
import { openDataset, type Dataset } from "../data/dataset.js";
import { openRegistry } from "../runs/index.js";
import { collectReport } from "./collect.js";
import { renderPage } from "./page.js";

export interface ReportStageInput {
  /** a prepared dataset: only its runs, and its relation names on the plots */
  dataDir?: string | undefined;
  outDir: string;
  command: readonly string[];
}

export interface ReportStageResult {
  outPath: string;
  runs: number;
  models: number;
  ensembles: number;
  plots: number;
}

export async function reportStage(input: ReportStageInput): Promise<ReportStageResult> {
  const ds: Dataset | null = input.dataDir !== undefined ? openDataset(input.dataDir) : null;
  const registry = openRegistry();
  try {
    const data = collectReport(registry, ds?.name ?? null);
    const dict = ds?.dictionary() ?? null;
    const relationName = (dataset: string, id: number): string => (dict && dataset === ds!.name && id < ds!.numRelations ? dict.nameOf("relation", id) : String(id));
    const run = registry.startRun({ stage: "report", dataset: ds?.name ?? "all", config: { dataDir: input.dataDir, outDir: input.outDir }, command: input.command });
    try {
      const html = await renderPage(data, `kgc report${ds ? ` — ${ds.name}` : ""}`, relationName);
      const outPath = join(input.outDir, "index.html");
      writeFileAtomic(outPath, html);
      const plots = (html.match(/<figure class="plot"/g) ?? []).length;
      run.logMetrics({ plots, bytes: Buffer.byteLength(html) });
      await run.addArtefact(outPath);
      run.finish();
      return { outPath, runs: data.runs.length, models: data.models.length, ensembles: data.ensembles.filter((e) => e.weights || e.ablation).length, plots };
    } catch (err) {
      run.fail(err);
      throw err;
    }
  } finally {
    registry.close();
    ds?.close();
  }
}
