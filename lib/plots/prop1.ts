/**
 * The Proposition 1 scatter: for every (x, x′) pair and channel, the DC-term change |X₀ − X′₀| of the
 * unnormalised DFT against the perturbation's l1 norm ||x − x′||₁; the proposition says every point lies on
 * or below the line y = x, drawn for reference.
 */
import { checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One attack's points: `l1[p]` and `dc[p]` are the two sides of the inequality for pair/channel p. */
export interface Prop1Series {
  attack: string;
  l1: ArrayLike<number>;
  dc: ArrayLike<number>;
}

/** The scatter with the bound line y = x over [0, max of both axes]; `log` puts both axes on log scales. */
export function prop1ScatterSpec(
  series: readonly Prop1Series[],
  options: { log?: boolean; subtitle?: string } = {},
): FigureSpec {
  const name = "Proposition 1";
  if (series.length === 0) throw new PlotDataError(name, "no attacks given");
  checkUniqueNames(name, series.map((s) => s.attack));
  const points: Record<string, unknown>[] = [];
  let max = 0;
  let min = Infinity;
  for (const s of series) {
    if (s.l1.length !== s.dc.length) {
      throw new PlotDataError(
        name,
        `attack '${s.attack}': ${s.l1.length} l1 norms but ${s.dc.length} DC changes`,
      );
    }
    for (let p = 0; p < s.l1.length; p++) {
      const x = s.l1[p];
      const y = s.dc[p];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (options.log && (x <= 0 || y <= 0)) continue;
      points.push({ attack: s.attack, l1: tidy(x), dc: tidy(y) });
      max = Math.max(max, x, y);
      if (x > 0) min = Math.min(min, x);
      if (y > 0) min = Math.min(min, y);
    }
  }
  if (points.length === 0) throw new PlotDataError(name, "no finite points to plot");
  const lo = options.log ? min : 0;
  const hi = max || 1;
  const scale = options.log ? { type: "log" } : { zero: true };
  return figure(
    {
      width: 320,
      height: 320,
      layer: [
        {
          data: {
            values: [{ l1: lo, dc: lo, label: "y = x (bound)" }, { l1: hi, dc: hi, label: "y = x (bound)" }],
          },
          mark: { type: "line", color: "black", strokeDash: [4, 3] },
          encoding: {
            x: { field: "l1", type: "quantitative", scale },
            y: { field: "dc", type: "quantitative", scale },
          },
        },
        {
          data: { values: points },
          mark: { type: "point", filled: true, size: 18, opacity: 0.6 },
          encoding: {
            x: { field: "l1", type: "quantitative", title: "||x − x′||₁ (per channel)", scale },
            y: { field: "dc", type: "quantitative", title: "|X₀ − X′₀| (DFT DC term)", scale },
            color: { field: "attack", type: "nominal", title: "attack", sort: series.map((s) => s.attack) },
            tooltip: [
              { field: "attack", type: "nominal" },
              { field: "l1", type: "quantitative", format: ".4g" },
              { field: "dc", type: "quantitative", format: ".4g" },
            ],
          },
        },
      ],
    },
    "Proposition 1: |X₀ − X′₀| ≤ ||x − x′||₁",
    options.subtitle ?? "dashed: the bound y = x; every point must lie on or below it",
  );
}
