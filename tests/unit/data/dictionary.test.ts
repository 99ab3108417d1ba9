/** Close matches of an unknown name: typos anywhere, a flipped first letter's case, a dropped or added first character. */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Dictionary, writeDictionary } from "../../../src/data/dictionary.js";
import { editDistance } from "../../../src/core/edit-distance.js";
import { tmpDir } from "../../helpers.js";

const dir = tmpDir("dictionary");
after(() => rmSync(dir, { recursive: true, force: true }));

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions, and stops past its bound", () => {
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("abc", "abc"), 0);
    assert.equal(editDistance("abcdef", "uvwxyz", 2), 3);
  });
});

describe("Dictionary.closeNames", () => {
  const names = Array.from({ length: 5000 }, (_, i) => `Q${i}`).concat(["Albert_Einstein", "Albert_Camus", "albatross", "Zebra"]);
  const path = join(dir, "dictionary.sqlite");
  writeDictionary(path, names, ["instance_of", "subclass_of"]);
  const dict = new Dictionary(path, { entity: names.length, relation: 2 });
  after(() => dict.close());

  it("finds a typo in the middle, at the end and at the start", () => {
    assert.equal(dict.closeNames("entity", "Albert_Einstien")[0], "Albert_Einstein");
    assert.equal(dict.closeNames("entity", "Albert_Einstei")[0], "Albert_Einstein");
    assert.equal(dict.closeNames("entity", "albert_Einstein")[0], "Albert_Einstein");
    assert.equal(dict.closeNames("entity", "XAlbert_Einstein")[0], "Albert_Einstein");
    assert.equal(dict.closeNames("entity", "Q49999")[0], "Q4999");
    assert.deepEqual(dict.closeNames("relation", "instance-of", 1), ["instance_of"]);
  });

  it("is part of the unknown-name error", () => {
    assert.throws(() => dict.idOf("entity", "Zebar"), /unknown entity name 'Zebar'; close matches: 'Zebra'/);
  });
});
