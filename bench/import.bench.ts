/**
 * Out-of-core import benchmark: `kgc data import --ogb` of a train_hrt.npy larger than the
 * working-set budget keeps peak RSS bounded. One JSON line per measurement on stdout.
 *
 *   node dist/bench/import.bench.js [--quick]
 *
 * Generates an OGB-layout folder in os.tmpdir() (50M triples = 1.2 GB int64 by default, 5M with
 * --quick; 2M entities, 1,000 relations, 1,000 valid/test queries × 1,001 candidates), imports it
 * in a child process with a 256 MB budget and reports the child's peak RSS and throughput, next
 * to the baseline of the same child that only reads train_hrt.npy once (the floor for any import).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { importDataset } from "../src/data/prepare.js";
import { iterateNpyRows, NpyWriter } from "../src/io/npy.js";
import { Rng } from "../src/core/rng.js";

const quick = process.argv.includes("--quick");
const self = fileURLToPath(import.meta.url);
const NUM_ENTITIES = 2_000_000;
const NUM_RELATIONS = 1_000;
const BUDGET_MB = 256;

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ what, config, value: Number(value.toPrecision(4)), unit })}\n`);
}

function writeOgbFolder(root: string, triples: number): void {
  const rng = new Rng(7);
  const train = new NpyWriter(join(root, "processed/train_hrt.npy"), "<i8", [triples, 3]);
  const chunk = new Int32Array(3 << 20);
  for (let done = 0; done < triples; ) {
    const n = Math.min(1 << 20, triples - done);
    for (let i = 0; i < n; i++) {
      chunk[3 * i] = Math.floor(rng.next() ** 2 * NUM_ENTITIES); // skewed heads
      chunk[3 * i + 1] = rng.int(NUM_RELATIONS);
      chunk[3 * i + 2] = rng.int(NUM_ENTITIES);
    }
    train.write(chunk.subarray(0, 3 * n));
    done += n;
  }
  train.close();
  const queries = 1000;
  const width = 1001;
  for (const prefix of ["val", "test"]) {
    const hr = new Int32Array(queries * 2).map((_, i) => (i % 2 === 0 ? rng.int(NUM_ENTITIES) : rng.int(NUM_RELATIONS)));
    const w = new NpyWriter(join(root, `processed/${prefix}_hr.npy`), "<i8", [queries, 2]);
    w.write(hr);
    w.close();
    const candidates = new Int32Array(queries * width).map((_, i) => (i % width) * 1000 + Math.floor(i / width)); // distinct per row
    const c = new NpyWriter(join(root, `processed/${prefix}_t_candidate.npy`), "<i8", [queries, width]);
    c.write(candidates);
    c.close();
  }
  const correct = new NpyWriter(join(root, "processed/val_t_correct_index.npy"), "<i8", [queries]);
  correct.write(new Int32Array(queries).map(() => rng.int(width)));
  correct.close();
}

interface ChildResult {
  seconds: number;
  maxRssMB: number;
}

async function child(mode: string, root: string, out: string): Promise<ChildResult> {
  const started = performance.now();
  if (mode === "import") {
    await importDataset({
      source: { kind: "ogb", path: root, counts: { numEntities: NUM_ENTITIES, numRelations: NUM_RELATIONS } },
      outDir: out, name: "bench", candidates: 0, seed: 0, memoryBudget: BUDGET_MB << 20,
    });
  } else {
    let sum = 0;
    for (const chunk of iterateNpyRows(join(root, "processed/train_hrt.npy"))) sum += chunk.bytes[0]!;
    if (sum < 0) throw new Error("unreachable");
  }
  return { seconds: (performance.now() - started) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--child");
  if (at >= 0) {
    const [mode, root, out] = process.argv.slice(at + 1, at + 4) as [string, string, string];
    process.stdout.write(JSON.stringify(await child(mode, root, out)));
    return;
  }
  const triples = quick ? 5_000_000 : 50_000_000;
  const dir = mkdtempSync(join(tmpdir(), "kgc-import-bench-"));
  try {
    writeOgbFolder(join(dir, "ogb"), triples);
    const fileMB = statSync(join(dir, "ogb/processed/train_hrt.npy")).size / 1e6;
    const config = { triples, fileMB: Math.round(fileMB), entities: NUM_ENTITIES, budgetMB: BUDGET_MB };
    const run = (mode: string): ChildResult => {
      const r = spawnSync(process.execPath, [self, "--child", mode, join(dir, "ogb"), join(dir, "out")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      if (r.status !== 0) throw new Error(`child ${mode} failed`);
      return JSON.parse(r.stdout) as ChildResult;
    };
    const baseline = run("scan");
    const imported = run("import");
    emit("ogb import peak RSS", config, imported.maxRssMB, "MB");
    emit("ogb import peak RSS / train file size", config, imported.maxRssMB / fileMB, "ratio");
    emit("ogb import throughput (train → arrow + CSR both directions)", config, triples / imported.seconds, "triples/s");
    emit("baseline: one streamed scan of train_hrt.npy, peak RSS", config, baseline.maxRssMB, "MB");
    emit("baseline: one streamed scan of train_hrt.npy", config, triples / baseline.seconds, "triples/s");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
