/**
 * Lazy loading of TensorFlow.js, best first: @tensorflow/tfjs-node-gpu (optional dependency:
 * CUDA), else @tensorflow/tfjs-node (libtensorflow on the CPU), else the pure-JS
 * @tensorflow/tfjs (slow; the gradient oracle). A package that is installed but fails to load
 * (no CUDA driver, no GPU, a broken libtensorflow) is skipped with one log line, never a crash.
 */
import { KgcError } from "../../core/errors.js";
import { warn } from "../../core/log.js";

import type { Tf } from "../../models/tf-ops.js";

export type { Tf };

export interface LoadedTfjs {
  tf: Tf;
  /** which package runs the maths, for the log and the run registry */
  flavour: string;
}

type Importer = (name: string) => Promise<unknown>;

let cached: Promise<LoadedTfjs> | null = null;

const notInstalled = (err: unknown, name: string): boolean =>
  (err as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String((err as Error).message).includes(`'${name}'`);

async function tryImport(name: string, importer: Importer): Promise<Tf | null> {
  try {
    return (await importer(name)) as Tf;
  } catch (err) {
    if (!notInstalled(err, name)) warn(`${name} is installed but failed to load (${String((err as Error).message).split("\n")[0]}); falling back`);
    return null;
  }
}

/** The first loadable flavour; `importer` is replaceable so tests can simulate a broken GPU package. */
export async function loadFirstTfjs(importer: Importer = (name) => import(name)): Promise<LoadedTfjs> {
  const gpu = await tryImport("@tensorflow/tfjs-node-gpu", importer);
  if (gpu) return { tf: gpu, flavour: "tfjs-node-gpu" };
  const node = await tryImport("@tensorflow/tfjs-node", importer);
  if (node) return { tf: node, flavour: "tfjs-node (cpu)" };
  const js = await tryImport("@tensorflow/tfjs", importer);
  if (js) {
    await js.setBackend("cpu");
    return { tf: js, flavour: "tfjs (pure JS, cpu)" };
  }
  throw new KgcError("@tensorflow/tfjs", "not installed (npm ci installs it; @tensorflow/tfjs-node-gpu for GPUs)");
}

export function loadTfjs(): Promise<LoadedTfjs> {
  cached ??= loadFirstTfjs();
  return cached;
}
