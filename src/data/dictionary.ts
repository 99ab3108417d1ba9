import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { KgcError } from "../core/errors.js";

/**
 * The id <-> name dictionary of a prepared dataset (SQLite). Datasets imported from named
 * triples (TSV, Arrow/Parquet with string columns) store every name; datasets whose source has
 * only ids (OGB WikiKG90M, the synthetic set) store no rows and use the decimal id as the name.
 */
export type Kind = "entity" | "relation";

const TABLE: Record<Kind, string> = { entity: "entities", relation: "relations" };

/** Writes a dictionary file (the caller writes it inside an atomic folder). */
export function writeDictionary(path: string, entityNames: readonly string[] | null, relationNames: readonly string[] | null): void {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = DELETE");
    db.exec(`CREATE TABLE entities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE relations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
    const fill = (table: string, names: readonly string[] | null): void => {
      if (!names) return;
      const insert = db.prepare(`INSERT INTO ${table} (id, name) VALUES (?, ?)`);
      db.transaction(() => names.forEach((name, id) => insert.run(id, name)))();
    };
    fill("entities", entityNames);
    fill("relations", relationNames);
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run("named", entityNames ? "1" : "0");
  } finally {
    db.close();
  }
}

export class Dictionary {
  private readonly db: Database.Database;
  readonly named: boolean;

  constructor(readonly path: string, private readonly counts: Record<Kind, number>) {
    if (!existsSync(path)) throw new KgcError(path, "dictionary not found (is this a prepared dataset folder?)");
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      const row = this.db.prepare("SELECT value FROM meta WHERE key = 'named'").get() as { value: string } | undefined;
      this.named = row?.value === "1";
    } catch (err) {
      throw this.corrupt(err);
    }
  }

  /** A SQLite failure (a truncated or overwritten file opens and fails at its first damaged page). */
  private corrupt(err: unknown): KgcError {
    return err instanceof KgcError ? err : new KgcError(this.path, `corrupt dictionary (${(err as Error).message}); re-import the dataset`);
  }

  private query<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      throw this.corrupt(err);
    }
  }

  /** Id of a name, or of a decimal id string for unnamed datasets; throws a KgcError when unknown. */
  idOf(kind: Kind, name: string): number {
    if (this.named) {
      const row = this.query(() => this.db.prepare(`SELECT id FROM ${TABLE[kind]} WHERE name = ?`).get(name) as { id: number } | undefined);
      if (row) return row.id;
      if (!/^\d+$/.test(name)) throw new KgcError(this.path, `unknown ${kind} name '${name}'`);
    }
    const id = /^\d+$/.test(name) ? Number(name) : NaN;
    if (!(id >= 0 && id < this.counts[kind])) throw new KgcError(this.path, `unknown ${kind} '${name}' (ids are 0..${this.counts[kind] - 1})`);
    return id;
  }

  /** Name of an id (the decimal id for unnamed datasets). */
  nameOf(kind: Kind, id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.counts[kind])) throw new KgcError(this.path, `${kind} id ${id} outside 0..${this.counts[kind] - 1}`);
    if (!this.named) return String(id);
    const row = this.query(() => this.db.prepare(`SELECT name FROM ${TABLE[kind]} WHERE id = ?`).get(id) as { name: string } | undefined);
    return row ? row.name : String(id);
  }

  /** All names in id order (unnamed datasets: null). */
  allNames(kind: Kind): string[] | null {
    if (!this.named) return null;
    return this.query(() => this.db.prepare(`SELECT name FROM ${TABLE[kind]} ORDER BY id`).all() as { name: string }[]).map((r) => r.name);
  }

  close(): void {
    this.db.close();
  }
}
