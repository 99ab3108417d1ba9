import assert from "node:assert/strict";
import { test } from "node:test";
import { Side } from "../../../src/core/types.js";
import { buildFilterIndex, filterAnswers } from "../../../src/data/filter-index.js";
import { triplesOf } from "../../helpers.js";


test("filter index gives each (h, r)'s tails and (t, r)'s heads over all splits, sorted and unique", () => {
  const train = triplesOf([[0, 1, 5], [0, 1, 3], [2, 0, 5], [0, 0, 4]]);
  const valid = triplesOf([[0, 1, 7], [2, 0, 1]]);
  const test_ = triplesOf([[0, 1, 3]]); // repeats a train triple
  const tails = buildFilterIndex([train, valid, test_], 2, Side.Tail);
  assert.deepEqual(Array.from(filterAnswers(tails, 0, 1)), [3, 5, 7]);
  assert.deepEqual(Array.from(filterAnswers(tails, 2, 0)), [1, 5]);
  assert.deepEqual(Array.from(filterAnswers(tails, 0, 0)), [4]);
  assert.deepEqual(Array.from(filterAnswers(tails, 1, 1)), []);
  const heads = buildFilterIndex([train, valid, test_], 2, Side.Head);
  assert.deepEqual(Array.from(filterAnswers(heads, 5, 1)), [0]);
  assert.deepEqual(Array.from(filterAnswers(heads, 5, 0)), [2]);
  assert.deepEqual(Array.from(filterAnswers(heads, 3, 1)), [0]);
});
