/** Report tables: CSV keeps raw values, Markdown/HTML format them, rows are ordered, empty input refused. */
import { assert, assertEquals, assertThrows } from "../plots/assert.ts";
import {
  attackSummaryTable,
  bandShareTable,
  EmptyTableError,
  modelAccuracyTable,
  percent,
  sig4,
} from "../../lib/report/mod.ts";

/** A record's source: labelled `label`, from instance `instance`. */
const source = (label: string, instance: string) => ({ label, instance, href: "" });

Deno.test("model accuracy table: CSV has raw fractions, Markdown shows percentages and a dash for a missing PGD", () => {
  const t = modelAccuracyTable([
    {
      source: source("natural", "evaluate[model=natural,x=1]"),
      clean: 0.9123,
      pgd: 0.01,
      pgdSetting: "l∞ 8/255",
      n: 200,
    },
    { source: source("l2 0.5", "evaluate[model=l2]"), clean: 0.8, pgd: null, pgdSetting: "", n: null },
  ]);
  const lines = t.csv.trim().split("\n");
  assertEquals(lines[0], "model,clean,pgd,pgdSetting,n,stage");
  assertEquals(lines[1], `natural,0.9123,0.01,l∞ 8/255,200,"evaluate[model=natural,x=1]"`);
  assert(t.markdown.includes("|natural|91.2 %|1.0 %|"), t.markdown);
  assert(t.markdown.includes("|l2 0.5|80.0 %|–|"), t.markdown);
  assert(t.markdown.includes("clean accuracy"), "friendly header");
  assert(t.html.startsWith("<table>") && t.html.includes("91.2 %"));
  assertEquals(t.rows, 2);
});

Deno.test("attack table keeps the given order; band shares by analysis, group, low→high", () => {
  const base = {
    l2Median: 1,
    l2Mean: 1.5,
    linfMedian: 0.15,
    linfMean: 0.15,
    queries: null,
    imagesPerSecond: 12.3456,
    n: 10,
  };
  const t = attackSummaryTable([
    { ...base, source: source("PGD", "a2"), method: "natural", success: 1 },
    { ...base, source: source("CW", "a1"), method: "natural", success: 0.5 },
    { ...base, source: source("FGSM", "a0"), method: "l2", success: 0.25 },
  ]);
  const attackLines = t.csv.trim().split("\n");
  assertEquals(
    attackLines[0],
    "attack,method,success,l2Median,l2Mean,linfMedian,linfMean,queries,imagesPerSecond,n,stage",
  );
  assertEquals(attackLines.slice(1).map((l) => [l.split(",")[0], l.split(",").at(-1)]), [
    ["PGD", "a2"],
    ["CW", "a1"],
    ["FGSM", "a0"],
  ]);
  assert(t.markdown.includes("|12.35|"), "images/s to 4 significant digits");
  const s = bandShareTable([
    { analysis: "RCT", group: "PGD", part: "high", share: 0.6, lo: 0.5, hi: 0.7, stage: "r" },
    { analysis: "RCT", group: "PGD", part: "low", share: 0.1, lo: 0.05, hi: 0.2, stage: "r" },
    { analysis: "OF", group: "natural", part: "middle", share: 0.3, lo: 0.2, hi: 0.4, stage: "o" },
  ]);
  assertEquals(s.csv.trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 3).join(",")), [
    "OF,natural,middle",
    "RCT,PGD,low",
    "RCT,PGD,high",
  ]);
  assertThrows(() => bandShareTable([]), EmptyTableError, "band_shares");
});

Deno.test("formatters", () => {
  assertEquals(percent(0.1234), "12.3 %");
  assertEquals(percent(null), "–");
  assertEquals(sig4(123456), "1.235e+5");
  assertEquals(sig4(0.00001234), "1.234e-5");
  assertEquals(sig4(3.14159), "3.142");
  assertEquals(sig4(0), "0");
});
