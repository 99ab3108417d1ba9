import Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { check, KgcError } from "../core/errors.js";
import { migrate } from "./schema.js";

/**
 * Run registry: one SQLite file (better-sqlite3, WAL) recording every stage run — what ran, on
 * which dataset and model, with which config and command line, its metrics over time, the files
 * it produced with their checksums, and how it ended. Several processes may write to it at once
 * (WAL + busy_timeout); each process opens its own connection.
 */

/** Where the registry lives unless `KGC_REGISTRY` or an explicit path says otherwise (cwd-relative). */
export const DEFAULT_REGISTRY_PATH = "models/registry.sqlite";

/** How long a connection waits for another writer's lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

export type RunStatus = "running" | "done" | "failed" | "killed";

export interface StartRunOptions {
  /** stage name, e.g. "train"; becomes the id prefix, so letters, digits, "_" and "-" only */
  stage: string;
  dataset: string;
  model?: string;
  /** the resolved config; stored as JSON */
  config: unknown;
  /** the command line, as one string or as argv (arguments are shell-quoted when joined) */
  command: string | readonly string[];
}

export interface RunFilter {
  stage?: string;
  dataset?: string;
  /** at most this many runs, most recent first */
  limit?: number;
}

/** One run as stored. Times are milliseconds since the Unix epoch. */
export interface RunRecord {
  id: string;
  stage: string;
  dataset: string;
  model: string | null;
  status: RunStatus;
  pid: number;
  hostname: string;
  startedAt: number;
  finishedAt: number | null;
  /** finished − started; now − started while running; null when killed (the end is unknown) */
  durationMs: number | null;
  config: unknown;
  command: string;
  error: string | null;
}

/** A listed run: the record plus the last value of each metric (keys: most recently logged first). */
export interface RunSummary extends RunRecord {
  lastMetrics: Record<string, number>;
}

/** All values logged under one metric name. NaN values count but do not take part in min/max. */
export interface MetricSummary {
  name: string;
  last: number;
  /** step of the last value (null when logged without a step) */
  step: number | null;
  count: number;
  min: number;
  max: number;
  wallTime: number;
}

export interface MetricPoint {
  name: string;
  step: number | null;
  value: number;
  wallTime: number;
}

export interface ArtefactRecord {
  /** absolute path */
  path: string;
  /** lower-case hex SHA-256 of the content */
  sha256: string;
  bytes: number;
  createdAt: number;
}

export interface RunDetails extends RunRecord {
  metrics: MetricSummary[];
  artefacts: ArtefactRecord[];
}

interface RunRow {
  id: string;
  stage: string;
  dataset: string;
  model: string | null;
  status: RunStatus;
  pid: number;
  hostname: string;
  started_at: number;
  finished_at: number | null;
  config_json: string;
  command: string;
  error: string | null;
}

interface MetricSummaryRow {
  name: string;
  count: number;
  min: number | null;
  max: number | null;
  last: number | null;
  step: number | null;
  wall_time: number;
  seq: number;
}

interface ArtefactRow {
  path: string;
  sha256: string;
  bytes: number;
  created_at: number;
}

/** The registry path: the explicit one, else `KGC_REGISTRY`, else models/registry.sqlite; resolved against cwd. */
export function registryPath(explicit?: string): string {
  const fromEnv = process.env["KGC_REGISTRY"];
  return resolve(explicit ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_REGISTRY_PATH));
}

/** Opens (creating and migrating if needed) the run registry. See `registryPath` for the default. */
export function openRegistry(path?: string): RunRegistry {
  return new RunRegistry(registryPath(path));
}

/** A registry connection. Synchronous (better-sqlite3) apart from hashing artefacts. */
export class RunRegistry {
  /** absolute path of the database file */
  readonly path: string;
  readonly #db: Database.Database;

  constructor(path: string) {
    this.path = path;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`); // before anything that takes a lock
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = NORMAL"); // durable enough in WAL mode, much faster commits
      this.#db.pragma("foreign_keys = ON");
    } catch (err) {
      throw new KgcError(path, `cannot open the run registry: ${messageOf(err)}`);
    }
    migrate(this.#db, path);
  }

  /** Records a new run as `running` under this process's pid and returns its handle. */
  startRun(options: StartRunOptions): RunHandle {
    check(/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(options.stage), "stage", `"${options.stage}" is not a valid stage name`);
    check(options.dataset !== "", "dataset", "must not be empty");
    const configJson = toJson(options.config);
    const command = typeof options.command === "string" ? options.command : joinCommand(options.command);
    const insert = this.#db.prepare(
      `INSERT INTO runs (id, stage, dataset, model, status, pid, hostname, started_at, config_json, command)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
    );
    for (let attempt = 0; ; attempt++) {
      const startedAt = Date.now();
      const id = newRunId(options.stage, startedAt);
      try {
        insert.run(id, options.stage, options.dataset, options.model ?? null, process.pid, hostname(), startedAt, configJson, command);
        return new RunHandle(this.#db, id);
      } catch (err) {
        // Two runs of one stage started in the same second drew the same 16 random bits: draw again.
        if (!(err instanceof Database.SqliteError && err.code === "SQLITE_CONSTRAINT_PRIMARYKEY") || attempt >= 8) throw err;
      }
    }
  }

  /** Runs, most recent first, with the last value of each metric. Dead `running` runs are marked `killed`. */
  listRuns(filter: RunFilter = {}): RunSummary[] {
    const limit = filter.limit ?? -1; // SQLite: a negative LIMIT means no limit
    if (filter.limit !== undefined) check(Number.isInteger(limit) && limit > 0, "limit", `must be a positive integer, got ${limit}`);
    const rows = this.#db
      .prepare(
        `SELECT * FROM runs WHERE (@stage IS NULL OR stage = @stage) AND (@dataset IS NULL OR dataset = @dataset)
         ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ stage: filter.stage ?? null, dataset: filter.dataset ?? null, limit }) as RunRow[];
    return rows.map((row) => {
      const lastMetrics: Record<string, number> = {};
      // Most recently logged first; names logged in one call (same wall time) keep their order.
      const recentFirst = this.#metricSummaryRows(row.id).sort((a, b) => b.wall_time - a.wall_time || a.seq - b.seq);
      for (const metric of recentFirst) lastMetrics[metric.name] = metric.last ?? Number.NaN;
      return { ...this.#toRecord(row), lastMetrics };
    });
  }

  /** One run with its metric summaries and artefacts. Unknown id → KgcError. */
  getRun(id: string): RunDetails {
    const row = this.#db.prepare("SELECT * FROM runs WHERE id = ?").get(id) as RunRow | undefined;
    if (row === undefined) throw new KgcError(this.path, `no run with id "${id}" (see: kgc runs list)`);
    const metrics = this.#metricSummaryRows(id).map(
      (m): MetricSummary => ({
        name: m.name,
        last: m.last ?? Number.NaN,
        step: m.step,
        count: m.count,
        min: m.min ?? Number.NaN,
        max: m.max ?? Number.NaN,
        wallTime: m.wall_time,
      }),
    );
    const artefacts = (
      this.#db.prepare("SELECT path, sha256, bytes, created_at FROM artefacts WHERE run_id = ? ORDER BY path").all(id) as ArtefactRow[]
    ).map((a): ArtefactRecord => ({ path: a.path, sha256: a.sha256, bytes: a.bytes, createdAt: a.created_at }));
    return { ...this.#toRecord(row), metrics, artefacts };
  }

  /** Every value logged for a run (optionally one metric name), in logging order — for plots. */
  metricHistory(id: string, name?: string): MetricPoint[] {
    this.getRun(id); // unknown id → KgcError
    const rows = this.#db
      .prepare(
        `SELECT name, step, value, wall_time FROM metrics WHERE run_id = @id AND (@name IS NULL OR name = @name) ORDER BY seq`,
      )
      .all({ id, name: name ?? null }) as { name: string; step: number | null; value: number | null; wall_time: number }[];
    return rows.map((r) => ({ name: r.name, step: r.step, value: r.value ?? Number.NaN, wallTime: r.wall_time }));
  }

  /** Closes the connection; handles from this registry stop working. */
  close(): void {
    this.#db.close();
  }

  #metricSummaryRows(runId: string): MetricSummaryRow[] {
    return this.#db
      .prepare(
        `SELECT s.name, s.count, s.min, s.max, m.value AS last, m.step, m.wall_time, m.seq
         FROM (SELECT name, COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max, MAX(seq) AS seq
               FROM metrics WHERE run_id = ? GROUP BY name) AS s
         JOIN metrics AS m ON m.seq = s.seq
         ORDER BY s.name`,
      )
      .all(runId) as MetricSummaryRow[];
  }

  /**
   * Converts a row, first settling a `running` run whose process is gone: it is marked `killed`
   * in the database (once seen dead, a later reuse of its pid must not revive it).
   */
  #toRecord(row: RunRow): RunRecord {
    let status = row.status;
    if (status === "running" && row.hostname === hostname() && !isProcessAlive(row.pid)) {
      this.#db.prepare("UPDATE runs SET status = 'killed' WHERE id = ? AND status = 'running'").run(row.id);
      status = "killed";
    }
    let durationMs: number | null = null;
    if (row.finished_at !== null) durationMs = row.finished_at - row.started_at;
    else if (status === "running") durationMs = Date.now() - row.started_at;
    return {
      id: row.id,
      stage: row.stage,
      dataset: row.dataset,
      model: row.model,
      status,
      pid: row.pid,
      hostname: row.hostname,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationMs,
      config: JSON.parse(row.config_json) as unknown,
      command: row.command,
      error: row.error,
    };
  }
}

/** The live side of one run: log metrics and artefacts, then `finish()` or `fail(error)` exactly once. */
export class RunHandle {
  readonly id: string;
  readonly #db: Database.Database;
  readonly #insertMetric: Database.Statement;
  #ended = false;

  constructor(db: Database.Database, id: string) {
    this.#db = db;
    this.id = id;
    this.#insertMetric = db.prepare("INSERT INTO metrics (run_id, step, name, value, wall_time) VALUES (?, ?, ?, ?, ?)");
  }

  /** Logs one value. NaN is kept (stored as NULL); `step` is a non-negative integer when given. */
  logMetric(name: string, value: number, step?: number): void {
    this.logMetrics({ [name]: value }, step);
  }

  /** Logs several values at the same step and wall time, in one transaction. */
  logMetrics(record: Readonly<Record<string, number>>, step?: number): void {
    this.#checkOpen();
    if (step !== undefined) check(Number.isSafeInteger(step) && step >= 0, this.id, `metric step must be a non-negative integer, got ${step}`);
    const entries = Object.entries(record);
    for (const [name, value] of entries) {
      check(name !== "", this.id, "metric name must not be empty");
      check(typeof value === "number", this.id, `metric "${name}" must be a number`);
    }
    const wallTime = Date.now();
    this.#db.transaction(() => {
      for (const [name, value] of entries) this.#insertMetric.run(this.id, step ?? null, name, Number.isNaN(value) ? null : value, wallTime);
    })();
  }

  /**
   * Records a file the run produced, with its size and SHA-256 (read as a stream, so any size
   * works). Registering the same path again replaces the entry (e.g. a rewritten checkpoint).
   */
  async addArtefact(path: string): Promise<ArtefactRecord> {
    this.#checkOpen();
    const absolute = resolve(path);
    let isFile: boolean;
    try {
      isFile = statSync(absolute).isFile();
    } catch {
      throw new KgcError(absolute, "artefact does not exist");
    }
    check(isFile, absolute, "artefact is not a regular file (register the files inside a folder one by one)");
    const { sha256, bytes } = await hashFile(absolute);
    const artefact: ArtefactRecord = { path: absolute, sha256, bytes, createdAt: Date.now() };
    this.#db
      .prepare("INSERT OR REPLACE INTO artefacts (run_id, path, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?)")
      .run(this.id, artefact.path, artefact.sha256, artefact.bytes, artefact.createdAt);
    return artefact;
  }

  /** Marks the run `done`. */
  finish(): void {
    this.#end("done", null);
  }

  /** Marks the run `failed` with the error's message. */
  fail(error: unknown): void {
    this.#end("failed", messageOf(error));
  }

  #end(status: "done" | "failed", error: string | null): void {
    this.#checkOpen();
    this.#ended = true;
    this.#db.prepare("UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?").run(status, Date.now(), error, this.id);
  }

  #checkOpen(): void {
    check(!this.#ended, this.id, "the run has already finished");
  }
}

/** SHA-256 and byte count of a file, streamed in 1 MiB chunks. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/** `<stage>-<yyyymmdd-hhmmss>-<4 random hex>`, the time in UTC. */
export function newRunId(stage: string, time: number): string {
  const iso = new Date(time).toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${stage}-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false; // kill(0) would signal our own group
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function joinCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(" ");
}

function toJson(config: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(config);
  } catch (err) {
    throw new KgcError("config", `cannot be stored as JSON: ${messageOf(err)}`);
  }
  check(json !== undefined, "config", "cannot be stored as JSON (it is undefined or a function)");
  return json;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
