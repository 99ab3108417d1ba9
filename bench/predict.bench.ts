/**
 * `kgc predict`'s two costs that grow with the dataset, each next to a naive baseline measured in
 * the same run. One JSON line per measurement on stdout ({what, config, value, unit}).
 *  - close matches of a misspelt name in a dictionary of N names (SQLite): `closeNames` (index
 *    seeks) vs a full scan ranking every name by bounded edit distance; with the share of typos
 *    whose true name comes first (recall@1) for both;
 *  - exact top 10 over E entities (d = 200, rotate): `topEntities` (blocks of 16,384 entities)
 *    vs scoring all E into one buffer and sorting it; with each one's extra memory.
 *
 *   node dist/bench/predict.bench.js [--quick] [--names 2000000] [--entities 2000000]
 *   (--quick: 200,000 names and entities)
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { nativeScoreAsync } from "../src/backends/native/binding.js";
import { editDistance } from "../src/core/edit-distance.js";
import { Rng } from "../src/core/rng.js";
import { Dictionary, writeDictionary } from "../src/data/dictionary.js";
import { parseTrainConfig } from "../src/models/config.js";
import { getInteraction } from "../src/models/registry.js";
import { createTables } from "../src/train/tables.js";
import { ENTITY_BLOCK, topEntities } from "../src/eval/top-entities.js";
import { tmpDir } from "../tests/helpers.js";
import { benchArgs, positive } from "./args.js";

const USAGE = "usage: node dist/bench/predict.bench.js [--quick] [--names 2000000] [--entities 2000000]";
const cli = benchArgs(USAGE, { quick: { type: "boolean", default: false }, names: { type: "string" }, entities: { type: "string" } });
const N = Math.round(positive(USAGE, "names", cli.names ?? (cli.quick ? "200000" : "2000000")));
const E = Math.round(positive(USAGE, "entities", cli.entities ?? (cli.quick ? "200000" : "2000000")));
const rng = new Rng(7);

function emit(what: string, config: Record<string, unknown>, value: number, unit: string): void {
  process.stdout.write(JSON.stringify({ what, config, value, unit }) + "\n");
}

/** Wikidata-like labels: one to three capitalised syllable words, unique by a numeric suffix when needed. */
function makeNames(n: number): string[] {
  const syl = ["ka", "ro", "mi", "tel", "an", "sur", "ve", "lin", "do", "bra", "qu", "es", "tor", "ni", "ga", "pel"];
  const word = (): string => { let w = ""; for (let i = 0, n2 = 2 + rng.int(3); i < n2; i++) w += syl[rng.int(syl.length)]; return w[0]!.toUpperCase() + w.slice(1); };
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    let s = Array.from({ length: 1 + rng.int(3) }, word).join(" ");
    if (seen.has(s)) s = `${s} ${out.length}`;
    seen.add(s);
    out.push(s);
  }
  return out;
}

/** One random edit: substitute, delete or insert a letter at a random position. */
function typo(s: string): string {
  const i = rng.int(s.length);
  const c = "abcdefghijklmnopqrstuvwxyz"[rng.int(26)]!;
  switch (rng.int(3)) {
    case 0: return s.slice(0, i) + c + s.slice(i + 1);
    case 1: return s.slice(0, i) + s.slice(i + 1);
    default: return s.slice(0, i) + c + s.slice(i);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function closeNamesBench(): Promise<void> {
  const dir = tmpDir("predict-bench");
  try {
    const names = makeNames(N);
    const path = join(dir, "dictionary.sqlite");
    writeDictionary(path, names, ["r"]);
    const dict = new Dictionary(path, { entity: N, relation: 1 });
    const probes = Array.from({ length: 40 }, () => names[rng.int(N)]!);
    const typos = probes.map((p) => { let t = typo(p); while (t === p || t === "") t = typo(p); return t; });
    const fast: number[] = [];
    let fastHits = 0;
    typos.forEach((t, i) => {
      const t0 = performance.now();
      const got = dict.closeNames("entity", t);
      fast.push(performance.now() - t0);
      if (got[0] === probes[i] || editDistance(got[0] ?? "", t) <= editDistance(probes[i]!, t)) fastHits++;
    });
    emit("close names: index seeks (closeNames)", { names: N, typos: typos.length }, median(fast), "ms median");
    emit("close names: index seeks, recall@1 (a name at least as close as the true one comes first)", { names: N }, fastHits / typos.length, "fraction");
    // baseline: scan every name, bounded edit distance 2 (a few probes: each reads the whole table)
    const scan: number[] = [];
    let scanHits = 0;
    for (const [i, t] of typos.slice(0, 5).entries()) {
      const t0 = performance.now();
      let best = "", bestD = 3;
      for (const n of names) {
        const d = editDistance(t, n, 2);
        if (d < bestD) { bestD = d; best = n; }
      }
      scan.push(performance.now() - t0);
      if (best === probes[i] || bestD <= editDistance(probes[i]!, t)) scanHits++;
    }
    emit("close names: baseline full scan, bounded edit distance (names already in memory)", { names: N, typos: scan.length }, median(scan), "ms median");
    emit("close names: baseline recall@1", { names: N }, scanHits / scan.length, "fraction");
    dict.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function topEntitiesBench(): Promise<void> {
  const config = parseTrainConfig({ model: "rotate", dim: 200, steps: 1 }, "bench");
  const m = getInteraction("rotate");
  const spec = createTables({ interaction: m, dim: 200, block: 1, gamma: config.gamma, encoder: "shallow", numEntities: E, numRelations: 10, entityFeatures: null, relationFeatures: null, seed: 1 }, config.optimizer);
  const head = Int32Array.of(1, 2, 3, 4);
  const rel = Int32Array.of(0, 1, 2, 3);
  const threads = 2;
  let t0 = performance.now();
  await topEntities(spec, head, rel, 10, threads);
  const chunked = (performance.now() - t0) / 1000;
  emit("top 10 over all entities: topEntities (chunked)", { entities: E, queries: head.length, dim: 200, threads, blockMB: (head.length * ENTITY_BLOCK * 4) / 2 ** 20 }, (head.length * E) / chunked / 1e6, "M scores/s");
  t0 = performance.now();
  const all = Int32Array.from({ length: E }, (_, i) => i);
  const out = new Float32Array(head.length * E);
  await nativeScoreAsync(spec, head, rel, true, all, 0, out, threads);
  for (let q = 0; q < head.length; q++) {
    const row = out.subarray(q * E, (q + 1) * E);
    Array.from({ length: E }, (_, i) => i).sort((a, b) => row[b]! - row[a]!).slice(0, 10);
  }
  const naive = (performance.now() - t0) / 1000;
  emit("top 10 over all entities: baseline score all + sort", { entities: E, queries: head.length, dim: 200, threads, bufferMB: (head.length * E * 4 + E * 8) / 2 ** 20 }, (head.length * E) / naive / 1e6, "M scores/s");
}

await closeNamesBench();
await topEntitiesBench();
