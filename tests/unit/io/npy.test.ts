import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { encodeNpy, encodeNpyHeader, iterateNpyRows, NpyRowReader, NpyWriter, readNpyFloat32, readNpyFloat64, readNpyHeader, readNpyInt32, writeNpy } from "../../../src/io/npy.js";
import { tmpDir } from "../../helpers.js";

const dir = tmpDir("npy");
const hasNumpy = spawnSync("python3", ["-c", "import numpy"]).status === 0;

function numpy(code: string): string {
  const r = spawnSync("python3", ["-c", `import numpy as np\n${code}`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("npy header", () => {
  test("v1 header is 64-byte aligned and parses back", () => {
    const path = join(dir, "a.npy");
    writeNpy(path, "<i4", [2, 3], Int32Array.from([1, 2, 3, 4, 5, 6]));
    const h = readNpyHeader(path);
    assert.deepEqual(h.shape, [2, 3]);
    assert.equal(h.dtype, "<i4");
    assert.equal(h.dataOffset % 64, 0);
    assert.deepEqual(Array.from(readNpyInt32(path).data), [1, 2, 3, 4, 5, 6]);
  });

  test("versions 2.0 and 3.0 (4-byte header length) are read", () => {
    for (const major of [2, 3]) {
      const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
      const total = Math.ceil((12 + dict.length + 1) / 64) * 64;
      const header = Buffer.alloc(total, 0x20);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(header);
      header.writeUInt32LE(total - 12, 8);
      header.write(dict, 12, "latin1");
      header[total - 1] = 0x0a;
      const path = join(dir, `v${major}.npy`);
      writeFileSync(path, Buffer.concat([header, Buffer.from(new Float32Array([1.5, -2]).buffer)]));
      assert.deepEqual(Array.from(readNpyFloat32(path).data), [1.5, -2]);
    }
  });

  test("numpy-written files of every supported dtype are read", { skip: !hasNumpy && "python3/numpy not available" }, () => {
    const path = join(dir, "np-%s.npy");
    numpy(`
for dt in ['<i8','<i4','<i2','|i1','|u1','<u2','<u4','<f2','<f4','<f8']:
    np.save('${path}'.replace('%s', dt[1:]), np.arange(6, dtype=dt).reshape(3, 2))`);
    for (const dt of ["i8", "i4", "i2", "i1", "u1", "u2", "u4"]) assert.deepEqual(Array.from(readNpyInt32(path.replace("%s", dt)).data), [0, 1, 2, 3, 4, 5], dt);
    for (const dt of ["f2", "f4", "f8"]) assert.deepEqual(Array.from(readNpyFloat32(path.replace("%s", dt)).data), [0, 1, 2, 3, 4, 5], dt);
  });

  test("files we write are read by numpy byte-exactly", { skip: !hasNumpy && "python3/numpy not available" }, () => {
    const path = join(dir, "ours.npy");
    writeNpy(path, "<i8", [3], Int32Array.from([-1, 0, 2147483647]));
    assert.equal(numpy(`a = np.load('${path}'); print(a.dtype, a.shape, a.tolist())`), "int64 (3,) [-1, 0, 2147483647]");
    const f16 = join(dir, "half.npy");
    writeNpy(f16, "<f2", [2, 2], Float32Array.from([0.5, -1, 65504, 1e-3]));
    assert.equal(numpy(`a = np.load('${f16}'); b = np.array([0.5, -1, 65504, 1e-3], dtype=np.float16).reshape(2, 2); print(a.dtype, (a.view(np.uint16) == b.view(np.uint16)).all())`), "float16 True");
  });
});

describe("npy streaming", () => {
  test("an array longer than one write piece (2^24 elements) is written whole and in order", () => {
    const path = join(dir, "pieces.npy");
    const n = (1 << 24) + 7;
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = (i * 2654435761) | 0;
    writeNpy(path, "<i8", [n], data);
    const back = readNpyInt32(path);
    assert.deepEqual(back.shape, [n]);
    let firstBad = -1;
    for (let i = 0; i < n && firstBad < 0; i++) if (back.data[i] !== data[i]) firstBad = i;
    assert.equal(firstBad, -1, `element ${firstBad} differs`);
  });

  test("iterateNpyRows yields whole rows in bounded chunks", () => {
    const path = join(dir, "rows.npy");
    const data = Int32Array.from({ length: 3 * 1000 }, (_, i) => i);
    writeNpy(path, "<i8", [1000, 3], data);
    let rows = 0;
    let maxBytes = 0;
    const out = new Int32Array(3000);
    for (const chunk of iterateNpyRows(path, 240)) {
      assert.equal(chunk.rowStart, rows);
      rows += chunk.rowCount;
      maxBytes = Math.max(maxBytes, chunk.bytes.byteLength);
      new BigInt64Array(chunk.bytes.buffer, chunk.bytes.byteOffset, chunk.rowCount * 3).forEach((v, i) => (out[chunk.rowStart * 3 + i] = Number(v)));
    }
    assert.equal(rows, 1000);
    assert.ok(maxBytes <= 240, `chunk of ${maxBytes} bytes`);
    assert.deepEqual(out, data);
  });

  test("NpyWriter appends chunks and renames only when complete", () => {
    const path = join(dir, "stream.npy");
    const w = new NpyWriter(path, "<i4", [4, 2]);
    w.write(Int32Array.from([1, 2, 3, 4]));
    assert.equal(existsSync(path), false, "no final file before close");
    w.write(Int32Array.from([5, 6, 7, 8]));
    w.close();
    assert.deepEqual(Array.from(readNpyInt32(path).data), [1, 2, 3, 4, 5, 6, 7, 8]);
    const short = new NpyWriter(join(dir, "short.npy"), "<i4", [4]);
    short.write(Int32Array.from([1]));
    assert.throws(() => short.close(), /1 of 4 elements/);
    assert.equal(existsSync(join(dir, "short.npy")), false);
    assert.equal(readdirSync(dir).filter((f) => f.startsWith("short.npy.tmp")).length, 0, "temporary file removed");
  });

  test("int64 offsets beyond 2^31 survive as float64", () => {
    const path = join(dir, "offsets.npy");
    writeNpy(path, "<i8", [3], Float64Array.from([0, 2 ** 31 + 5, 2 ** 40]));
    assert.deepEqual(Array.from(readNpyFloat64(path).data), [0, 2 ** 31 + 5, 2 ** 40]);
  });

  test("NpyRowReader reads a row range of fp16 features", () => {
    const path = join(dir, "feat.npy");
    writeNpy(path, "<f2", [5, 2], Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const reader = new NpyRowReader(path);
    const out = new Float32Array(4);
    reader.readRows(2, 2, out);
    reader.close();
    assert.deepEqual(Array.from(out), [4, 5, 6, 7]);
  });
});

describe("npy bad input", () => {
  const bad = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const header = (dict: string): Buffer => {
    const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
    const b = Buffer.alloc(total, 0x20);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(b);
    b.writeUInt16LE(total - 10, 8);
    b.write(dict, 10, "latin1");
    b[total - 1] = 0x0a;
    return b;
  };
  const expectError = (path: string, pattern: RegExp): void => {
    assert.throws(() => readNpyInt32(path), (err: unknown) => err instanceof KgcError && err.file === path && pattern.test(err.problem));
  };

  test("empty file", () => expectError(bad("empty.npy", new Uint8Array(0)), /empty file/));
  test("not npy", () => expectError(bad("text.npy", Buffer.from("hello world, not numpy")), /bad magic/));
  test("truncated header", () => expectError(bad("trunc.npy", header("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }").subarray(0, 30)), /truncated npy header/));
  test("corrupt header", () => expectError(bad("corrupt.npy", header("{'descr': '<i4', 'shape': (2,), }")), /corrupt npy header/));
  test("unsupported dtype", () => expectError(bad("dtype.npy", header("{'descr': '>i4', 'fortran_order': False, 'shape': (0,), }")), /unsupported dtype '>i4'/));
  test("Fortran order", () => expectError(bad("fortran.npy", header("{'descr': '<i4', 'fortran_order': True, 'shape': (0,), }")), /Fortran/));
  test("shape disagreeing with the file size", () => {
    const path = bad("size.npy", Buffer.concat([header("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }"), Buffer.alloc(8)]));
    expectError(path, /needs \d+ bytes but the file has \d+/);
  });
  test("int64 beyond int32 and ids outside a range", () => {
    const path = join(dir, "big.npy");
    writeFileSync(path, encodeNpy("<i8", [2], BigInt64Array.from([1n, 1n << 40n])));
    expectError(path, /element 1 is 1099511627776/);
    const ids = join(dir, "ids.npy");
    writeNpy(ids, "<i8", [3], Int32Array.from([0, 5, -1]));
    assert.throws(() => readNpyInt32(ids, { min: 0, maxExclusive: 10, what: "entity id" }), /element 2 is -1, outside the entity id range \[0, 10\)/);
    assert.throws(() => readNpyInt32(ids, { min: 0, maxExclusive: 5, what: "entity id" }), /element 1 is 5/);
  });
  test("NaN or Inf in float data", () => {
    const path = join(dir, "nan.npy");
    writeNpy(path, "<f4", [3], Float32Array.from([1, NaN, 2]));
    assert.throws(() => readNpyFloat32(path), /element 1 is NaN/);
    writeNpy(path, "<f2", [2], Float32Array.from([1, Infinity]));
    assert.throws(() => readNpyFloat32(path), /element 1 is Infinity/);
  });
  test("missing file", () => expectError(join(dir, "nope.npy"), /file not found/));
  test("header encoder pads to 64 bytes", () => assert.equal(encodeNpyHeader("<f4", [1, 2, 3]).byteLength % 64, 0));
  test("readFileSync sanity on what we wrote", () => assert.equal(readFileSync(join(dir, "a.npy"))[6], 1));
});
