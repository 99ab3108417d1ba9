/** Meta test (PyKEEN): every registered interaction has its own unit test file. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { interactionNames } from "../../src/models/registry.js";

const FILE_OF: Record<string, string> = { "transe-l1": "transe", "transe-l2": "transe", ote: "ote", note: "ote" };

it("every registered interaction has a unit test", () => {
  for (const name of interactionNames()) {
    const file = FILE_OF[name] ?? name;
    const path = fileURLToPath(new URL(`../unit/models/${file}.test.js`, import.meta.url));
    assert.ok(existsSync(path), `no unit test for interaction '${name}' (expected tests/unit/models/${file}.test.ts)`);
  }
});
