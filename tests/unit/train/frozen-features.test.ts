/**
 * Feature matrices beyond an ArrayBuffer (4 GiB in Node 20; WikiKG90M's 87M x 768 fp16 entity
 * features are 134 GB) are refused in one line before anything is mapped. The file is sparse: a
 * header and a hole, no disk blocks, nothing read.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import { KgcError } from "../../../src/core/errors.js";
import { encodeNpyHeader } from "../../../src/io/npy.js";
import { loadFeatures } from "../../../src/train/frozen-features.js";

const root = mkdtempSync(join(tmpdir(), "kgc-features-"));
after(() => rmSync(root, { recursive: true, force: true }));

it("refuses features of more bytes than an ArrayBuffer holds, naming the file", () => {
  const rows = 2_796_203, dim = 768; // rows x dim x 2 bytes = 2^32 + 512
  const path = join(root, "entity_feat.npy");
  const header = encodeNpyHeader("<f2", [rows, dim]);
  writeFileSync(path, header);
  truncateSync(path, header.byteLength + rows * dim * 2);
  assert.throws(() => loadFeatures(path, rows), (e: unknown) => e instanceof KgcError && /entity_feat\.npy/.test(e.file) && /4294967936 bytes of features are more than an ArrayBuffer holds/.test(e.problem));
});
