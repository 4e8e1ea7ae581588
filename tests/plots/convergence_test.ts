/** The synthesis convergence figure: one row per (model, step) with its distance; malformed input refused. */
import { assertEquals, assertThrows } from "./assert.ts";
import { compileToVega, convergenceSpec, PlotDataError } from "../../lib/plots/mod.ts";

Deno.test("convergence figure: rows per model and step, log y axis, compiles to Vega", () => {
  const spec = convergenceSpec([
    { model: "natural", iteration: [0, 500, 1000], distance: [0.8, 0.1, 0.05] },
    { model: "l2 0.5", iteration: [0, 1000], distance: [0.9, 0.2] },
  ]);
  // deno-lint-ignore no-explicit-any
  const s = spec as any;
  const rows = s.data.values as { model: string; step: number; distance: number }[];
  assertEquals(rows.length, 5);
  assertEquals(rows.filter((r) => r.model === "l2 0.5").map((r) => [r.step, r.distance]), [[0, 0.9], [
    1000,
    0.2,
  ]]);
  assertEquals(s.encoding.y.scale.type, "log");
  const warnings: string[] = [];
  compileToVega(spec, warnings, "convergence");
  assertEquals(warnings, []);
  assertThrows(() => convergenceSpec([]), PlotDataError);
  assertThrows(() => convergenceSpec([{ model: "m", iteration: [0, 1], distance: [1] }]), PlotDataError);
  assertThrows(
    () =>
      convergenceSpec([
        { model: "m", iteration: [0], distance: [1] },
        { model: "m", iteration: [0], distance: [1] },
      ]),
    PlotDataError,
  );
});
