/**
 * Lazy loading of TensorFlow.js: @tensorflow/tfjs-node-gpu when installed (optional dependency,
 * GPU), else the pure-JS CPU build @tensorflow/tfjs (dev dependency; slow, the gradient oracle).
 */
import { KgcError } from "../../core/errors.js";

export type Tf = typeof import("@tensorflow/tfjs");

let cached: Promise<{ tf: Tf; flavour: string }> | null = null;

async function tryImport(name: string): Promise<Tf | null> {
  try {
    return (await import(name)) as Tf;
  } catch {
    return null;
  }
}

export function loadTfjs(): Promise<{ tf: Tf; flavour: string }> {
  cached ??= (async () => {
    const gpu = await tryImport("@tensorflow/tfjs-node-gpu");
    if (gpu) return { tf: gpu, flavour: "tfjs-node-gpu" };
    const cpu = await tryImport("@tensorflow/tfjs");
    if (cpu) {
      await cpu.setBackend("cpu");
      return { tf: cpu, flavour: "tfjs (pure JS, cpu)" };
    }
    throw new KgcError("@tensorflow/tfjs", "not installed (npm install --include=dev, or @tensorflow/tfjs-node-gpu for GPUs)");
  })();
  return cached;
}
