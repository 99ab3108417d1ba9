import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { findShardFiles, isShardFile, parseShard, shardPath, shardRange } from "../../../src/core/shard.js";
import { tmpDir } from "../../helpers.js";

describe("shard spec", () => {
  test("parses i/n with 0 <= i < n", () => {
    assert.deepEqual(parseShard("0/1"), { index: 0, count: 1 });
    assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  });

  test("refuses a bad spec with one line naming --shard", () => {
    for (const [spec, problem] of [["3/2", /must be below n/], ["2/2", /must be below n/], ["a/b", /is not i\/n/], ["1/0", /at least 1/], ["-1/2", /is not i\/n/], ["1", /is not i\/n/], ["", /is not i\/n/]] as const) {
      assert.throws(() => parseShard(spec), (err: unknown) => err instanceof KgcError && err.file === "--shard" && problem.test(err.problem) && !err.message.includes("\n"), spec);
    }
  });
});

describe("shard ranges", () => {
  test("are contiguous, in order, balanced within one and cover every query", () => {
    for (const total of [0, 1, 7, 20, 1001]) {
      for (const count of [1, 2, 3, 7, 25]) {
        let next = 0;
        const sizes: number[] = [];
        for (let index = 0; index < count; index++) {
          const r = shardRange({ index, count }, total);
          assert.equal(r.start, next, `${index}/${count} of ${total}`);
          sizes.push(r.end - r.start);
          next = r.end;
        }
        assert.equal(next, total);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
      }
    }
  });
});

describe("shard file names", () => {
  test("one rule for every stage, recognised by the listing", () => {
    assert.equal(shardPath("m/scores-valid.npy", { index: 0, count: 3 }), "m/scores-valid.shard-0-of-3.npy");
    assert.equal(shardPath("f/valid-rt.npy", { index: 11, count: 12 }), "f/valid-rt.shard-11-of-12.npy");
    assert.ok(isShardFile("valid-rt.shard-0-of-3.npy"));
    assert.ok(!isShardFile("valid-rt.npy") && !isShardFile("valid-rt.shard-0-of-3.npy.tmp-12"));
    const dir = tmpDir("shard-names");
    for (const f of ["valid-rt.shard-1-of-3.npy", "valid-rt.shard-0-of-3.npy", "valid-rt-tr.shard-0-of-3.npy", "valid-rt.npy", "valid-rt.shard-0-of-3.provenance.json"]) writeFileSync(join(dir, f), "");
    assert.deepEqual(findShardFiles(join(dir, "valid-rt.npy")).map((s) => [s.index, s.count]), [[0, 3], [1, 3]]);
  });
});
