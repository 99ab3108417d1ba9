import { recordRun, type RunHandle } from "../runs/index.js";

/**
 * Runs a stage inside a registry record: the run is `running` while it works, `done` with the
 * metrics the stage returns, or `failed` with the error (which is then rethrown for the CLI).
 */
export interface RunSpec {
  stage: string;
  dataset: string;
  model?: string;
  config: unknown;
}

export async function withRun(spec: RunSpec, work: (run: RunHandle) => Promise<Record<string, number> | void>): Promise<void> {
  await recordRun({ ...spec, command: process.argv.slice(1) }, async (run) => {
    const metrics = await work(run);
    if (metrics) run.logMetrics(metrics);
  });
}
