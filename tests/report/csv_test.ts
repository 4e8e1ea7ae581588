/**
 * The one CSV writer (tables, `metrics.csv`, `cli metrics --csv`): byte for byte what arquero's own
 * writer makes of the same table, and read back unchanged by arquero's reader.
 */
import * as aq from "arquero";
import fc from "fast-check";
import { assertEquals } from "../plots/assert.ts";
import { csvCell, csvText } from "../../lib/report/csv.ts";

Deno.test("csvCell: numbers and text as they are, empty for null, JSON for objects, quoted when needed", () => {
  assertEquals(csvCell(0.125), "0.125");
  assertEquals(csvCell(1e-7), "1e-7");
  assertEquals(csvCell("pgd"), "pgd");
  assertEquals(csvCell(null), "");
  assertEquals(csvCell(undefined), "");
  assertEquals(csvCell(true), "true");
  assertEquals(csvCell("a[k=1,j=2]"), '"a[k=1,j=2]"');
  assertEquals(csvCell('say "x"'), '"say ""x"""');
  assertEquals(csvCell("two\nlines"), '"two\nlines"');
  assertEquals(csvCell({ norm: "l2", eps: 0.5 }), '"{""norm"":""l2"",""eps"":0.5}"');
  assertEquals(csvText(["a", "b,c"], [[1, null], ["x", 2]]), 'a,"b,c"\n1,\nx,2\n');
});

Deno.test("csvText: the same bytes as arquero's toCSV, and fromCSV reads the values back", () => {
  const cell = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string(),
    fc.constantFrom("a,b", 'q"q', "l\nm", "", null),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(cell, cell, cell), { minLength: 1, maxLength: 8 }), (rows) => {
      const header = ["x", "y,z", "w"];
      const table = aq.table(Object.fromEntries(header.map((h, k) => [h, rows.map((r) => r[k])])));
      assertEquals(csvText(header, rows), aq.toCSV(table));
    }),
    { seed: 15, numRuns: 200 },
  );
  const rows = [[0.25, "pgd", "a[k=1,j=2]"], [-3e-9, "l∞", null]];
  const back = aq.fromCSV(csvText(["eps", "method", "instance"], rows), { autoType: true });
  assertEquals(back.objects(), [
    { eps: 0.25, method: "pgd", instance: "a[k=1,j=2]" },
    { eps: -3e-9, method: "l∞", instance: null },
  ]);
});
