/**
 * A short run on the public Kinship / Nations / UMLS sets (../shared/datasets, skipped when
 * absent) beats a random model's filtered test MRR by a wide margin.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { it } from "node:test";
import { shortRun } from "../../../bench/accuracy.js";

const root = fileURLToPath(new URL("../../../../../shared/datasets/", import.meta.url));

for (const ds of ["Kinship", "Nations", "UMLS"]) {
  it(`${ds}: 300 RotatE steps beat a random model`, { skip: !existsSync(root + ds) && "dataset not present" }, async () => {
    const r = await shortRun(root + ds, "rotate", 300, 1);
    // Nations (random .232) lands anywhere in .58-.64 over seeds 1-5 (measured 2026-12-02, scalar and
    // AVX2 kernels alike): the bar sits under that spread and still at 2.2x random
    assert.ok(r.mrr > Math.min(3 * r.random, 0.4 + r.random / 2), `filtered MRR ${r.mrr.toFixed(3)} vs random ${r.random.toFixed(3)}`);
  });
}
