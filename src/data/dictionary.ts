import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { editDistance } from "../core/edit-distance.js";
import { KgcError } from "../core/errors.js";

/**
 * The id <-> name dictionary of a prepared dataset (SQLite). Datasets imported from named
 * triples (TSV, Arrow/Parquet with string columns) store every name; datasets whose source has
 * only ids (OGB WikiKG90M, the synthetic set) store no rows and use the decimal id as the name.
 */
export type Kind = "entity" | "relation";

const TABLE: Record<Kind, string> = { entity: "entities", relation: "relations" };

/** Names that sort after every name starting with a prefix (U+10FFFF, the last code point). */
const AFTER_PREFIX = "\u{10FFFF}";
/** Names read per probe of the name index when looking for close matches. */
const PROBE_ROWS = 64;
/** One-edit probes keep at least this many leading characters, so none is a range over most of the table. */
const MIN_KEPT = 3;

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
      if (!/^\d+$/.test(name)) {
        const close = this.closeNames(kind, name);
        throw new KgcError(this.path, `unknown ${kind} name '${name}'${close.length ? `; close matches: ${close.map((c) => `'${c}'`).join(", ")}` : ""}`);
      }
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

  /**
   * Up to `limit` known names closest to `name` by edit distance, nearest first. Candidates come
   * from range seeks in the names' UNIQUE index, never from a scan of the table, so the cost grows
   * with the names sharing a prefix with `name`, not with the dictionary (87M on WikiKG90M):
   *  - its lexicographic neighbours and the names sharing its longest prefix (a truncated name);
   *  - every one-edit variant that keeps a prefix name[0, i) of at least MIN_KEPT characters:
   *    name without character i (one typed too many), name[0, i) + any character + name[i+1..]
   *    (one mistyped) and name[0, i) + any character + name[i..] (one dropped);
   *  - the same with the first letter's case flipped and with the first character dropped.
   * A typo within the first MIN_KEPT characters combined with a second edit can be missed; that
   * is the price of not scanning millions of rows (bench/predict.bench.ts measures the recall).
   */
  closeNames(kind: Kind, name: string, limit = 5): string[] {
    if (!this.named || name === "") return [];
    const table = TABLE[kind];
    const range = this.db.prepare(`SELECT name FROM ${table} WHERE name >= ? AND name < ? ORDER BY name LIMIT ${PROBE_ROWS}`).pluck();
    const below = this.db.prepare(`SELECT name FROM ${table} WHERE name < ? ORDER BY name DESC LIMIT ${PROBE_ROWS}`).pluck();
    const above = this.db.prepare(`SELECT name FROM ${table} WHERE name >= ? ORDER BY name LIMIT ${PROBE_ROWS}`).pluck();
    // names that continue `prefix` with one character and then `rest` (1-based substr)
    const oneEdit = this.db.prepare(`SELECT name FROM ${table} WHERE name >= @prefix AND name < @prefix || '${AFTER_PREFIX}'
      AND substr(name, @at) = @rest LIMIT ${PROBE_ROWS}`).pluck();
    const seen = new Set<string>();
    const add = (rows: unknown[]): void => rows.forEach((r) => seen.add(r as string));
    const first = name[0]!;
    const flipped = (first === first.toUpperCase() ? first.toLowerCase() : first.toUpperCase()) + name.slice(1);
    for (const probe of new Set([name, flipped, name.slice(1)])) {
      if (probe === "") continue;
      add(below.all(probe));
      add(above.all(probe));
      for (let len = probe.length; len >= 1; len--) {
        const rows = range.all(probe.slice(0, len), probe.slice(0, len) + AFTER_PREFIX);
        add(rows);
        if (rows.length >= PROBE_ROWS / 2) break; // the longest shared prefix with enough names
      }
      for (let i = MIN_KEPT; i < probe.length; i++) {
        add(above.all(probe.slice(0, i) + probe.slice(i + 1)).slice(0, 1)); // deleting character i may give a known name
        const prefix = probe.slice(0, i);
        add(oneEdit.all({ prefix, at: i + 2, rest: probe.slice(i + 1) })); // substituted at i
        add(oneEdit.all({ prefix, at: i + 2, rest: probe.slice(i) })); // dropped at i
      }
    }
    const ranked = [...seen].map((n) => ({ n, d: editDistance(name.toLowerCase(), n.toLowerCase(), Math.max(name.length, n.length)) }));
    const startsWithQuery = (n: string): number => (n.startsWith(name) ? 0 : 1); // at equal distance, a name the query is the start of comes first
    ranked.sort((a, b) => a.d - b.d || startsWithQuery(a.n) - startsWithQuery(b.n) || (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
    return ranked.slice(0, limit).map((r) => r.n);
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
