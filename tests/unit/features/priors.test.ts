import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nativePriorsBuild, nativePriorsFeatures, nativePriorsListCounts, NATIVE_PRIOR_FEATURES } from "../../../src/backends/native/priors-binding.js";
import { KgcError } from "../../../src/core/errors.js";
import { Rng } from "../../../src/core/rng.js";
import type { Triples } from "../../../src/core/types.js";
import { buildCsrFiles, loadCsr } from "../../../src/data/csr.js";
import { memoryTripleSource } from "../../../src/data/triple-source.js";
import { PRIOR_FEATURES } from "../../../src/features/priors.js";
import { referencePriorFeatures, type ReferenceQueries } from "../../../src/features/priors-reference.js";
import { tmpDir, triplesOf } from "../../helpers.js";

/** Every feature from the native kernel, in `chunk`-query calls. shape of each: [Q, K] */
async function nativeFeatures(train: Triples, E: number, R: number, q: ReferenceQueries, hubLimit: number, threads: number, chunk: number): Promise<Map<string, Float32Array>> {
  const dir = tmpDir("priors");
  buildCsrFiles(memoryTripleSource(train), dir, { numEntities: E, numRelations: R, budgetBytes: 1 << 20 });
  const handle = await nativePriorsBuild(loadCsr(dir, "out", E), loadCsr(dir, "in", E), E, R, threads);
  const K = q.width;
  const Q = q.head.length;
  await nativePriorsListCounts(handle, q.relation, q.head, q.candidates, K, threads);
  const full = PRIOR_FEATURES.map(() => new Float32Array(Q * K));
  for (let s = 0; s < Q; s += chunk) {
    const e = Math.min(Q, s + chunk);
    const outs = full.map(() => new Float32Array((e - s) * K));
    await nativePriorsFeatures(handle, q.head.subarray(s, e), q.relation.subarray(s, e), s, q.candidates.subarray(s * K, e * K), K, outs, hubLimit, threads);
    outs.forEach((o, f) => full[f]!.set(o, s * K));
  }
  return new Map(PRIOR_FEATURES.map((f, i) => [f.name, full[i]!]));
}

/** A random multigraph with a hub (entity 0, many in-edges), isolated entities and repeated (h, t) pairs. */
function randomGraph(E: number, R: number, n: number, seed: number): Triples {
  const rng = new Rng(seed);
  const rows: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) {
    const h = Math.floor(rng.next() ** 2 * (E - 3)); // skewed heads; the last 3 entities stay isolated
    const t = rng.next() < 0.15 ? 0 : rng.int(E - 3);
    rows.push([h, rng.int(R), t]);
    if (rng.next() < 0.2) rows.push([h, rng.int(R), t]); // a second edge between the same pair
  }
  return triplesOf(rows);
}

function randomQueries(E: number, R: number, Q: number, K: number, seed: number): ReferenceQueries {
  const rng = new Rng(seed);
  const q: ReferenceQueries = { head: new Int32Array(Q), relation: new Int32Array(Q), candidates: new Int32Array(Q * K), width: K };
  for (let i = 0; i < Q; i++) {
    q.head[i] = rng.next() < 0.3 && i > 0 ? q.head[i - 1]! : rng.int(E); // repeated heads for head-list-count
    q.relation[i] = rng.int(R);
    for (let j = 0; j < K; j++) q.candidates[i * K + j] = rng.next() < 0.05 && j > 0 ? q.candidates[i * K + j - 1]! : rng.int(E);
  }
  return q;
}

function assertClose(actual: Float32Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let nonZero = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (e !== 0) nonZero++;
    assert.ok(Math.abs(actual[i]! - e) <= 1e-5 * Math.max(1e-3, Math.abs(e)), `${what}[${i}]: native ${actual[i]}, reference ${e}`);
  }
  assert.ok(nonZero > 0, `${what}: the reference is all zero, so the comparison proves nothing`);
}

describe("statistical candidate features: native kernel vs the float64 reference", () => {
  const E = 60;
  const R = 6;
  const train = randomGraph(E, R, 420, 7);
  const queries = randomQueries(E, R, 40, 16, 8);
  const hubLimit = 12; // entity 0 has ~60 in-edges: a hub skipped by ht-th-ht
  const reference = referencePriorFeatures(train, E, R, queries, hubLimit);
  const native = nativeFeatures(train, E, R, queries, hubLimit, 2, 7);

  assert.equal(PRIOR_FEATURES.length, NATIVE_PRIOR_FEATURES);
  for (const f of PRIOR_FEATURES) {
    test(`${f.name} (${f.source})`, async () => {
      assertClose((await native).get(f.name)!, reference.get(f.name)!, f.name);
    });
  }

  test("the result does not depend on threads or chunking", async () => {
    const one = await nativeFeatures(train, E, R, queries, hubLimit, 1, 40);
    for (const [name, values] of await native) assert.deepEqual(one.get(name), values, name);
  });

  test("the hub limit changes ht-th-ht only", async () => {
    const open = await nativeFeatures(train, E, R, queries, 1000, 1, 40);
    const ref = referencePriorFeatures(train, E, R, queries, 1000);
    assertClose(open.get("ht-th-ht")!, ref.get("ht-th-ht")!, "ht-th-ht, no hub limit");
    assert.notDeepEqual(open.get("ht-th-ht"), (await native).get("ht-th-ht"));
    assert.deepEqual(open.get("rt-tr-rt"), (await native).get("rt-tr-rt"));
  });
});

describe("statistical candidate features: hand-computed cases", () => {
  // 0 →(r0) 1, 0 →(r1) 1, 0 →(r0) 2, 1 →(r0) 3, 2 →(r1) 3, 4 →(r0) 3
  // out-degrees 0:3 1:1 2:1 4:1; in-degrees 1:2 2:1 3:3; c(r0) = 4, c(r1) = 2
  const train = triplesOf([[0, 0, 1], [0, 1, 1], [0, 0, 2], [1, 0, 3], [2, 1, 3], [4, 0, 3]]);
  const queries: ReferenceQueries = {
    head: Int32Array.of(0, 1, 0),
    relation: Int32Array.of(0, 0, 1),
    candidates: Int32Array.of(3, 1, 4, 4, 2, 0, 3, 3, 2),
    width: 3,
  };
  const native = nativeFeatures(train, 5, 2, queries, 10, 1, 3);
  const row = async (name: string, q: number): Promise<number[]> => Array.from((await native).get(name)!.subarray(q * 3, q * 3 + 3));
  const near = (a: number[], b: number[]): void => a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-6, `${a} vs ${b}`));

  test("ht: P_HT(0, ·) over candidates 3, 1, 4 = 0, 2/3, 0 (two of 0's three edges reach 1)", async () => {
    near(await row("ht", 0), [0, 2 / 3, 0]);
  });

  test("ht-ht: 0 → {1: 2/3, 2: 1/3} → 3 with P_HT = 1 each: candidate 3 gets 1", async () => {
    near(await row("ht-ht", 0), [1, 0, 0]);
  });

  test("ht-th: 1 → 3 ← {1, 2, 4}, P_TH(3, ·) = 1/3 each: candidates 4, 2, 0 get 1/3, 1/3, 0", async () => {
    near(await row("ht-th", 1), [1 / 3, 1 / 3, 0]);
  });

  test("rt and rh: P_RT(r0, ·) = c(· r0 c)/4, P_RH(r0, ·) = c(c r0 ·)/4", async () => {
    near(await row("rt", 0), [2 / 4, 1 / 4, 0]);
    near(await row("rh", 0), [0, 1 / 4, 1 / 4]);
  });

  test("list counts pool the candidate lists of the queries sharing the relation / the head, duplicates included", async () => {
    near(await row("relation-list-count", 0), [1, 1, 2]); // queries 0 and 1 share r0: 4 is in both lists
    near(await row("head-list-count", 0), [3, 1, 1]); // queries 0 and 2 share head 0: 3 appears once + twice
    near(await row("head-list-count", 2), [3, 3, 1]); // a duplicate candidate gets the same value at both places
    near(await row("head-list-count", 1), [1, 1, 1]); // a head asked once: its own row's multiplicities
  });
});

describe("priors binding checks", () => {
  test("rejects out-of-range candidates and a chunk outside the counted split", async () => {
    const dir = tmpDir("priors-bad");
    const train = triplesOf([[0, 0, 1], [1, 0, 2]]);
    buildCsrFiles(memoryTripleSource(train), dir, { numEntities: 3, numRelations: 1, budgetBytes: 1 << 20 });
    const handle = await nativePriorsBuild(loadCsr(dir, "out", 3), loadCsr(dir, "in", 3), 3, 1, 1);
    await assert.rejects(nativePriorsListCounts(handle, Int32Array.of(0), Int32Array.of(0), Int32Array.of(0, 3), 2, 1), KgcError);
    await nativePriorsListCounts(handle, Int32Array.of(0), Int32Array.of(0), Int32Array.of(0, 2), 2, 1);
    const outs = PRIOR_FEATURES.map(() => new Float32Array(2));
    await assert.rejects(nativePriorsFeatures(handle, Int32Array.of(0), Int32Array.of(0), 1, Int32Array.of(0, 2), 2, outs, 10, 1), KgcError);
  });
});
