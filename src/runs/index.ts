/** Run registry: what ran, with which config, its metrics, artefacts and outcome (SQLite). */
export {
  DEFAULT_REGISTRY_PATH,
  RunHandle,
  RunRegistry,
  hashFile,
  isProcessAlive,
  newRunId,
  openRegistry,
  registryPath,
} from "./registry.js";
export type {
  ArtefactRecord,
  MetricPoint,
  MetricSummary,
  RunDetails,
  RunFilter,
  RunRecord,
  RunStatus,
  RunSummary,
  StartRunOptions,
} from "./registry.js";
export { recordRun } from "./record-run.js";
export { MIGRATIONS, SCHEMA_VERSION, migrate } from "./schema.js";
