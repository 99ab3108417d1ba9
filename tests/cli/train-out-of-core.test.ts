/**
 * `kgc train --partitions P --buffer C` / `--memory-gb G` end to end: the model folder an
 * in-memory run writes (so eval reads it), learning on a structured graph, --resume from the
 * partition checkpoint, kill -9 at random moments leaving a checkpoint whose every file is whole
 * (and resumable), and the bad inputs as one-line errors that change nothing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { readNpyHeader } from "../../src/io/npy.js";
import { tmpDir } from "../helpers.js";
import { expectFault, expectOk, spawnKgc, waitFor } from "../faults/helpers.js";

let root = "";
let registry = "";
const opts = (): { cwd: string; registry: string } => ({ cwd: root, registry });
const E = 400, R = 4;
const BASE = ["train", "--data", "data/toy", "--model", "distmult", "--dim", "16", "--batch", "64", "--negatives", "32", "--threads", "1", "--out", "models", "--set", "validEvery=0", "--set", "logEvery=10"];
const PART = ["--partitions", "4", "--buffer", "2"];
const modelDir = (): string => join(root, "models", "toy", "distmult");
const manifestOf = (dir: string): { step: number; versions: Record<string, number>; partSize: number } => JSON.parse(readFileSync(join(dir, "partitions", "checkpoint.json"), "utf8"));

/** Every file the checkpoint manifest names is present and whole. */
function assertCheckpointWhole(dir: string, rowFloats: number): number {
  const m = manifestOf(dir);
  for (const [key, v] of Object.entries(m.versions)) {
    const path = join(dir, "partitions", `${key}.v${v}.bin`);
    assert.ok(existsSync(path), `${path} named by the manifest is missing`);
    if (key.startsWith("part-")) assert.equal(statSync(path).size, m.partSize * rowFloats * 4, path);
  }
  return m.step;
}

before(() => {
  root = tmpDir("train-ooc");
  registry = join(tmpDir("train-ooc-registry"), "registry.sqlite");
  // a translation graph: t = (h + 13 (r + 1)) mod E, every (h, r) once; valid/test: a few of them
  const tsv = join(root, "tsv");
  mkdirSync(tsv);
  const rows: string[] = [];
  for (let h = 0; h < E; h++) for (let r = 0; r < R; r++) rows.push(`e${h}\tr${r}\te${(h + 13 * (r + 1)) % E}`);
  writeFileSync(join(tsv, "train.txt"), rows.filter((_, i) => i % 20 !== 0).join("\n") + "\n");
  writeFileSync(join(tsv, "valid.txt"), rows.filter((_, i) => i % 40 === 0).join("\n") + "\n");
  writeFileSync(join(tsv, "test.txt"), rows.filter((_, i) => i % 40 === 20).join("\n") + "\n");
  expectOk(["data", "import", "--tsv", "tsv", "--name", "toy", "--out", "data"], opts());
});

describe("kgc train out of core", () => {
  it("writes the usual model folder, learns the graph, and --resume continues from the partition checkpoint", () => {
    const r = expectOk([...BASE, ...PART, "--steps", "600"], opts());
    assert.match(r.stderr, /out of core: 4 partitions, buffer 2 \(as given\)/);
    assert.match(r.stderr, /BETA order: \d+ buffer states, \d+ partition loads per epoch/);
    const dir = modelDir();
    assert.deepEqual(readNpyHeader(join(dir, "entity.npy")).shape, [E, 16]);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual([config["partitions"], config["buffer"]], [4, 2]);
    assert.equal(assertCheckpointWhole(dir, 17), 600);
    const ev = JSON.parse(expectOk(["eval", "--model-dir", "models/toy/distmult", "--data", "data/toy", "--split", "valid", "--protocol", "filtered", "--json"], opts()).stdout) as { filtered: { overall: { mrr: number } } };
    assert.ok(ev.filtered.overall.mrr > 0.3, `filtered MRR ${ev.filtered.overall.mrr} (random ~${(Math.log(E) / E).toFixed(3)})`);
    expectOk([...BASE, ...PART, "--steps", "700", "--resume"], opts());
    assert.equal(assertCheckpointWhole(dir, 17), 700);
    const files = readdirSync(join(dir, "partitions")).filter((f) => f.endsWith(".bin") && f.startsWith("part-"));
    assert.equal(files.length, 4, `one version per partition after the final checkpoint: ${files.join(", ")}`);
  });

  it("kill -9 at random moments leaves a whole checkpoint that --resume continues from", async () => {
    expectOk([...BASE, ...PART, "--steps", "20", "--force"], opts());
    for (const delay of [150, 400, 900]) {
      const run = spawnKgc([...BASE, ...PART, "--steps", "1000000", "--resume", "--set", "checkpointEvery=3"], opts());
      const before = manifestOf(modelDir()).step;
      await waitFor(() => manifestOf(modelDir()).step > before, "a new checkpoint");
      await new Promise((res) => setTimeout(res, delay));
      process.kill(run.pid, "SIGKILL");
      assert.equal((await run.done).signal, "SIGKILL");
      const step = assertCheckpointWhole(modelDir(), 17);
      assert.ok(step > before);
      expectOk([...BASE, ...PART, "--steps", String(step + 10), "--resume"], opts());
      assert.equal(assertCheckpointWhole(modelDir(), 17), step + 10);
    }
  });

  it("bad input: one line, nothing changed", () => {
    expectOk([...BASE, ...PART, "--steps", "20", "--force"], opts());
    const at = join(root, "models");
    expectFault([...BASE, "--memory-gb", "0.0001", "--steps", "20", "--force"], /--memory-gb: 0.0001 GB is too small for even two partitions in memory: the smallest that works is [\d.]+ GB/, at, opts());
    expectFault([...BASE, "--partitions", "2", "--buffer", "3", "--steps", "20", "--force"], /--buffer: 3 is more than --partitions 2/, at, opts());
    expectFault([...BASE, ...PART, "--steps", "40", "--resume", "--dim", "8"], /partition folder is from another run or dataset: it has dim 16, this run 8/, at, opts());
    expectFault([...BASE, ...PART, "--steps", "40", "--resume", "--partitions", "8"], /another run or dataset: it has partitions 4, this run 8/, at, opts());
    expectFault([...BASE, ...PART, "--steps", "20", "--force", "--set", "filterNegatives=true"], /filterNegatives: filtered negatives need the whole adjacency in memory/, at, opts());
    expectFault([...BASE, ...PART, "--steps", "20", "--force", "--set", "training=1vsAll"], /training: 1vsAll scores every entity: out-of-core training trains shared negatives/, at, opts());
    expectFault([...BASE, ...PART, "--steps", "20", "--force", "--set", "reciprocal=true"], /reciprocal: reciprocal relations are not supported out of core/, at, opts());
  });
});
