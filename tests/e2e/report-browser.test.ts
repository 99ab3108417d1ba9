/**
 * `kgc report` end to end: with no runs every section says what is missing; after two models are
 * trained (with sampled validation), evaluated (filtered, per relation) and an ensemble's
 * weights.json / ablation.json (the contract schema) are in ensemble/<ds>/, the page is opened in
 * a real headless Chromium (playwright-core driving /usr/bin/chromium, no browser download): every
 * plot is an SVG with marks and a non-zero size, the console has no error, and the page makes no
 * request beyond its own file. Skips with a message only where no browser is installed.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { openDataset } from "../../src/data/dataset.js";
import type { Ablation, EnsembleWeights } from "../../src/ensemble/weights.js";
import { datasetFingerprint } from "../../src/models/fingerprint.js";
import { runKgc, tmpDir } from "../helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const noBrowser = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install -y chromium)`;

let root = "";
let registry = "";
const kgc = (...args: string[]) => runKgc(args, { registry, cwd: root });
const ok = (...args: string[]): string => {
  const r = kgc(...args);
  assert.equal(r.code, 0, r.stderr);
  return r.stderr;
};

before(() => {
  root = tmpDir("report");
  registry = join(root, "registry.sqlite");
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("kgc report", () => {
  it("with an empty registry: every section says what is missing", () => {
    ok("report", "--out", join(root, "empty"));
    const html = readFileSync(join(root, "empty", "index.html"), "utf8");
    assert.match(html, /The run registry has no runs yet/);
    assert.match(html, /No trained model is recorded/);
    assert.match(html, /No eval-&lt;split&gt;\.json with the filtered protocol/);
    assert.match(html, /no ensemble to show/);
    assert.doesNotMatch(html, /<figure/);
  });

  it("renders every plot in headless Chromium: SVG with marks, non-zero size, no console error, no network", { skip: noBrowser }, async () => {
    const tsv = join(root, "tsv");
    mkdirSync(tsv, { recursive: true });
    const lines = (n: number, off: number): string => Array.from({ length: n }, (_, i) => `e${(i + off) % 25}\trel<${i % 4}>\te${(i * 7 + 1 + off) % 25}`).join("\n") + "\n";
    writeFileSync(join(tsv, "train.txt"), lines(300, 0));
    writeFileSync(join(tsv, "valid.txt"), lines(24, 5));
    writeFileSync(join(tsv, "test.txt"), lines(24, 9));
    ok("data", "import", "--tsv", tsv, "--name", "toy", "--out", "data", "--candidates", "6");
    for (const m of ["rotate", "transe-l2"]) {
      ok("train", "--data", "data/toy", "--model", m, "--dim", "8", "--batch", "16", "--negatives", "8", "--steps", "60", "--threads", "1", "--set", "logEvery=10", "--set", "validEvery=20", "--set", "validSample=10");
      ok("eval", "--model-dir", `models/toy/${m}`, "--data", "data/toy", "--split", "valid", "--protocol", "filtered", "--threads", "1");
    }
    const ds = openDataset(join(root, "data", "toy"));
    const weights: EnsembleWeights = {
      format: "kgc-ensemble/1", dataset: "toy", fingerprint: datasetFingerprint(ds), split: "valid", queries: 24, width: 7,
      inputs: [
        { name: "rotate", kind: "model", path: "models/toy/rotate", leaksCandidates: false, normalisation: "query-minmax" },
        { name: "transe-l2", kind: "model", path: "models/toy/transe-l2", leaksCandidates: false, normalisation: "query-rank" },
      ],
      groups: [{ relations: [0, 1], weights: [0.7, 0.3] }, { relations: null, weights: [0.4, 0.6] }],
      search: "nelder-mead", folds: [{ queries: 12, heldOutMrr: 0.41, inSampleMrr: 0.47 }, { queries: 12, heldOutMrr: 0.39, inSampleMrr: 0.45 }],
      heldOutMrr: 0.4, inSampleMrr: 0.46, createdAt: new Date(0).toISOString(),
    };
    ds.close();
    const ablation: Ablation = { format: "kgc-ablation/1", dataset: "toy", rows: [
      { label: "rotate alone", inputs: ["rotate"], heldOutMrr: 0.35, inSampleMrr: 0.36 },
      { label: "models", inputs: ["rotate", "transe-l2"], heldOutMrr: 0.4, inSampleMrr: 0.46 },
    ] };
    mkdirSync(join(root, "ensemble", "toy"), { recursive: true });
    writeFileSync(join(root, "ensemble", "toy", "weights.json"), JSON.stringify(weights));
    writeFileSync(join(root, "ensemble", "toy", "ablation.json"), JSON.stringify(ablation));
    assert.match(ok("report", "--data", "data/toy", "--out", "report"), /5 plots -> .*report\/index\.html/);
    const page = join(root, "report", "index.html");
    const html = readFileSync(page, "utf8");
    assert.doesNotMatch(html, /(src|href)=["']?https?:/i, "no external reference");
    assert.match(html, /rel&lt;0&gt;/, "relation names from the dictionary, escaped");

    const { chromium } = await import("playwright-core");
    const context = await chromium.launchPersistentContext(tmpDir("chromium-profile"), {
      executablePath: CHROMIUM, headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const pageHandle = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      pageHandle.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      pageHandle.on("pageerror", (e) => errors.push(e.message));
      pageHandle.on("request", (r) => requests.push(r.url()));
      await pageHandle.goto(pathToFileURL(page).href, { waitUntil: "load" });
      const plots = await pageHandle.$$eval("figure.plot", (figs) => figs.map((f) => {
        const svg = f.querySelector("svg");
        const box = svg?.getBoundingClientRect();
        const marks = svg ? svg.querySelectorAll("g[class*='mark-line'] path, g[class*='mark-rect'] path, g[class*='mark-symbol'] path").length : 0;
        return { id: f.getAttribute("data-plot"), width: box?.width ?? 0, height: box?.height ?? 0, marks };
      }));
      assert.deepEqual(plots.map((p) => p.id).sort(), ["ablation-toy", "loss-toy", "relations-toy-valid", "valid-toy", "weights-toy"]);
      for (const p of plots) {
        assert.ok(p.width > 100 && p.height > 50, `${p.id}: size ${p.width} x ${p.height}`);
        assert.ok(p.marks > 0, `${p.id}: no marks`);
      }
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [pathToFileURL(page).href]);
    } finally {
      await context.close();
    }
  });
});
