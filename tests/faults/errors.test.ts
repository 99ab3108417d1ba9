import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdirSync, readFileSync, truncateSync, statSync, writeFileSync } from "node:fs";
import { totalmem } from "node:os";
import { join, relative } from "node:path";
import { before, describe, test } from "node:test";
import { makeData, makeVector, Table, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import { parquetWriteBuffer } from "hyparquet-writer";
import { openDataset } from "../../src/data/dataset.js";
import { runKgc, tmpDir } from "../helpers.js";
import { buildFixture, expectFault, expectOk, snapshot, assertUnchanged, spawnKgc, trainArgsWithSteps, TRAIN_ARGS } from "./helpers.js";

/**
 * Issue 21, items 5-7: every error is one `kgc: error:` line naming the file or flag (no stack
 * trace), input hygiene (bytes kept exact, unseen names and missing splits warned about, a model
 * never silently evaluated on another graph), reading commands create nothing, and batch logs.
 */
let root = "";
let registry = "";
const opts = (): { cwd: string; registry: string } => ({ cwd: root, registry });

/** Named triples: entities e000.., relations r0..; `rows` from a fixed LCG so every run agrees. */
function tsvLines(rows: number, seed: number, entities = 200, relations = 5): string {
  let x = seed;
  const next = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(`entity-${String(next(entities)).padStart(3, "0")}\tr${next(relations)}\tentity-${String(next(entities)).padStart(3, "0")}`);
  return `${lines.join("\n")}\n`;
}

function writeTsvFolder(dir: string, train: string, valid?: string, test?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "train.txt"), train);
  if (valid !== undefined) writeFileSync(join(dir, "valid.txt"), valid);
  if (test !== undefined) writeFileSync(join(dir, "test.txt"), test);
}

before(() => {
  ({ root, registry } = buildFixture("faults-errors"));
  // every entity and relation appears in train (2,000 draws over 200 names), so valid/test are seen
  const train = `${Array.from({ length: 200 }, (_, i) => `entity-${String(i).padStart(3, "0")}\tr${i % 5}\tentity-${String((i + 1) % 200).padStart(3, "0")}`).join("\n")}\n${tsvLines(2000, 1)}`;
  writeTsvFolder(join(root, "tsv"), train, tsvLines(50, 2), tsvLines(50, 3));
  expectOk(["data", "import", "--tsv", "tsv", "--name", "t", "--out", "data"], opts());
});

describe("item 5: every error is a kgc: error line", () => {
  test("an unwritable output folder", () => {
    if (process.getuid?.() === 0) {
      // root ignores permission bits: /sys refuses new entries even to root
      expectFault(["data", "synth", "--out", "/sys/kgc-fault-test"], /^kgc: error: \/sys: cannot write the output here \((permission denied|operation not permitted)\)$/, root, opts());
    } else {
      mkdirSync(join(root, "locked"));
      chmodSync(join(root, "locked"), 0o555);
      expectFault(["data", "synth", "--out", "locked/x"], /locked: cannot write the output here \(permission denied\)/, root, opts());
      chmodSync(join(root, "locked"), 0o755);
    }
  });
  test("score --out the working folder and --out an existing folder: no temporary file leaks", () => {
    const args = ["score", "--model-dir", "models/d/transe-l2", "--data", "data/d", "--split", "test"];
    expectFault([...args, "--out", "."], /: is an existing folder; give a file path$/, root, opts());
    mkdirSync(join(root, "scores-here"));
    expectFault([...args, "--out", "scores-here"], /scores-here: is an existing folder; give a file path$/, root, opts());
  });
  test("score --out an existing file needs --force", () => {
    writeFileSync(join(root, "results.npy"), "a user's file");
    expectFault(["score", "--model-dir", "models/d/transe-l2", "--data", "data/d", "--out", "results.npy"], /^kgc: error: results\.npy: exists; pass --force to replace it$/, root, opts());
  });
  test("export to an existing file", () => {
    writeFileSync(join(root, "out.bin"), "mine");
    expectFault(["data", "export", "data/d", "--format", "parquet", "--out", "out.bin"], /out\.bin: exists and is not a folder/, root, opts());
  });
  test("a meta.json that is not JSON names the file", () => {
    expectOk(["data", "export", "data/d", "--format", "arrow", "--out", "exported"], opts());
    writeFileSync(join(root, "exported", "meta.json"), "{ num_entities: 2000,");
    expectFault(["data", "import", "--arrow", "exported", "--name", "again", "--out", "data"], /exported\/meta\.json: not valid JSON/, root, opts());
  });
  test("a truncated dictionary.sqlite", () => {
    cpSync(join(root, "data", "t"), join(root, "broken", "t"), { recursive: true });
    const dict = join(root, "broken", "t", "dictionary.sqlite");
    truncateSync(dict, Math.floor(statSync(dict).size / 3));
    expectFault(["data", "export", "broken/t", "--format", "tsv", "--out", "t-export"], /broken\/t\/dictionary\.sqlite: corrupt dictionary \(.*\); re-import the dataset$/, root, opts());
  });
  test("--dim too large says how much memory it would need", () => {
    expectFault(["train", ...TRAIN_ARGS, "--force", "--dim", "100000000"], /--dim: 100000000 × 2,000 rows .* \(it would need 748\.8 GiB\); lower --dim$/, root, opts());
    // under the per-table limit but (with Adam's two moments) 44.9 GiB: more than most machines have
    if (totalmem() < 44.9 * 2 ** 30) {
      expectFault(["train", ...TRAIN_ARGS, "--force", "--dim", "2000000", "--optimizer", "adam"], /--dim: 2000000 needs 44\.9 GiB for the tables, more than this machine's [\d.]+ GiB of memory/, root, opts());
    }
  });
});

describe("usage errors", () => {
  test("a bad flag value is a kgc: error line too (plus commander's hint), exit 1", () => {
    const before = snapshot(root);
    const r = runKgc(["train", ...trainArgsWithSteps(0)], opts());
    assert.equal(r.code, 1);
    assert.deepEqual(r.stderr.trimEnd().split("\n"), ["kgc: error: option '--steps <n>' argument '0' is invalid. must be a positive integer", "(run with --help for usage)"]);
    assertUnchanged(before, snapshot(root));
  });
});

describe("item 6: input hygiene", () => {
  test("names that are not valid UTF-8 are refused with the line", () => {
    const dir = join(root, "latin1");
    mkdirSync(dir);
    const good = Buffer.from("a\tr\tb\nb\tr\tc\n");
    writeFileSync(join(dir, "train.txt"), Buffer.concat([good, Buffer.from([0x75, 0x73, 0x61, 0xff]), Buffer.from("\tr\ta\n"), Buffer.from([0x75, 0x73, 0x61, 0xfe]), Buffer.from("\tr\tb\n")]));
    expectFault(["data", "import", "--tsv", "latin1", "--name", "l", "--out", "data"], /latin1\/train\.txt: line 3: the head name is not valid UTF-8/, root, opts());
  });
  test("Arrow name columns that are not valid UTF-8 are refused with the row", () => {
    // head names per row; the second file splits "é" (c3 a9) across two entries: valid only when joined
    const cases: Array<[string, Buffer[], RegExp]> = [
      ["arrow-latin1", [Buffer.from("ab"), Buffer.from([0x75, 0x73, 0x61, 0xff]), Buffer.from("cd")], /arrow-latin1\/train\.arrow: column 'head' row 1: the name is not valid UTF-8/],
      ["arrow-split", [Buffer.from([0x61, 0xc3]), Buffer.from([0xa9, 0x62]), Buffer.from("cd")], /arrow-split\/train\.arrow: column 'head' row 0: the name is not valid UTF-8/],
    ];
    for (const [dir, heads, message] of cases) {
      const offsets = new Int32Array(heads.length + 1);
      heads.forEach((h, i) => (offsets[i + 1] = offsets[i]! + h.length));
      const head = makeVector(makeData({ type: new Utf8(), length: heads.length, valueOffsets: offsets, data: Buffer.concat(heads) }));
      const table = new Table({ head, relation: vectorFromArray(["r", "r", "r"], new Utf8()), tail: vectorFromArray(["x", "y", "z"], new Utf8()) });
      mkdirSync(join(root, dir));
      writeFileSync(join(root, dir, "train.arrow"), tableToIPC(table, "file"));
      expectFault(["data", "import", "--arrow", dir, "--name", dir, "--out", "data"], message, root, opts());
    }
  });
  test("Parquet name columns that are not valid UTF-8 are refused with the row", () => {
    const heads = [Buffer.from("ab"), Buffer.from([0x75, 0x73, 0x61, 0xff]), Buffer.from("cd")];
    const buffer = parquetWriteBuffer({ columnData: [
      { name: "head", data: heads, type: "STRING" },
      { name: "relation", data: ["r", "r", "r"], type: "STRING" },
      { name: "tail", data: ["x", "y", "z"], type: "STRING" },
    ] });
    mkdirSync(join(root, "parquet-latin1"));
    writeFileSync(join(root, "parquet-latin1", "train.parquet"), new Uint8Array(buffer));
    expectFault(["data", "import", "--parquet", "parquet-latin1", "--name", "p", "--out", "data"], /parquet-latin1\/train\.parquet: column 'head' row 1: the name is not valid UTF-8/, root, opts());
  });
  test("unseen valid/test names and a missing split file are warned about, with counts", () => {
    const train = "a\tr\tb\nb\tr\tc\nc\tq\ta\n";
    writeTsvFolder(join(root, "unseen"), train, "a\tr\tc\nzz\tr\ta\na\tnew\tyy\n");
    const r = expectOk(["data", "import", "--tsv", "unseen", "--name", "u", "--out", "data"], opts());
    assert.match(r.stderr, /warning: .*unseen: no test file \(test\.txt or test\.tsv\); the test split is empty/);
    assert.match(r.stderr, /warning: .*unseen: 2 of 3 valid triples name entities or relations unseen in train \(2 entities, 1 relations\)/);
  });
  test("a model is refused on another graph with the same counts and names", () => {
    const args = ["--data", "data/t", ...TRAIN_ARGS.slice(2)];
    expectOk(["train", ...args], opts());
    // same names in the same id order (the first 200 lines name them all), other triples: tails shuffled after those
    const lines = readFileSync(join(root, "tsv", "train.txt"), "utf8").trimEnd().split("\n");
    const shuffled = lines.map((l, i) => {
      if (i < 200) return l;
      const [h, r] = l.split("\t");
      return `${h}\t${r}\t${lines[200 + ((i * 7 + 3) % (lines.length - 200))]!.split("\t")[2]}`;
    });
    writeTsvFolder(join(root, "tsv2"), `${shuffled.join("\n")}\n`, readFileSync(join(root, "tsv", "valid.txt"), "utf8"), readFileSync(join(root, "tsv", "test.txt"), "utf8"));
    expectOk(["data", "import", "--tsv", "tsv2", "--name", "t", "--out", "other"], opts());
    const a = openDataset(join(root, "data", "t")), b = openDataset(join(root, "other", "t"));
    assert.equal(a.numEntities, b.numEntities);
    assert.deepEqual(a.dictionary().allNames("entity"), b.dictionary().allNames("entity"));
    a.close();
    b.close();
    expectFault(["eval", "--model-dir", "models/t/transe-l2", "--data", "other/t"], /trained on dataset 't' whose entities, relations or train triples differ/, root, opts());
  });
  test("feature paths in a manifest resolve against the manifest's folder", () => {
    const manifestPath = join(root, "data", "d", "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { entityFeatures: { path: string } };
    const absolute = manifest.entityFeatures.path;
    manifest.entityFeatures.path = relative(join(root, "data", "d"), absolute);
    assert.ok(!manifest.entityFeatures.path.startsWith("/"));
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const ds = openDataset(join(root, "data", "d")); // the test's cwd is not root
    assert.notEqual(process.cwd(), root);
    assert.equal(ds.manifest.entityFeatures!.path, absolute);
    const reader = ds.entityFeatures()!;
    assert.equal(reader.header.rows, 2000);
    reader.close();
    ds.close();
  });
  test("runs list on a missing registry creates nothing", () => {
    const scratch = tmpDir("faults-runs");
    const before = snapshot(scratch);
    const r = expectOk(["runs", "list", "--registry", "missing/dir/x.sqlite"], { cwd: scratch, registry });
    assert.match(r.stdout, /^no runs recorded in .*missing\/dir\/x\.sqlite/);
    assertUnchanged(before, snapshot(scratch));
    expectFault(["runs", "show", "train-1", "--registry", "missing/dir/x.sqlite"], /missing\/dir\/x\.sqlite: no run registry here/, scratch, { cwd: scratch, registry });
  });
});

describe("item 7: logs a batch job can read", () => {
  test("a non-TTY train prints plain progress lines (step, loss, positives/s, elapsed, ETA)", async () => {
    const run = spawnKgc(["train", ...trainArgsWithSteps(100_000_000), "--minutes", "0.025", "--force"], { ...opts(), env: { KGC_PROGRESS_SECONDS: "0.05" } });
    const { code, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    const lines = stderr.split("\n").filter((l) => /^train transe-l2: [\d,]+\/100,000,000 steps/.test(l));
    assert.ok(lines.length >= 2, `progress lines:\n${stderr}`);
    assert.match(lines[0]!, /^train transe-l2: [\d,]+\/100,000,000 steps \(\d+\.\d%\), elapsed \d+s, ETA (\d+[hms])+(\d+[ms])? loss=\d+\.\d{4} pos\/s=\d+$/);
  });
});
