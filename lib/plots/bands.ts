/**
 * Band-indexed figures shared by several analyses: per-band profiles as lines (RCT, spectra, OF, saliency
 * band profiles) and low / middle / high band shares as bars with confidence-interval error bars.
 */
import { bandRows, type BandSeries, checkSameLength, checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec, type ViewSpec } from "./spec.ts";

/** Options of {@link bandProfilePanel}. */
export interface BandProfileOptions {
  title?: string;
  /** y-axis title, e.g. "mean RCT" or "OF attribution". */
  yTitle: string;
  /** Legend title of the series (attack, model…). */
  seriesTitle: string;
  width?: number;
  height?: number;
  /** Log-scaled y axis (values ≤ 0 are dropped by Vega). */
  logY?: boolean;
}

/** A line chart of per-band values, one coloured line per series, band 0 (DC) on the left. */
export function bandProfilePanel(series: readonly BandSeries[], options: BandProfileOptions): ViewSpec {
  checkSameLength(options.title ?? "band profile", series);
  checkUniqueNames(options.title ?? "band profile", series.map((s) => s.name));
  const view: ViewSpec = {
    data: { values: bandRows(series) },
    mark: { type: "line", point: { size: 20 } },
    width: options.width ?? 320,
    height: options.height ?? 180,
    encoding: {
      x: { field: "band", type: "quantitative", title: "frequency band k = i + j (low → high)" },
      y: {
        field: "value",
        type: "quantitative",
        title: options.yTitle,
        ...(options.logY ? { scale: { type: "log" } } : {}),
      },
      color: {
        field: "series",
        type: "nominal",
        title: options.seriesTitle,
        sort: series.map((s) => s.name),
      },
      tooltip: [
        { field: "series", type: "nominal" },
        { field: "band", type: "quantitative" },
        { field: "value", type: "quantitative", format: ".4g" },
      ],
    },
  };
  if (options.title) view.title = options.title;
  return view;
}

/** A standalone band-profile figure. */
export function bandProfileSpec(
  title: string,
  series: readonly BandSeries[],
  options: Omit<BandProfileOptions, "title">,
): FigureSpec {
  return figure(bandProfilePanel(series, options), title);
}

/** The share of a quantity in one part of the band range, with its confidence interval. */
export interface BandShare {
  /** What is compared (attack, model, data set). */
  group: string;
  /** Part of the band range, e.g. "low", "middle", "high". */
  part: string;
  share: number;
  /** Confidence interval bounds (e.g. bootstrap 95 %). */
  lo: number;
  hi: number;
}

/**
 * Bars of band shares per part (low / middle / high thirds on the x axis), one bar per group side by side,
 * with error bars from `lo` to `hi`.
 */
export function bandShareSpec(
  title: string,
  shares: readonly BandShare[],
  options: { groupTitle: string; yTitle?: string; subtitle?: string },
): FigureSpec {
  if (shares.length === 0) throw new PlotDataError(title, "no band shares given");
  for (const s of shares) {
    if (!(s.lo <= s.share + 1e-12 && s.share <= s.hi + 1e-12)) {
      throw new PlotDataError(
        title,
        `share ${s.share} of '${s.group}'/${s.part} lies outside its interval [${s.lo}, ${s.hi}]`,
      );
    }
  }
  const parts = [...new Set(shares.map((s) => s.part))];
  const groups = [...new Set(shares.map((s) => s.group))];
  const values = shares.map((s) => ({
    group: s.group,
    part: s.part,
    share: tidy(s.share),
    lo: tidy(s.lo),
    hi: tidy(s.hi),
  }));
  const x = {
    field: "part",
    type: "nominal",
    title: "part of the band range",
    sort: parts,
    axis: { labelAngle: 0 },
  };
  const xOffset = { field: "group", type: "nominal", sort: groups };
  const view: ViewSpec = {
    data: { values },
    width: Math.max(240, parts.length * groups.length * 28),
    height: 200,
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset,
          y: {
            field: "share",
            type: "quantitative",
            title: options.yTitle ?? "share",
            scale: { domain: [0, 1] },
          },
          color: { field: "group", type: "nominal", title: options.groupTitle, sort: groups },
          tooltip: [
            { field: "group", type: "nominal" },
            { field: "part", type: "nominal" },
            { field: "share", type: "quantitative", format: ".3f" },
            { field: "lo", type: "quantitative", format: ".3f" },
            { field: "hi", type: "quantitative", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "rule", color: "black" },
        encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
    ],
  };
  return figure(view, title, options.subtitle);
}
