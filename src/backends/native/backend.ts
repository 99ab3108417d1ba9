/**
 * The native backend: the C++ addon behind the Backend seam. Tables stay where they are (the
 * engine trains them in place through zero-copy pointers); binding.ts is the door that validates
 * and hands the schema's TrainConfig to addon.cc.
 */
import type { Backend } from "../backend.js";
import { nativeBuildInfo, nativeGradients, nativeScoreAsync, nativeTrain } from "./binding.js";

/** Threads of a score call when the caller gives none: the scorer splits queries across them. */
const DEFAULT_SCORE_THREADS = 1;

export function nativeBackend(): Backend {
  const build = nativeBuildInfo(); // loads the addon: a missing build fails here, at pick time
  return {
    name: "native",
    device: `native C++ (${build.simd}, gemm ${build.gemm})`,
    // the schema's options are all native ones: the engine was built with them
    unsupported: () => [],
    train: (job, steps, lrScale) => nativeTrain(job, steps, lrScale),
    score: (tables, keep, relation, tailSide, candidates, k, out, threads) =>
      nativeScoreAsync(tables, keep, relation, tailSide, candidates, k, out, threads ?? DEFAULT_SCORE_THREADS),
    gradients: async (tables, config, batch, out, known) => nativeGradients(tables, config, batch, out, known ?? null),
    dispose: () => undefined,
  };
}
