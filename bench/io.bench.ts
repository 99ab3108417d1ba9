/**
 * I/O benchmark: one JSON line per measurement ({what, config, value, unit}) on stdout.
 *
 *   node dist/bench/io.bench.js [--quick] [--only tsv,npy,tables]
 *
 * - npy: int64 triples read from the page cache through iterateNpyRows + decodeInt32, next to a
 *   raw read of the same file (baseline). The file (~1.2 GB, 50M rows; 5M with --quick) is
 *   generated in os.tmpdir() and removed afterwards.
 * - tsv: readTsvTriples on FB15k-237 train, next to a naive split-based parser (baseline).
 * - arrow / parquet: write and read of 10M random int32 triples (1M with --quick) per library,
 *   each measurement in its own child process (this script re-invoked with --child) so peak RSS
 *   is per library and operation. Read children verify a checksum of what the writer wrote.
 * - parquet candidates: K int columns vs one LIST column (hyparquet), the layout choice.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeInt32, iterateNpyRows, NpyWriter, readNpyHeader } from "../src/io/npy.js";
import { NameIndex } from "../src/io/name-index.js";
import { readTsvTriples } from "../src/io/tsv.js";
import { readTriplesArrow, writeTriplesArrow } from "../src/io/arrow.js";
import { readCandidatesParquet, readTriplesParquet, writeCandidatesParquet, writeTriplesParquet } from "../src/io/parquet.js";
import type { CandidateQueries, Triples } from "../src/core/types.js";

const self = fileURLToPath(import.meta.url);
const quick = process.argv.includes("--quick");
/** `--only tsv,npy,tables`: run a subset of the groups */
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? new Set((process.argv[onlyAt + 1] ?? "").split(",")) : null;
const wanted = (group: string): boolean => only === null || only.has(group);
// the shared datasets sit beside the project checkout (../shared/datasets)
const FB15K_TRAIN = fileURLToPath(new URL("../../../shared/datasets/FB15k-237/train.txt", import.meta.url));

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ what, config, value: Number(value.toPrecision(4)), unit })}\n`);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function benchNpy(dir: string): void {
  const rows = quick ? 5_000_000 : 50_000_000;
  const path = join(dir, "triples-i8.npy");
  const writer = new NpyWriter(path, "<i8", [rows, 3]);
  const chunk = new Int32Array(3 << 20); // shape: [2^20, 3]
  let s = 12345;
  for (let done = 0; done < rows; done += chunk.length / 3) {
    const n = Math.min(chunk.length / 3, rows - done);
    for (let i = 0; i < 3 * n; i++) chunk[i] = (s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff) % 87_000_000;
    writer.write(chunk.subarray(0, 3 * n));
  }
  writer.close();
  const bytes = statSync(path).size;
  const config = { rows, fileMB: Math.round(bytes / 1e6), source: "page cache" };
  const raw: number[] = [];
  const decoded: number[] = [];
  const header = readNpyHeader(path);
  const out = new Int32Array(rows * 3); // shape: [rows, 3]
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    let touched = 0;
    for (const c of iterateNpyRows(path)) touched += c.bytes[0]!;
    raw.push((performance.now() - t) / 1000);
    t = performance.now();
    let offset = 0;
    for (const c of iterateNpyRows(path)) offset += decodeInt32(c.bytes, header.dtype, out, offset, path, null, offset);
    decoded.push((performance.now() - t) / 1000);
    if (offset !== rows * 3 || touched < 0) throw new Error("npy bench read the wrong number of elements");
  }
  emit("npy read int64 triples (raw chunks, baseline)", config, bytes / 1e6 / Math.min(...raw), "MB/s");
  emit("npy read int64 triples → int32 (iterateNpyRows + decodeInt32)", config, bytes / 1e6 / Math.min(...decoded), "MB/s");
  emit("npy read int64 triples → int32 (iterateNpyRows + decodeInt32)", config, rows / Math.min(...decoded), "triples/s");
  rmSync(path, { force: true });
}

/** The obvious parser (string split per line, Map per name): what readTsvTriples is compared to. */
function naiveTsv(path: string): number {
  const entities = new Map<string, number>();
  const relations = new Map<string, number>();
  const idOf = (m: Map<string, number>, k: string): number => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = m.size));
    return v;
  };
  const head: number[] = [];
  const relation: number[] = [];
  const tail: number[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const fields = line.replace(/\r$/, "").split("\t");
    if (fields.length !== 3) continue;
    head.push(idOf(entities, fields[0]!));
    relation.push(idOf(relations, fields[1]!));
    tail.push(idOf(entities, fields[2]!));
  }
  const columns = [Int32Array.from(head), Int32Array.from(relation), Int32Array.from(tail)];
  return columns[0]!.length;
}

function benchTsv(): void {
  if (!existsSync(FB15K_TRAIN)) {
    process.stderr.write(`skipping TSV: ${FB15K_TRAIN} not found\n`);
    return;
  }
  const ours: number[] = [];
  const naive: number[] = [];
  let triples = 0;
  for (let rep = 0; rep < 7; rep++) {
    let t = performance.now();
    triples = readTsvTriples(FB15K_TRAIN, new NameIndex(), new NameIndex()).length;
    ours.push((performance.now() - t) / 1000);
    t = performance.now();
    if (naiveTsv(FB15K_TRAIN) !== triples) throw new Error("naive TSV parser disagrees");
    naive.push((performance.now() - t) / 1000);
  }
  const config = { file: "FB15k-237/train.txt", triples, reps: ours.length };
  emit("tsv parse (naive split + Map, baseline), best", config, triples / Math.min(...naive), "triples/s");
  emit("tsv parse (readTsvTriples), best", config, triples / Math.min(...ours), "triples/s");
  emit("tsv parse (readTsvTriples), median", config, triples / median(ours), "triples/s");
  emit("tsv parse (readTsvTriples), first run", config, triples / ours[0]!, "triples/s");
}

function spawnChild(task: ChildTask): ChildResult {
  const run = spawnSync(process.execPath, [self, "--child", JSON.stringify(task)], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (run.status !== 0) throw new Error(`child ${JSON.stringify(task)} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as ChildResult;
}

function benchTables(dir: string): void {
  const rows = quick ? 1_000_000 : 10_000_000;
  // readOnly: a second reader of the file the line above wrote (its write is not reported again)
  const libraries: { format: string; lib: string; writer: ChildOp; reader: ChildOp; readOnly?: boolean }[] = [
    { format: "arrow", lib: "apache-arrow (kgc arrow.ts)", writer: "arrow-write", reader: "arrow-read" },
    { format: "arrow", lib: "apache-arrow tableFromIPC, whole file", writer: "arrow-write", reader: "arrow-read-whole", readOnly: true },
    { format: "parquet", lib: "hyparquet + hyparquet-writer (kgc parquet.ts)", writer: "hyparquet-write", reader: "hyparquet-read" },
    { format: "parquet", lib: "hyparquet, one parquetRead over all row groups", writer: "hyparquet-write", reader: "hyparquet-read-all", readOnly: true },
    { format: "parquet", lib: "parquet-wasm", writer: "wasm-write", reader: "wasm-read" },
    { format: "parquet", lib: "@dsnp/parquetjs", writer: "parquetjs-write", reader: "parquetjs-read" },
  ];
  for (const entry of libraries) {
    const path = join(dir, `triples.${entry.format}`);
    const write = spawnChild({ op: entry.writer, path, rows });
    const read = spawnChild({ op: entry.reader, path, rows });
    if (read.checksum !== write.checksum) throw new Error(`${entry.lib}: read checksum ${read.checksum} != written ${write.checksum}`);
    const dataMB = (rows * 12) / 1e6;
    const config = { lib: entry.lib, rows, dataMB, fileMB: Number((statSync(path).size / 1e6).toFixed(1)) };
    if (!entry.readOnly) {
      emit(`${entry.format} write triples`, config, dataMB / write.seconds, "MB/s");
      emit(`${entry.format} write triples peak RSS`, { ...config, rssBeforeMB: Math.round(write.rssBeforeMB) }, write.peakRssMB, "MB");
    }
    emit(`${entry.format} read triples`, config, dataMB / read.seconds, "MB/s");
    emit(`${entry.format} read triples peak RSS`, { ...config, rssBeforeMB: Math.round(read.rssBeforeMB) }, read.peakRssMB, "MB");
    rmSync(path, { force: true });
  }
  const queries = quick ? 5_000 : 20_000;
  for (const layout of ["columns", "list"] as const) {
    const path = join(dir, `candidates-${layout}.parquet`);
    const write = spawnChild({ op: layout === "columns" ? "pq-cand-columns-write" : "pq-cand-list-write", path, rows: queries });
    const read = spawnChild({ op: layout === "columns" ? "pq-cand-columns-read" : "pq-cand-list-read", path, rows: queries });
    if (read.checksum !== write.checksum) throw new Error(`candidates ${layout}: checksum mismatch`);
    const dataMB = (queries * 1001 * 4) / 1e6;
    const config = { lib: "hyparquet", layout: layout === "columns" ? "1001 INT32 columns" : "LIST<INT32>", queries, width: 1001, fileMB: Number((statSync(path).size / 1e6).toFixed(1)) };
    emit("parquet write candidates", config, dataMB / write.seconds, "MB/s");
    emit("parquet read candidates", config, dataMB / read.seconds, "MB/s");
    emit("parquet read candidates peak RSS", config, read.peakRssMB, "MB");
    rmSync(path, { force: true });
  }
}


// ---------------------------------------------------------------------------------------------
// Child measurements: one library and one operation per process, so peak RSS is its own.

type ChildOp =
  | "arrow-write" | "arrow-read" | "arrow-read-whole"
  | "hyparquet-write" | "hyparquet-read" | "hyparquet-read-all"
  | "wasm-write" | "wasm-read" | "parquetjs-write" | "parquetjs-read"
  | "pq-cand-columns-write" | "pq-cand-columns-read" | "pq-cand-list-write" | "pq-cand-list-read";

interface ChildTask {
  op: ChildOp;
  path: string;
  rows: number;
}

interface ChildResult {
  seconds: number;
  peakRssMB: number;
  rssBeforeMB: number;
  checksum: number;
}

const WIDTH = 1001;

/** Deterministic random triples (ids below WikiKG90M's 87M entities and 1,315 relations). */
function generateTriples(rows: number): Triples {
  const t = { head: new Int32Array(rows), relation: new Int32Array(rows), tail: new Int32Array(rows), length: rows };
  let s = 42;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff);
  for (let i = 0; i < rows; i++) {
    t.head[i] = next() % 87_000_000;
    t.relation[i] = next() % 1315;
    t.tail[i] = next() % 87_000_000;
  }
  return t;
}

/** Candidates with distinct ids in each row (x → 7x mod 2^31 is a bijection). */
function generateCandidates(queries: number): CandidateQueries {
  const candidates = new Int32Array(queries * WIDTH).map((_, i) => Math.imul(i, 7) & 0x7fffffff);
  return { head: new Int32Array(queries).map((_, i) => i), relation: new Int32Array(queries), candidates, width: WIDTH, correctIndex: null };
}

function checksumOf(columns: ArrayLike<number>[]): number {
  let sum = 0;
  columns.forEach((column, c) => {
    for (let i = 0; i < column.length; i++) sum = (Math.imul(sum, 31) + column[i]! + c) | 0;
  });
  return sum;
}

async function runChild(task: ChildTask): Promise<ChildResult> {
  const { op, path, rows } = task;
  const triples = op.endsWith("-write") && !op.startsWith("pq-cand") ? generateTriples(rows) : null;
  const queries = op.startsWith("pq-cand") && op.endsWith("-write") ? generateCandidates(rows) : null;
  const rssBeforeMB = process.memoryUsage().rss / 1e6;
  const started = performance.now();
  const columns = await runOp(op, path, triples, queries);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMB: peakRssMB(), rssBeforeMB, checksum: checksumOf(columns) };
}

/**
 * Peak RSS of this process image: VmHWM (reset by exec) rather than getrusage's maxrss, which on
 * Linux carries over the high-water mark of the parent the child was forked from.
 */
function peakRssMB(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (hwm) return (Number(hwm[1]) * 1024) / 1e6;
  } catch {
    // not Linux: fall through
  }
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

/** Runs one operation; returns the columns written or read (for the checksum). */
async function runOp(op: ChildOp, path: string, triples: Triples | null, queries: CandidateQueries | null): Promise<ArrayLike<number>[]> {
  const cols = (t: Triples): Int32Array[] => [t.head, t.relation, t.tail];
  switch (op) {
    case "arrow-write": await writeTriplesArrow(path, triples!); return cols(triples!);
    case "arrow-read": return cols(await readTriplesArrow(path));
    case "arrow-read-whole": {
      const { tableFromIPC } = await import("apache-arrow");
      const table = tableFromIPC(readFileSync(path));
      return ["head", "relation", "tail"].map((c) => table.getChild(c)!.toArray() as Int32Array);
    }
    case "hyparquet-write": await writeTriplesParquet(path, triples!); return cols(triples!);
    case "hyparquet-read": return cols(await readTriplesParquet(path));
    case "hyparquet-read-all": {
      const { asyncBufferFromFile, parquetMetadataAsync, parquetRead } = await import("hyparquet");
      const file = await asyncBufferFromFile(path);
      const metadata = await parquetMetadataAsync(file);
      const n = Number(metadata.num_rows);
      const out: Record<string, Int32Array> = { head: new Int32Array(n), relation: new Int32Array(n), tail: new Int32Array(n) };
      await parquetRead({ file, metadata, onChunk: (c) => out[c.columnName]!.set(c.columnData as Int32Array, c.rowStart) });
      return [out["head"]!, out["relation"]!, out["tail"]!];
    }
    case "wasm-write": {
      const wasm = await import("parquet-wasm");
      const { tableFromArrays, tableToIPC } = await import("apache-arrow");
      const t = triples!;
      const table = wasm.Table.fromIPCStream(tableToIPC(tableFromArrays({ head: t.head, relation: t.relation, tail: t.tail }), "stream"));
      const props = new wasm.WriterPropertiesBuilder().setCompression(wasm.Compression.UNCOMPRESSED).setDictionaryEnabled(false)
        .setStatisticsEnabled(wasm.EnabledStatistics.None).setMaxRowGroupSize(1 << 20).build();
      writeFileSync(path, wasm.writeParquet(table, props));
      return cols(t);
    }
    case "wasm-read": {
      const wasm = await import("parquet-wasm");
      const { tableFromIPC } = await import("apache-arrow");
      const table = tableFromIPC(wasm.readParquet(readFileSync(path), { batchSize: 1 << 20 }).intoIPCStream());
      return ["head", "relation", "tail"].map((c) => table.getChild(c)!.toArray() as Int32Array);
    }
    case "parquetjs-write": {
      const { ParquetSchema, ParquetWriter } = (await import("@dsnp/parquetjs")).default;
      const schema = new ParquetSchema({ head: { type: "INT32" }, relation: { type: "INT32" }, tail: { type: "INT32" } });
      const writer = await ParquetWriter.openFile(schema, path);
      writer.setRowGroupSize(1 << 17);
      const t = triples!;
      for (let i = 0; i < t.length; i++) await writer.appendRow({ head: t.head[i], relation: t.relation[i], tail: t.tail[i] });
      await writer.close();
      return cols(t);
    }
    case "parquetjs-read": {
      const { ParquetReader } = (await import("@dsnp/parquetjs")).default;
      const reader = await ParquetReader.openFile(path);
      const n = Number(reader.getRowCount());
      const t = { head: new Int32Array(n), relation: new Int32Array(n), tail: new Int32Array(n), length: n };
      const cursor = reader.getCursor();
      for (let i = 0; ; i++) {
        const row = (await cursor.next()) as { head: number; relation: number; tail: number } | null;
        if (!row) break;
        t.head[i] = row.head;
        t.relation[i] = row.relation;
        t.tail[i] = row.tail;
      }
      await reader.close();
      return cols(t);
    }
    case "pq-cand-columns-write": await writeCandidatesParquet(path, queries!); return [queries!.candidates];
    case "pq-cand-list-write": {
      const { parquetWriteFile } = await import("hyparquet-writer");
      const q = queries!;
      const lists = Array.from({ length: q.head.length }, (_, i) => Array.from(q.candidates.subarray(i * WIDTH, (i + 1) * WIDTH)));
      parquetWriteFile({
        filename: path, codec: "UNCOMPRESSED", statistics: false, rowGroupSize: Math.floor((1 << 24) / WIDTH),
        columnData: [{ name: "head", data: q.head }, { name: "relation", data: q.relation }, { name: "candidates", data: lists }],
        schema: [
          { name: "schema", num_children: 3 },
          { name: "head", type: "INT32", repetition_type: "REQUIRED" },
          { name: "relation", type: "INT32", repetition_type: "REQUIRED" },
          { name: "candidates", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          { name: "element", type: "INT32", repetition_type: "REQUIRED" },
        ],
      });
      return [q.candidates];
    }
    case "pq-cand-columns-read": case "pq-cand-list-read": return [(await readCandidatesParquet(path)).candidates];
  }
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf("--child");
  if (childAt >= 0) {
    const result = await runChild(JSON.parse(process.argv[childAt + 1]!) as ChildTask);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "kgc-io-bench-"));
  try {
    const started = performance.now();
    if (wanted("tsv")) benchTsv();
    if (wanted("npy")) benchNpy(dir);
    if (wanted("tables")) benchTables(dir);
    emit("io bench total time", { quick }, (performance.now() - started) / 1000, "s");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
