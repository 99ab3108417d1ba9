/** Loading TensorFlow.js: the best installed flavour, and a broken GPU package falls back with one log line. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { loadFirstTfjs } from "../../../src/backends/tfjs/load.js";

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from x.js`), { code: "ERR_MODULE_NOT_FOUND" });
}

async function captureStderr<T>(f: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const write = process.stderr.write;
  const lines: string[] = [];
  process.stderr.write = ((chunk: string) => {
    lines.push(...String(chunk).split("\n").filter((l) => l !== ""));
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await f(), lines };
  } finally {
    process.stderr.write = write;
  }
}

it("a GPU package that fails to load (no CUDA) falls back to pure tfjs with one log line", async () => {
  const { value, lines } = await captureStderr(() => loadFirstTfjs(async (name) => {
    if (name === "@tensorflow/tfjs-node-gpu") throw new Error("libcudart.so.11.0: cannot open shared object file: No such file or directory\nstack...");
    if (name === "@tensorflow/tfjs-node") throw notFound(name);
    return import(name);
  }));
  assert.equal(value.flavour, "tfjs (pure JS, cpu)");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, /tfjs-node-gpu is installed but failed to load \(libcudart.*\); falling back/);
});

it("packages that are not installed are skipped silently; the GPU package wins when it loads", async () => {
  const quiet = await captureStderr(() => loadFirstTfjs(async (name) => {
    if (name !== "@tensorflow/tfjs") throw notFound(name);
    return import(name);
  }));
  assert.equal(quiet.lines.length, 0);
  assert.equal(quiet.value.flavour, "tfjs (pure JS, cpu)");
  const fake = { fake: true };
  const gpu = await loadFirstTfjs(async (name) => (name === "@tensorflow/tfjs-node-gpu" ? fake : Promise.reject(notFound(name))));
  assert.equal(gpu.flavour, "tfjs-node-gpu");
  assert.equal(gpu.tf as unknown, fake);
});

it("nothing loadable is one KgcError", async () => {
  await assert.rejects(loadFirstTfjs(async (name) => Promise.reject(notFound(name))), /@tensorflow\/tfjs.*not installed/);
});
