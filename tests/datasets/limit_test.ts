import assert from "node:assert/strict";
import fc from "fast-check";
import { stratifiedIndices } from "../../lib/datasets/mod.ts";

Deno.test("stratifiedIndices: per-class quotas ⌊limit/K⌋ (+1 for the first limit mod K classes), sorted, seeded", () => {
  const labels = Int32Array.from({ length: 100 }, (_, i) => i % 4);
  const idx = stratifiedIndices(labels, 4, 10, 7);
  assert.equal(idx.length, 10);
  const counts = [0, 0, 0, 0];
  idx.forEach((i) => counts[labels[i]]++);
  assert.deepEqual(counts, [3, 3, 2, 2]);
  assert.deepEqual([...idx], [...idx].sort((a, b) => a - b));
  assert.deepEqual(stratifiedIndices(labels, 4, 10, 7), idx);
  assert.notDeepEqual(stratifiedIndices(labels, 4, 10, 8), idx);
  assert.equal(stratifiedIndices(labels, 4, 100, 7).length, 100);
  // A class with fewer items than its quota gives what it has.
  const skewed = Int32Array.from([0, 0, 0, 0, 0, 0, 1]);
  const s = stratifiedIndices(skewed, 2, 4, 1);
  assert.equal(s.length, 3);
  assert.ok(s.includes(6));
});

Deno.test("stratifiedIndices: distinct valid indices and balanced classes for any labels (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 200 }),
      fc.nat(250),
      fc.integer(),
      (ls, limit, seed) => {
        const labels = Int32Array.from(ls);
        const idx = stratifiedIndices(labels, 5, limit, seed);
        assert.equal(new Set(idx).size, idx.length);
        assert.ok(idx.every((i) => i >= 0 && i < labels.length));
        assert.ok(idx.length <= Math.max(limit, 0) || limit >= labels.length);
        if (limit < labels.length) {
          for (let c = 0; c < 5; c++) {
            const have = ls.filter((l) => l === c).length;
            const quota = Math.floor(limit / 5) + (c < limit % 5 ? 1 : 0);
            assert.equal([...idx].filter((i) => labels[i] === c).length, Math.min(have, quota));
          }
        }
      },
    ),
    { numRuns: 100 },
  );
});
