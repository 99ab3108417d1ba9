/**
 * What `kgc predict` is asked: (h, r, ?) queries and (h, r, t) triples given by name or id, from
 * flags or a TSV file, resolved to ids with the dataset's dictionary before anything is scored, so
 * a typo stops the command with the close matches and nothing printed.
 */
import { readFileSync } from "node:fs";
import { KgcError } from "../core/errors.js";
import type { Dictionary, Kind } from "../data/dictionary.js";

export interface PredictRequest {
  head: number;
  relation: number;
  /** the given tail of a triple; null for a (h, r, ?) query */
  tail: number | null;
  /** where it came from, for messages: `--query "a b"` or `FILE: line 3` */
  source: string;
}

export interface RequestText {
  /** `--query` values: "h r" */
  queries: readonly string[];
  /** `--triple` values: "h r t" */
  triples: readonly string[];
  /** a TSV file: one `h<TAB>r` query or `h<TAB>r<TAB>t` triple per line */
  inputFile?: string | undefined;
  /** `--candidates a,b,c` */
  candidates?: string | undefined;
}

/** One name or decimal id; the dictionary's error (with close matches) is re-raised against `source`. */
export function resolveName(dict: Dictionary, kind: Kind, token: string, source: string): number {
  try {
    return dict.idOf(kind, token);
  } catch (err) {
    if (err instanceof KgcError) throw new KgcError(source, err.problem);
    throw err;
  }
}

function fields(text: string, sep: RegExp): string[] {
  return text.split(sep).map((f) => f.trim()).filter((f) => f !== "");
}

/** A `--query`/`--triple` value: fields split by tabs when it has any (names with spaces), else by spaces. */
function flagFields(text: string): string[] {
  return fields(text, text.includes("\t") ? /\t/ : /\s+/);
}

function request(dict: Dictionary, parts: string[], source: string): PredictRequest {
  return {
    head: resolveName(dict, "entity", parts[0]!, source),
    relation: resolveName(dict, "relation", parts[1]!, source),
    tail: parts.length === 3 ? resolveName(dict, "entity", parts[2]!, source) : null,
    source,
  };
}

export function parseRequests(dict: Dictionary, text: RequestText): PredictRequest[] {
  const out: PredictRequest[] = [];
  for (const q of text.queries) {
    const parts = flagFields(q);
    if (parts.length !== 2) throw new KgcError(`--query "${q}"`, `expected "head relation" (2 fields), got ${parts.length}`);
    out.push(request(dict, parts, `--query "${q}"`));
  }
  for (const t of text.triples) {
    const parts = flagFields(t);
    if (parts.length !== 3) throw new KgcError(`--triple "${t}"`, `expected "head relation tail" (3 fields), got ${parts.length}`);
    out.push(request(dict, parts, `--triple "${t}"`));
  }
  if (text.inputFile !== undefined) {
    let body: string;
    try {
      body = readFileSync(text.inputFile, "utf8");
    } catch (err) {
      throw new KgcError(text.inputFile, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    body.split("\n").forEach((line, i) => {
      const clean = line.replace(/\r$/, "");
      if (clean.trim() === "" || clean.startsWith("#")) return;
      const parts = clean.split("\t");
      const where = `${text.inputFile}: line ${i + 1}`;
      if (parts.length !== 2 && parts.length !== 3) throw new KgcError(where, `expected head<TAB>relation[<TAB>tail], got ${parts.length} fields`);
      out.push(request(dict, parts, where));
    });
  }
  if (out.length === 0) throw new KgcError("--query/--triple/--input", "nothing to predict: give at least one query or triple");
  return out;
}

/** `--candidates a,b,c` as entity ids (shape: [K], in the given order, no repeats), or null for all entities. */
export function parseCandidates(dict: Dictionary, list: string | undefined): Int32Array | null {
  if (list === undefined) return null;
  const names = fields(list, /,/);
  if (names.length === 0) throw new KgcError("--candidates", "empty list");
  const ids = names.map((n) => resolveName(dict, "entity", n, "--candidates"));
  const seen = new Set<number>();
  ids.forEach((id, i) => {
    if (seen.has(id)) throw new KgcError("--candidates", `'${names[i]}' is listed twice`);
    seen.add(id);
  });
  return Int32Array.from(ids);
}
