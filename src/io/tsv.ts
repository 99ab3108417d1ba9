import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { withAtomicFile } from "../core/atomic.js";
import { KgcError } from "../core/errors.js";
import type { Triples } from "../core/types.js";
import type { NameIndex } from "./name-index.js";
import { openForRead } from "./open-file.js";

/**
 * Named triples as TSV: one `head<TAB>relation<TAB>tail` line per triple, UTF-8, names opaque
 * strings (WordNet ids keep their leading zeros). CRLF line ends (FB15k-237) and a trailing blank
 * line are accepted. The reader works on raw bytes in large chunks and only decodes a name the
 * first time it sees it (a byte-keyed hash table sits in front of the NameIndex), so files
 * larger than memory-friendly string sizes stream and FB15k-237 parses at several M triples/s.
 */

const TAB = 9;
const LF = 10;
const CR = 13;
const READ_CHUNK = 64 << 20;
const WRITE_CHUNK = 16 << 20;

/**
 * Byte-slice → id cache in front of a NameIndex: hashes the raw bytes of a field, confirms a hit
 * by comparing bytes (never by hash alone), and decodes + registers the name only on a miss.
 * Name bytes are copied into an arena so hits survive the read buffer being refilled.
 */
class ByteNameCache {
  private mask: number;
  /** per slot: arena offset of the name bytes, or -1 when empty. shape: [capacity] */
  private start: Int32Array;
  /** shape: [capacity] */
  private length: Int32Array;
  /** shape: [capacity] */
  private hash: Int32Array;
  /** shape: [capacity] */
  private id: Int32Array;
  private used = 0;
  private arena = new Uint8Array(1 << 16);
  private arenaView = new DataView(this.arena.buffer);
  private arenaUsed = 0;

  constructor(private readonly index: NameIndex, capacityBits: number) {
    const capacity = 1 << capacityBits;
    this.mask = capacity - 1;
    this.start = new Int32Array(capacity).fill(-1);
    this.length = new Int32Array(capacity);
    this.hash = new Int32Array(capacity);
    this.id = new Int32Array(capacity);
  }

  /** The id of the name in bytes [s, e) of `bytes` (viewed through `view`); -1 when not valid UTF-8. */
  idOf(bytes: Uint8Array, view: DataView, s: number, e: number): number {
    let h = 0x811c9dc5 | 0;
    let k = s;
    for (; k + 4 <= e; k += 4) h = Math.imul(h ^ view.getInt32(k, true), 0x01000193);
    for (; k < e; k++) h = Math.imul(h ^ bytes[k]!, 0x01000193);
    // murmur3 finaliser: the multiply above only carries bits upwards, the slot uses the low bits
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const n = e - s;
    const arena = this.arena;
    const arenaView = this.arenaView;
    let slot = h & this.mask;
    for (;;) {
      const at = this.start[slot]!;
      if (at < 0) break;
      if (this.hash[slot] === h && this.length[slot] === n) {
        let j = 0;
        while (j + 4 <= n && arenaView.getInt32(at + j, true) === view.getInt32(s + j, true)) j += 4;
        if (j + 4 > n) while (j < n && arena[at + j] === bytes[s + j]) j++;
        if (j === n) return this.id[slot]!;
      }
      slot = (slot + 1) & this.mask;
    }
    const raw = Buffer.from(bytes.buffer, bytes.byteOffset + s, n);
    // decoding invalid bytes would give U+FFFD and merge distinct names: the caller reports the line
    if (!isUtf8(raw)) return -1;
    const id = this.index.idOf(raw.toString("utf8"));
    this.insert(slot, bytes, s, n, h, id);
    return id;
  }

  private insert(slot: number, bytes: Uint8Array, s: number, n: number, h: number, id: number): void {
    if (this.arenaUsed + n > this.arena.byteLength) {
      const grown = new Uint8Array(Math.max(this.arena.byteLength * 2, this.arenaUsed + n));
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
      this.arenaView = new DataView(grown.buffer);
    }
    this.arena.set(bytes.subarray(s, s + n), this.arenaUsed);
    this.start[slot] = this.arenaUsed;
    this.length[slot] = n;
    this.hash[slot] = h;
    this.id[slot] = id;
    this.arenaUsed += n;
    if (++this.used * 2 > this.mask) this.grow();
  }

  /** Doubles the table (keeps the load factor under 1/2 so probe chains stay short). */
  private grow(): void {
    const { start, length, hash, id } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.start = new Int32Array(capacity).fill(-1);
    this.length = new Int32Array(capacity);
    this.hash = new Int32Array(capacity);
    this.id = new Int32Array(capacity);
    for (let old = 0; old < start.length; old++) {
      if (start[old]! < 0) continue;
      let slot = hash[old]! & this.mask;
      while (this.start[slot]! >= 0) slot = (slot + 1) & this.mask;
      this.start[slot] = start[old]!;
      this.length[slot] = length[old]!;
      this.hash[slot] = hash[old]!;
      this.id[slot] = id[old]!;
    }
  }
}

/** Growable int32 triple columns (amortised doubling; trimmed to size at the end). */
class TripleColumns {
  head: Int32Array;
  relation: Int32Array;
  tail: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.head = new Int32Array(capacity);
    this.relation = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
  }

  push(h: number, r: number, t: number): void {
    if (this.length === this.head.length) this.reserve(Math.ceil(this.length * 1.5) + 1024);
    this.head[this.length] = h;
    this.relation[this.length] = r;
    this.tail[this.length] = t;
    this.length++;
  }

  private reserve(capacity: number): void {
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.head = grow(this.head);
    this.relation = grow(this.relation);
    this.tail = grow(this.tail);
  }

  toTriples(): Triples {
    const n = this.length;
    const fit = (a: Int32Array): Int32Array => (a.length === n ? a : a.slice(0, n));
    return { head: fit(this.head), relation: fit(this.relation), tail: fit(this.tail), length: n };
  }
}

export interface TsvReadOptions {
  /** bytes read per chunk (default 64 MiB; tests use tiny chunks to cross line boundaries) */
  chunkBytes?: number;
}

/**
 * Reads `head<TAB>relation<TAB>tail` lines, mapping names to ids through `entities` (heads and
 * tails share it) and `relations`, which may already hold names (ids stay stable across splits).
 * Throws a KgcError naming the file and line for an empty file, a line without exactly three
 * non-empty fields, a name that is not valid UTF-8, or a blank line before the end.
 */
export function readTsvTriples(path: string, entities: NameIndex, relations: NameIndex, options: TsvReadOptions = {}): Triples {
  const fd = openForRead(path);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KgcError(path, "not a regular file");
    const size = stat.size;
    if (size === 0) throw new KgcError(path, "empty file, expected head<TAB>relation<TAB>tail lines");
    const entityCache = new ByteNameCache(entities, 16);
    const relationCache = new ByteNameCache(relations, 10);
    // a typical named triple line is 20-80 bytes; start near the estimate and grow if needed
    const out = new TripleColumns(Math.min(Math.ceil(size / 24) + 16, 1 << 26));
    let buffer = Buffer.allocUnsafe(Math.min(options.chunkBytes ?? READ_CHUNK, size) + 1);
    let carried = 0; // bytes of an unfinished line kept at the start of `buffer`
    let fileOffset = 0;
    const state = { line: 0, firstBlankLine: 0 };
    for (;;) {
      if (carried === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, carried);
        buffer = bigger;
      }
      const got = readSync(fd, buffer, carried, buffer.length - carried, fileOffset);
      fileOffset += got;
      const filled = carried + got;
      const atEnd = got === 0 || fileOffset >= size;
      let bodyStart = 0;
      if (state.line === 0 && filled >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) bodyStart = 3; // UTF-8 BOM
      const lastLf = buffer.lastIndexOf(LF, filled - 1);
      const complete = atEnd ? filled : lastLf + 1;
      if (complete > bodyStart) parseLines(path, buffer, bodyStart, complete, entityCache, relationCache, out, state);
      if (atEnd) break;
      carried = filled - Math.max(complete, bodyStart);
      if (carried > 0) buffer.copy(buffer, 0, filled - carried, filled);
    }
    if (out.length === 0) throw new KgcError(path, "no triples (only blank lines)");
    return out.toTriples();
  } finally {
    closeSync(fd);
  }
}

/** Parses the complete lines in bytes [from, to) of `buffer` (the file's last line may lack its LF). */
function parseLines(
  path: string, buffer: Buffer, from: number, to: number,
  entities: ByteNameCache, relations: ByteNameCache, out: TripleColumns, state: { line: number; firstBlankLine: number },
): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, to);
  let pos = from;
  while (pos < to) {
    let lf = buffer.indexOf(LF, pos);
    if (lf < 0 || lf >= to) lf = to;
    let end = lf;
    if (end > pos && buffer[end - 1] === CR) end--;
    state.line++;
    if (end === pos) {
      if (state.firstBlankLine === 0) state.firstBlankLine = state.line;
    } else {
      if (state.firstBlankLine !== 0) throw new KgcError(path, `line ${state.firstBlankLine}: blank line before the end of the file`);
      const tab1 = buffer.indexOf(TAB, pos);
      const tab2 = tab1 < 0 || tab1 >= end ? -1 : buffer.indexOf(TAB, tab1 + 1);
      const tab3 = tab2 < 0 || tab2 >= end ? -1 : buffer.indexOf(TAB, tab2 + 1);
      if (tab1 < 0 || tab1 >= end || tab2 < 0 || tab2 >= end || (tab3 >= 0 && tab3 < end)) {
        throw new KgcError(path, `line ${state.line}: expected 3 tab-separated fields (head, relation, tail), found ${countFields(buffer, pos, end)}`);
      }
      if (tab1 === pos || tab2 === tab1 + 1 || end === tab2 + 1) {
        const which = tab1 === pos ? "head" : tab2 === tab1 + 1 ? "relation" : "tail";
        throw new KgcError(path, `line ${state.line}: empty ${which} name`);
      }
      const h = entities.idOf(buffer, view, pos, tab1), r = relations.idOf(buffer, view, tab1 + 1, tab2), t = entities.idOf(buffer, view, tab2 + 1, end);
      if (h < 0 || r < 0 || t < 0) {
        const which = h < 0 ? "head" : r < 0 ? "relation" : "tail";
        throw new KgcError(path, `line ${state.line}: the ${which} name is not valid UTF-8 (names are kept exactly; re-encode the file as UTF-8)`);
      }
      out.push(h, r, t);
    }
    pos = lf + 1;
  }
}

function countFields(buffer: Buffer, from: number, to: number): number {
  let fields = 1;
  for (let i = from; i < to; i++) if (buffer[i] === TAB) fields++;
  return fields;
}

/** Names as one UTF-8 arena; offsets[i]..offsets[i+1] are the bytes of names[i]. */
function encodeNames(path: string, names: readonly string[], what: string): { bytes: Buffer; offsets: Int32Array } {
  const parts: Buffer[] = [];
  const offsets = new Int32Array(names.length + 1);
  let total = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (name.length === 0 || /[\t\n]/.test(name) || name.endsWith("\r")) {
      throw new KgcError(path, `${what} name ${i} (${JSON.stringify(name)}) is empty or holds a tab/newline, which TSV cannot represent`);
    }
    const encoded = Buffer.from(name, "utf8");
    parts.push(encoded);
    total += encoded.length;
    offsets[i + 1] = total;
  }
  return { bytes: Buffer.concat(parts, total), offsets };
}

/**
 * Writes triples as `head<TAB>relation<TAB>tail` lines (LF ends) using the given names, atomically
 * (a temporary file renamed when complete). An id outside its name list is a KgcError naming the row.
 */
export async function writeTsvTriples(path: string, triples: Triples, entityNames: readonly string[], relationNames: readonly string[]): Promise<void> {
  const { head, relation, tail, length } = triples;
  if (head.length < length || relation.length < length || tail.length < length) {
    throw new KgcError(path, `triple columns are shorter than length ${length}`);
  }
  const entityArena = encodeNames(path, entityNames, "entity");
  const relationArena = encodeNames(path, relationNames, "relation");
  await withAtomicFile(path, (tmp) => {
    const fd = openSync(tmp, "w");
    try {
      const chunk = Buffer.allocUnsafe(WRITE_CHUNK);
      let used = 0;
      const flush = (): void => {
        let done = 0;
        while (done < used) done += writeSync(fd, chunk, done, used - done);
        used = 0;
      };
      const append = (arena: { bytes: Buffer; offsets: Int32Array }, id: number): void => {
        const s = arena.offsets[id]!;
        const e = arena.offsets[id + 1]!;
        if (used + (e - s) + 1 > chunk.length) flush();
        if (e - s + 1 > chunk.length) {
          let done = s; // a name longer than the chunk goes straight to the file
          while (done < e) done += writeSync(fd, arena.bytes, done, e - done);
          return;
        }
        for (let i = s; i < e; i++) chunk[used++] = arena.bytes[i]!;
      };
      for (let row = 0; row < length; row++) {
        const h = head[row]!;
        const r = relation[row]!;
        const t = tail[row]!;
        if (!(h >= 0 && h < entityNames.length) || !(t >= 0 && t < entityNames.length) || !(r >= 0 && r < relationNames.length)) {
          throw new KgcError(path, `row ${row}: ids (${h}, ${r}, ${t}) outside the ${entityNames.length} entity / ${relationNames.length} relation names`);
        }
        append(entityArena, h);
        chunk[used++] = TAB;
        append(relationArena, r);
        chunk[used++] = TAB;
        append(entityArena, t);
        chunk[used++] = LF;
      }
      flush();
    } finally {
      closeSync(fd);
    }
  });
}
