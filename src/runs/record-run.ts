import { openRegistry, type RunHandle, type StartRunOptions } from "./registry.js";

/**
 * Runs a stage inside a registry record: the run is `running` while `work` runs, `done` when it
 * returns and `failed` (with the error, which is rethrown) when it throws; the registry is closed
 * either way. Stages log their metrics and artefacts through the handle.
 */
export async function recordRun<T>(options: StartRunOptions, work: (run: RunHandle) => Promise<T> | T): Promise<T> {
  const registry = openRegistry();
  try {
    const run = registry.startRun(options);
    try {
      const result = await work(run);
      run.finish();
      return result;
    } catch (err) {
      run.fail(err);
      throw err;
    }
  } finally {
    registry.close();
  }
}
