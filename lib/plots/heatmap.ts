/**
 * One heat-map panel of a 2-D DCT-indexed map (row frequency i down, column frequency j across, (0, 0) the
 * DC term top-left as in the paper's figures): the building block of the RCT, spectra and Fourier figures.
 */
import { type Grid, gridRows, indexTicks } from "./data.ts";
import type { ViewSpec } from "./spec.ts";
import { HEAT_SCHEME } from "./theme.ts";

/** Options of {@link heatmapPanel}. */
export interface HeatmapOptions {
  /** Panel title (attack, model, data set…). */
  title: string;
  /** Title of the colour legend. */
  colorTitle: string;
  /** Pixels per cell side; default 5, or more so the panel is at least 140 px (a 32×32 map is 160 px). */
  cell?: number;
  /** Fixed colour domain `[min, max]`, e.g. `[0, 1]` for error rates; default: the panel's data range. */
  colorDomain?: [number, number];
  /** Axis titles; default "column frequency j" / "row frequency i". */
  xTitle?: string;
  yTitle?: string;
}

/** A unit spec drawing `grid` as coloured cells, with its own data and legend. */
export function heatmapPanel(grid: Grid, options: HeatmapOptions): ViewSpec {
  const cell = options.cell ?? Math.max(5, Math.ceil(140 / Math.max(grid.width, grid.height)));
  const scale: Record<string, unknown> = { scheme: HEAT_SCHEME };
  if (options.colorDomain) scale.domain = options.colorDomain;
  return {
    title: options.title,
    data: { values: gridRows(grid) },
    mark: { type: "rect" },
    width: grid.width * cell,
    height: grid.height * cell,
    encoding: {
      x: {
        field: "j",
        type: "ordinal",
        title: options.xTitle ?? "column frequency j",
        axis: { values: indexTicks(grid.width), labelAngle: 0 },
      },
      y: {
        field: "i",
        type: "ordinal",
        title: options.yTitle ?? "row frequency i",
        axis: { values: indexTicks(grid.height) },
      },
      color: {
        field: "value",
        type: "quantitative",
        title: options.colorTitle,
        scale,
        legend: { gradientLength: Math.max(60, grid.height * cell - 20) },
      },
      tooltip: [
        { field: "i", type: "ordinal" },
        { field: "j", type: "ordinal" },
        { field: "value", type: "quantitative", format: ".4g" },
      ],
    },
  };
}
