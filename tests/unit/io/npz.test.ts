import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { encodeNpy } from "../../../src/io/npy.js";
import { type NpzMember, readNpz, writeNpz } from "../../../src/io/npz.js";

const dir = mkdtempSync(join(tmpdir(), "kgc-npz-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a python3 snippet; null when python3 + numpy are unavailable. */
function python(code: string): string | null {
  const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return null;
  const run = spawnSync("python3", ["-c", code], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

function members(): Record<string, NpzMember> {
  return {
    t_pred_top10: { dtype: "<i2", shape: [4, 10], data: new Int16Array(40).map((_, i) => (i * 37) % 1001 - 3) },
    scores: { dtype: "<f4", shape: [2, 3], data: Float32Array.of(0.5, -1.25, 3e-8, 7, 8.5, -0) },
    ids: { dtype: "<i8", shape: [3], data: Int32Array.of(0, -1, 2147483647) },
  };
}

function assertKgcError(fn: () => unknown, path: string, problem: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof KgcError, `expected KgcError, got ${String(err)}`);
    assert.equal(err.file, path);
    assert.ok(err.message.includes(path));
    assert.match(err.message, problem);
    return true;
  });
}

describe("npz", () => {
  it("round-trips stored and deflated archives through readNpz", () => {
    for (const compress of [false, true]) {
      const path = join(dir, `round-${compress}.npz`);
      writeNpz(path, members(), { compress });
      const back = readNpz(path);
      assert.deepEqual(Object.keys(back), ["t_pred_top10", "scores", "ids"]);
      for (const [key, member] of Object.entries(members())) {
        assert.equal(back[key]!.dtype, member.dtype);
        assert.deepEqual(back[key]!.shape, member.shape);
        const npy = encodeNpy(member.dtype, member.shape, member.data);
        assert.deepEqual(back[key]!.bytes, npy.subarray(npy.byteLength - back[key]!.bytes.byteLength));
      }
    }
  });

  it("writes byte-identical archives from run to run", () => {
    const a = join(dir, "det-a.npz");
    const b = join(dir, "det-b.npz");
    writeNpz(a, members(), { compress: true });
    writeNpz(b, members(), { compress: true });
    assert.deepEqual(readFileSync(a), readFileSync(b));
  });

  it("is loaded by numpy.load with the same values and byte-exact npy members", (t) => {
    for (const compress of [false, true]) {
      const path = join(dir, `numpy-${compress}.npz`);
      writeNpz(path, members(), { compress });
      // numpy re-saves each array it loaded; the bytes must equal the member kgc wrote
      const out = python(`
import io, json, zipfile, numpy as np
z = np.load(${JSON.stringify(path)})
same = {}
with zipfile.ZipFile(${JSON.stringify(path)}) as zf:
    for k in z.files:
        buf = io.BytesIO(); np.save(buf, z[k]); same[k] = buf.getvalue() == zf.read(k + '.npy')
print(json.dumps({'files': z.files, 'dtype': str(z['t_pred_top10'].dtype), 'shape': list(z['t_pred_top10'].shape),
  'top': z['t_pred_top10'].tolist(), 'scores': z['scores'].tolist(), 'ids': z['ids'].tolist(), 'same': same}))
`);
      if (out === null) {
        t.skip("python3 with numpy not available");
        return;
      }
      const got = JSON.parse(out) as { files: string[]; dtype: string; shape: number[]; top: number[][]; scores: number[][]; ids: number[]; same: Record<string, boolean> };
      assert.deepEqual(got.files, ["t_pred_top10", "scores", "ids"]);
      assert.equal(got.dtype, "int16");
      assert.deepEqual(got.shape, [4, 10]);
      assert.deepEqual(got.top.flat(), [...(members().t_pred_top10!.data as Int16Array)]);
      assert.deepEqual(got.scores.flat(), [...Float32Array.of(0.5, -1.25, 3e-8, 7, 8.5, -0)]);
      assert.deepEqual(got.ids, [0, -1, 2147483647]);
      assert.deepEqual(got.same, { t_pred_top10: true, scores: true, ids: true });
    }
  });

  it("reads archives written by numpy.savez and savez_compressed (ZIP64 headers)", (t) => {
    const stored = join(dir, "np-stored.npz");
    const deflated = join(dir, "np-deflated.npz");
    const out = python(`
import numpy as np
np.savez(${JSON.stringify(stored)}, a=np.arange(6, dtype=np.int64).reshape(2, 3), b=np.array([1.5, -2], dtype=np.float16))
np.savez_compressed(${JSON.stringify(deflated)}, c=np.arange(5, dtype=np.int16))
print('ok')`);
    if (out === null) {
      t.skip("python3 with numpy not available");
      return;
    }
    const a = readNpz(stored);
    assert.equal(a["a"]!.dtype, "<i8");
    assert.deepEqual(a["a"]!.shape, [2, 3]);
    assert.deepEqual([...new BigInt64Array(a["a"]!.bytes.slice().buffer)], [0n, 1n, 2n, 3n, 4n, 5n]);
    assert.equal(a["b"]!.dtype, "<f2");
    const c = readNpz(deflated)["c"]!;
    assert.deepEqual([...new Int16Array(c.bytes.slice().buffer)], [0, 1, 2, 3, 4]);
  });

  it("rejects a member whose data does not fill its shape and leaves no file", () => {
    const path = join(dir, "bad-shape.npz");
    assertKgcError(() => writeNpz(path, { x: { dtype: "<i2", shape: [3, 10], data: new Int16Array(29) } }, { compress: false }), path, /member 'x': data has 58 bytes/);
    assert.equal(existsSync(path), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("bad-shape.npz")), []);
  });

  it("rejects an empty key and leaves no file", () => {
    const path = join(dir, "bad-key.npz");
    assertKgcError(() => writeNpz(path, { "": members().ids! }, { compress: false }), path, /npz key "" must be non-empty/);
    assert.equal(existsSync(path), false);
  });

  it("rejects an archive without arrays and leaves no file", () => {
    const path = join(dir, "no-arrays.npz");
    assertKgcError(() => writeNpz(path, {}, { compress: false }), path, /no arrays to write/);
    assert.equal(existsSync(path), false);
  });

  it("rejects a missing file", () => {
    const missing = join(dir, "missing.npz");
    assertKgcError(() => readNpz(missing), missing, /file not found/);
  });

  it("rejects a file that is not a zip", () => {
    const text = join(dir, "text.npz");
    writeFileSync(text, "not a zip archive at all");
    assertKgcError(() => readNpz(text), text, /not a readable npz \(zip\) archive/);
  });
});
