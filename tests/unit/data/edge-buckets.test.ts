/** Edge buckets built out of core from an Arrow file (several record batches): every triple once, in its bucket. */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Rng } from "../../../src/core/rng.js";
import { allocTriples } from "../../../src/core/types.js";
import { bucketEdges, existingBuckets, readBucket } from "../../../src/data/edge-buckets.js";
import { writeTriplesArrow } from "../../../src/io/arrow.js";

const dir = mkdtempSync(join(tmpdir(), "kgc-buckets-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("bucketEdges", () => {
  it("groups 5,000 triples (batches of 700) by (head partition, tail partition), losing none", async () => {
    const E = 103, n = 5000, P = 4, partSize = Math.ceil(E / P);
    const rng = new Rng(3);
    const t = allocTriples(n);
    for (let i = 0; i < n; i++) {
      t.head[i] = rng.int(E);
      t.relation[i] = rng.int(5);
      t.tail[i] = rng.int(E);
    }
    const path = join(dir, "train.arrow");
    await writeTriplesArrow(path, t, { batchRows: 700 });
    const spec = { partitions: P, partSize, numEntities: E, numTriples: n, source: "x" };
    const index = await bucketEdges(path, join(dir, "edges"), spec);
    assert.equal(index.offsets.at(-1), n);
    const got: string[] = [];
    const fd = openSync(join(dir, "edges.bin"), "r");
    try {
      for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
        const hrt = readBucket(fd, index, i, j);
        for (let e = 0; e < hrt.length / 3; e++) {
          assert.equal(Math.floor(hrt[3 * e]! / partSize), i);
          assert.equal(Math.floor(hrt[3 * e + 2]! / partSize), j);
          got.push(`${hrt[3 * e]},${hrt[3 * e + 1]},${hrt[3 * e + 2]}`);
        }
      }
    } finally {
      closeSync(fd);
    }
    const want = Array.from({ length: n }, (_, i) => `${t.head[i]},${t.relation[i]},${t.tail[i]}`);
    assert.deepEqual(got.sort(), want.sort());
    assert.ok(existingBuckets(join(dir, "edges"), spec), "reused when the spec matches");
    assert.equal(existingBuckets(join(dir, "edges"), { ...spec, source: "y" }), null, "rebuilt for another source");
  });
});
