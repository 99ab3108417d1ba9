import type { Database } from "better-sqlite3";
import { KgcError } from "../core/errors.js";

/**
 * Run registry schema, versioned with `PRAGMA user_version`.
 *
 * MIGRATIONS[i] takes a database from version i to version i + 1; a fresh file is version 0.
 * Never edit a migration that has shipped: append a new one instead, so every existing registry
 * upgrades through the same steps.
 *
 * Times are INTEGER milliseconds since the Unix epoch (UTC): sortable, cheap, exact. A metric value
 * is NULL when it was NaN (SQLite has no NaN; a diverging loss is still worth recording).
 */
export const MIGRATIONS: readonly string[] = [
  // v1: runs, metrics, artefacts
  `
  CREATE TABLE IF NOT EXISTS runs (
    id           TEXT    PRIMARY KEY,                -- <stage>-<yyyymmdd-hhmmss>-<4 hex>
    stage        TEXT    NOT NULL,
    dataset      TEXT    NOT NULL,
    model        TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed', 'killed')),
    pid          INTEGER NOT NULL,
    hostname     TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    config_json  TEXT    NOT NULL,
    command      TEXT    NOT NULL,
    error        TEXT
  );
  CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at DESC);
  CREATE INDEX IF NOT EXISTS runs_by_stage ON runs (stage, dataset);

  CREATE TABLE IF NOT EXISTS metrics (
    seq        INTEGER PRIMARY KEY,                  -- insertion order: "last value" means max seq
    run_id     TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    step       INTEGER,
    name       TEXT    NOT NULL,
    value      REAL,
    wall_time  INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS metrics_by_run ON metrics (run_id, name, seq);

  CREATE TABLE IF NOT EXISTS artefacts (
    run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    path        TEXT    NOT NULL,                    -- absolute path
    sha256      TEXT    NOT NULL,                    -- lower-case hex
    bytes       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (run_id, path)
  );
  `,
];

/** The schema version this build of kgc writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `db` up to SCHEMA_VERSION. The version is re-read inside an IMMEDIATE transaction so two
 * processes opening a fresh file at the same time do not both migrate it. `file` names the
 * database in errors.
 */
export function migrate(db: Database, file: string): void {
  // Fast path: an up-to-date registry needs no write lock just to be opened.
  if ((db.pragma("user_version", { simple: true }) as number) === SCHEMA_VERSION) return;
  const upgrade = db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new KgcError(
        file,
        `registry schema version ${current} is newer than this kgc understands (${SCHEMA_VERSION}); upgrade kgc`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version] as string);
    }
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  upgrade.immediate();
}
