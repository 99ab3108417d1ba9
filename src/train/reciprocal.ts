/**
 * Reciprocal relations (Lacroix et al. 2018, Dettmers et al. 2018): every training triple
 * (h, r, t) is also the triple (t, r + R, h) of an inverse relation r + R, so a model with a
 * relation table of 2R rows learns tail queries only; a head query (?, r, t) is then answered as
 * the tail query (t, r + R, ?). And the distinct queries KvsAll trains on.
 */
import { allocTriples, type Triples } from "../core/types.js";

/** The triples followed by their reciprocals (t, r + R, h). shape: [2n] each column */
export function withReciprocals(t: Triples, numRelations: number): Triples {
  const out = allocTriples(2 * t.length);
  out.head.set(t.head);
  out.relation.set(t.relation);
  out.tail.set(t.tail);
  out.head.set(t.tail, t.length);
  out.tail.set(t.head, t.length);
  for (let i = 0; i < t.length; i++) out.relation[t.length + i] = t.relation[i]! + numRelations;
  return out;
}

/**
 * The distinct (head, relation) queries of `t`, each once, in the order they first appear; the
 * tail column holds the first answer seen (KvsAll reads every answer from the adjacency).
 */
export function distinctQueries(t: Triples, numRelations: number): Triples {
  const seen = new Set<number>();
  const keep: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const key = t.head[i]! * numRelations + t.relation[i]!;
    if (seen.has(key)) continue;
    seen.add(key);
    keep.push(i);
  }
  const out = allocTriples(keep.length);
  keep.forEach((i, k) => {
    out.head[k] = t.head[i]!;
    out.relation[k] = t.relation[i]!;
    out.tail[k] = t.tail[i]!;
  });
  return out;
}
