import type { Command } from "commander";
import { info } from "../../core/log.js";
import { reportStage } from "../../report/report.js";

/** `kgc report [--data DIR] [--out report]`: parses flags, delegates. */
export function registerReportCommand(program: Command): void {
  program
    .command("report")
    .description("report/index.html from the run registry and the artefacts: runs, loss and sampled-validation curves, per-relation MRR, "
      + "ensemble weights and ablation (SVG plots inline, viewable offline; sections without artefacts say so)")
    .option("--data <dir>", "prepared dataset folder: only its runs, and its relation names (default: every dataset in the registry)")
    .option("--out <dir>", "output folder", "report")
    .action(async (o: { data?: string; out: string }) => {
      const r = await reportStage({ dataDir: o.data, outDir: o.out, command: process.argv.slice(1) });
      info(`report: ${r.runs} runs, ${r.models} model folders, ${r.ensembles} ensembles, ${r.plots} plots -> ${r.outPath}`);
    });
}
