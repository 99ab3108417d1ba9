/**
 * The backend registry: a name -> factory Map (a registry, never a name switch). A factory
 * imports its backend lazily, so a run pays only for the engine it picked (tfjs loads
 * @tensorflow/* only when asked for).
 */
import { KgcError } from "../core/errors.js";
import type { Backend, BackendName } from "./backend.js";
import { withReciprocalScoring } from "./reciprocal-scoring.js";

type BackendFactory = () => Promise<Backend>;

const factories = new Map<BackendName, BackendFactory>([
  ["native", async () => (await import("./native/backend.js")).nativeBackend()],
  // each further backend is one line here
  ["tfjs", async () => (await import("./tfjs/backend.js")).createTfjsBackend()],
]);

/** The backends this build can pick. */
export function backendNames(): BackendName[] {
  return [...factories.keys()];
}

/** The backend named `name`; an unknown name is a one-line error listing the known ones. */
export async function pickBackend(name: string, what = "--backend"): Promise<Backend> {
  const make = factories.get(name as BackendName);
  if (!make) throw new KgcError(what, `unknown backend '${name}' (known: ${backendNames().join(", ")})`);
  return withReciprocalScoring(await make());
}
