/** Interval levels as the report writes them: from the data, distinct levels listed, no float noise. */
import { assertEquals } from "../plots/assert.ts";
import { DEFAULT_LEVEL, levelText } from "../../lib/report/level.ts";

Deno.test("levelText: one level, several distinct ones in order, none", () => {
  assertEquals(levelText([0.95, 0.95]), "95 %");
  assertEquals(levelText([0.68]), "68 %", "0.68 · 100 is 68.00000000000001 in floating point");
  assertEquals(levelText([0.99, 0.9, 0.95, 0.9]), "90 %, 95 % and 99 %");
  assertEquals(levelText([0.995]), "99.5 %");
  assertEquals(levelText([]), "–");
  assertEquals(DEFAULT_LEVEL, 0.95, "the default of every stage's `level` param (tasks/rct.ts, occlusion…)");
});
