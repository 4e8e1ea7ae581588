import assert from "node:assert/strict";
import { join } from "node:path";
import { parseVerdict, readVerdicts } from "../../lib/report/verdicts.ts";
import { ReportInputError } from "../../lib/report/mod.ts";
import { pairedMeanVerdict } from "../../lib/stats/mod.ts";

const source = { instance: "rct_pgd", label: "pgd", href: "../../quick/rct_pgd/" };

Deno.test("readVerdicts: what pairedMeanVerdict writes reads back unchanged; no file or no array, none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const v = pairedMeanVerdict({ finding: "x", protocol: "authors", direction: "less" }, [1, 2, 3], [
      2,
      3,
      5,
    ], {
      seed: 1,
      resamples: 50,
    });
    assert.deepEqual(await readVerdicts(dir, source), []);
    await Deno.writeTextFile(join(dir, "summary.json"), JSON.stringify({ shares: null }));
    assert.deepEqual(await readVerdicts(dir, source), []);
    await Deno.writeTextFile(join(dir, "summary.json"), JSON.stringify({ verdicts: [v] }));
    assert.deepEqual(await readVerdicts(dir, source), [{ source, verdict: v }]);
    await Deno.writeTextFile(
      join(dir, "summary.json"),
      JSON.stringify({ verdicts: [{ ...v, verdict: "yes" }] }),
    );
    await assert.rejects(readVerdicts(dir, source), /summary\.json: verdicts\[0\]: verdict must be one of/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseVerdict names the bad field", () => {
  const ok = {
    finding: "f",
    protocol: "freqlens",
    effect: 1,
    null: 0,
    difference: { estimate: 1, lo: 0.5, hi: 1.5, level: 0.95 },
    direction: "greater",
    verdict: "reproduced",
  };
  assert.deepEqual(parseVerdict(ok, "w"), ok);
  assert.throws(() => parseVerdict({ ...ok, protocol: "paper" }, "w"), ReportInputError);
  assert.throws(() => parseVerdict({ ...ok, null: null }, "w"), /w: null must be a finite number/);
  assert.throws(
    () => parseVerdict({ ...ok, difference: { ...ok.difference, lo: "a" } }, "w"),
    /difference\.lo/,
  );
  assert.throws(() => parseVerdict({ ...ok, finding: "" }, "w"), /needs a finding/);
});
