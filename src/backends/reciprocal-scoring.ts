/**
 * Scoring of a model trained with reciprocal relations (ModelTables.reciprocal: 2R relation
 * rows): a head query (?, r, t) is the tail query (t, r + R, ?). pickBackend wraps every backend
 * with this, so eval, score, predict and validation all answer head queries the same way.
 */
import { KgcError } from "../core/errors.js";
import type { Backend } from "./backend.js";

/** `backend` whose score() turns head queries of a reciprocal model into tail queries of r + R. */
export function withReciprocalScoring(backend: Backend): Backend {
  return {
    get name() { return backend.name; },
    get device() { return backend.device; },
    unsupported: (config) => backend.unsupported(config),
    train: (job, steps, lrScale) => backend.train(job, steps, lrScale),
    gradients: (tables, config, batch, out, known) => backend.gradients(tables, config, batch, out, known),
    dispose: () => backend.dispose(),
    score(tables, keep, relation, tailSide, candidates, k, out, threads) {
      if (tailSide || !tables.reciprocal) return backend.score(tables, keep, relation, tailSide, candidates, k, out, threads);
      const R = tables.relation.numRows / 2;
      const inverse = new Int32Array(relation.length); // shape: [B]
      for (let i = 0; i < relation.length; i++) {
        const r = relation[i]!;
        if (!(r >= 0 && r < R)) throw new KgcError("relation", `head query ${i}: relation ${r} outside [0, ${R}) of a reciprocal model`);
        inverse[i] = r + R;
      }
      return backend.score(tables, keep, inverse, true, candidates, k, out, threads);
    },
  };
}
