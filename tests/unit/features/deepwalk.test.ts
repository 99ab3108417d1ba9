/**
 * The DeepWalk kernels: walk generation (properties on a small graph with fixed seeds), the
 * occurrence counts against a TS count over the same corpus, one skip-gram step against a
 * float64 TS computation and a hand-computed case, and training on two linked cliques.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nativeCountOccurrences, nativeSgnsStep, nativeWalks, type SgnsSettings } from "../../../src/backends/native/walk-binding.js";
import { Rng } from "../../../src/core/rng.js";
import { KgcError } from "../../../src/core/errors.js";
import { trainDeepwalk, DEEPWALK_DEFAULTS } from "../../../src/features/deepwalk.js";
import { graphOf, randomTriples, type Triple } from "./graph.js";

const E = 12;
const triples = randomTriples(new Rng(3), 30, 10, 3); // entities 10 and 11 have no triples
const graph = graphOf(triples, E, 3);

/** Undirected neighbour multiset of u: tails of its out-edges, heads of its in-edges. */
function neighbours(u: number): number[] {
  return [...triples.filter((t) => t[0] === u).map((t) => t[2]), ...triples.filter((t) => t[2] === u).map((t) => t[0])];
}

describe("random walks", () => {
  it("walk w starts at w % E, steps along undirected edges, and stops only at an entity without triples", () => {
    const L = 9;
    const walks = nativeWalks(graph, 7, L, 0, 5 * E);
    for (let w = 0; w < 5 * E; w++) {
      const row = Array.from(walks.subarray(w * L, (w + 1) * L));
      assert.equal(row[0], w % E);
      const len = row.indexOf(-1) === -1 ? L : row.indexOf(-1);
      assert.ok(row.slice(len).every((v) => v === -1));
      if (w % E >= 10) assert.equal(len, 1, "an isolated entity's walk is itself");
      else assert.equal(len, L, "every other entity has a neighbour");
      for (let i = 1; i < len; i++) assert.ok(neighbours(row[i - 1]!).includes(row[i]!), `step ${row[i - 1]} -> ${row[i]} is no edge`);
    }
  });

  it("is a pure function of (seed, walk index): ranges agree, seeds differ", () => {
    const a = nativeWalks(graph, 11, 6, 0, 40);
    const b = nativeWalks(graph, 11, 6, 20, 20);
    assert.deepEqual(a.subarray(20 * 6), b);
    assert.deepEqual(nativeWalks(graph, 11, 6, 0, 40), a);
    assert.notDeepEqual(nativeWalks(graph, 12, 6, 0, 40), a);
  });

  it("steps uniformly over the neighbour multiset (a neighbour linked twice is twice as likely)", () => {
    const u = 0;
    const nb = neighbours(u);
    const n = 20000;
    const walks = nativeWalks(graph, 5, 2, 0, n * E);
    const seen = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const next = walks[(k * E + u) * 2 + 1]!;
      seen.set(next, (seen.get(next) ?? 0) + 1);
    }
    for (const v of new Set(nb)) {
      const p = nb.filter((x) => x === v).length / nb.length;
      const sd = Math.sqrt((p * (1 - p)) / n);
      assert.ok(Math.abs(seen.get(v)! / n - p) < 5 * sd, `neighbour ${v}: ${seen.get(v)! / n} vs ${p}`);
    }
    assert.equal([...seen.keys()].filter((v) => !nb.includes(v)).length, 0);
  });

  it("counts every entity's occurrences in one epoch exactly as a count over the stored corpus, on 2 threads", async () => {
    const s: SgnsSettings = { dim: 4, window: 2, negatives: 1, walkLength: 7, numWalks: 3 * E, epochs: 1, lr: 0.025, minLr: 0, threads: 2, seed: 9 };
    const counts = await nativeCountOccurrences(graph, s);
    const expected = new Float64Array(E);
    for (const v of nativeWalks(graph, 9, 7, 0, 3 * E)) if (v >= 0) expected[v]! += 1;
    assert.deepEqual(counts, expected);
  });

  it("refuses a CSR whose ids are out of range, naming it", () => {
    const bad = graphOf([[0, 0, 1]] as Triple[], 2, 1);
    bad.in.neighbor[0] = 5;
    assert.throws(() => nativeWalks(bad, 0, 3, 0, 1), (e: unknown) => e instanceof KgcError && /csr-in: edge 0/.test(e.message));
  });
});

/** word2vec's update in float64: the context's input row against the centre (1) and the negatives (0, skipping the centre). */
function referenceStep(inp: Float64Array, out: Float64Array, dim: number, context: number, centre: number, negs: number[], lr: number): void {
  const x = inp.subarray(context * dim, (context + 1) * dim);
  const neu1e = new Float64Array(dim);
  [centre, ...negs].forEach((target, d) => {
    if (d > 0 && target === centre) return;
    const y = out.subarray(target * dim, (target + 1) * dim);
    let f = 0;
    for (let k = 0; k < dim; k++) f += x[k]! * y[k]!;
    const g = ((d === 0 ? 1 : 0) - 1 / (1 + Math.exp(-f))) * lr;
    for (let k = 0; k < dim; k++) neu1e[k]! += g * y[k]!;
    for (let k = 0; k < dim; k++) y[k]! += g * x[k]!;
  });
  for (let k = 0; k < dim; k++) x[k]! += neu1e[k]!;
}

describe("skip-gram step", () => {
  it("matches a hand computation (centre row zero, one negative)", () => {
    const inp = Float32Array.of(0.5, -1, 0, 0, 0, 0);
    const out = Float32Array.of(0, 0, 0, 0, 1, 1);
    nativeSgnsStep(inp, out, 2, 0, 1, Int32Array.of(2), 0.1);
    // centre: f = 0, g = 0.05 -> y1 = 0.05 x = (0.025, -0.05); negative: f = -0.5, g = -0.1 s(-0.5) = -0.0377541
    // -> y2 = (1, 1) + g x = (0.981123, 1.037754); x += g (1, 1) + 0.05 (0, 0) = (0.462246, -1.037754)
    const expected = [0.462246, -1.037754, 0, 0, 0, 0, 0, 0, 0.025, -0.05, 0.981123, 1.037754];
    [...inp, ...out].forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `value ${i}: ${v} vs ${expected[i]}`));
  });

  it("matches the float64 reference on random rows, with a negative equal to the centre and a repeated one", () => {
    const rng = new Rng(21);
    const dim = 37, rows = 6;
    const inp = Float32Array.from({ length: rows * dim }, () => rng.normal() * 0.3);
    const out = Float32Array.from({ length: rows * dim }, () => rng.normal() * 0.3);
    const refIn = Float64Array.from(inp), refOut = Float64Array.from(out), before = Float32Array.from(out);
    const negs = [4, 2, 4, 5];
    nativeSgnsStep(inp, out, dim, 1, 2, Int32Array.from(negs), 0.05);
    referenceStep(refIn, refOut, dim, 1, 2, negs, 0.05);
    for (let i = 0; i < inp.length; i++) {
      assert.ok(Math.abs(inp[i]! - refIn[i]!) < 1e-5, `input ${i}`);
      assert.ok(Math.abs(out[i]! - refOut[i]!) < 1e-5, `output ${i}`);
    }
    assert.ok(out.some((v, i) => Math.abs(v - before[i]!) > 1e-4), "the step moved the output rows");
  });
});

describe("DeepWalk training", () => {
  // two 6-cliques joined by one edge: walks stay mostly inside a clique
  const cliques: Triple[] = [];
  for (const base of [0, 6]) for (let a = 0; a < 6; a++) for (let b = a + 1; b < 6; b++) cliques.push([base + a, 0, base + b]);
  cliques.push([5, 0, 6]);
  const g = graphOf(cliques, 12, 1);
  const options = { ...DEEPWALK_DEFAULTS, dim: 16, walksPerNode: 40, walkLength: 20, window: 3, epochs: 2, threads: 1, seed: 4 };
  const cos = (e: Float32Array, a: number, b: number): number => {
    let ab = 0, aa = 0, bb = 0;
    for (let k = 0; k < 16; k++) {
      ab += e[a * 16 + k]! * e[b * 16 + k]!;
      aa += e[a * 16 + k]! ** 2;
      bb += e[b * 16 + k]! ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  };

  it("puts entities of the same clique closer than entities of different cliques", async () => {
    const { embedding, pairs, walks } = await trainDeepwalk(g, options);
    assert.equal(walks, 40 * 12 * 2);
    assert.ok(pairs > walks * 19, `pairs ${pairs}`);
    let within = 0, across = 0, nw = 0, na = 0;
    for (let a = 0; a < 12; a++) for (let b = a + 1; b < 12; b++) {
      if ((a < 6) === (b < 6)) (within += cos(embedding, a, b)), nw++;
      else (across += cos(embedding, a, b)), na++;
    }
    assert.ok(within / nw > across / na + 0.3, `within ${within / nw}, across ${across / na}`);
  });

  it("is bit-reproducible on one thread with the same seed", async () => {
    const a = await trainDeepwalk(g, options);
    const b = await trainDeepwalk(g, options);
    assert.deepEqual(a.embedding, b.embedding);
    const c = await trainDeepwalk(g, { ...options, seed: 5 });
    assert.notDeepEqual(a.embedding, c.embedding);
  });
});
