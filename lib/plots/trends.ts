/**
 * Trend figures of a sweep: each headline metric of a stage kind over a swept coordinate, one panel per
 * metric (own y scale), one colour per value of the other coordinates (e.g. per model), the stage's
 * intervals as vertical rules. A numeric coordinate gives lines (log x when its values span a decade or
 * more); a categorical one gives grouped bars. The security curve (accuracy under attack against ε, one
 * line per model; Carlini et al. 2019) is the attack kind's `adv_accuracy` panel. Published points
 * (e.g. a checkpoint's robust accuracy as its publisher lists it) are drawn as labelled black diamonds.
 */
import { PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One measured value: line `line`, coordinate `x`, panel `metric`, with its interval when there is one. */
export interface TrendPoint {
  line: string;
  x: number | string;
  /** Panel title (the metric's label). */
  metric: string;
  value: number;
  lo: number | null;
  hi: number | null;
}

/** A value published elsewhere, drawn beside the measured lines in panel `metric`. */
export interface PublishedPoint {
  label: string;
  metric: string;
  x: number;
  value: number;
}

/** Options of {@link trendSpec}. */
export interface TrendOptions {
  /** The coordinate's name, the x axis title. */
  xTitle: string;
  title: string;
  subtitle?: string;
  /** Panel order (metric labels); default: order of first appearance. */
  metrics?: string[];
  /** Line order; default: order of first appearance. */
  lines?: string[];
  published?: PublishedPoint[];
}

/** True when `xs` are positive and span at least a decade (max / min ≥ 10): the x axis is then logarithmic. */
export function spansDecade(xs: readonly number[]): boolean {
  if (xs.length === 0 || xs.some((x) => !(x > 0))) return false;
  return Math.max(...xs) / Math.min(...xs) >= 10;
}

/**
 * Lines (numeric `x` everywhere) or grouped bars (any string `x`) of `points`, one panel per metric.
 *
 * @example trendSpec([{line: "natural", x: 0.03, metric: "attack success", value: 0.8, lo: 0.7, hi: 0.9}, …],
 *   {xTitle: "eps", title: "attack_pgd over eps"})
 */
export function trendSpec(points: readonly TrendPoint[], options: TrendOptions): FigureSpec {
  const name = `trend ${options.title}`;
  if (points.length === 0) throw new PlotDataError(name, "no points given");
  for (const p of points) {
    if (!Number.isFinite(p.value)) throw new PlotDataError(name, `${p.line} at ${p.x}: value ${p.value}`);
  }
  const numeric = points.every((p) => typeof p.x === "number");
  const metrics = options.metrics ?? [...new Set(points.map((p) => p.metric))];
  const lines = options.lines ?? [...new Set(points.map((p) => p.line))];
  const rows: Record<string, unknown>[] = points.map((p) => ({
    kind: "measured",
    line: p.line,
    x: p.x,
    metric: p.metric,
    value: tidy(p.value),
    lo: p.lo === null ? null : tidy(p.lo),
    hi: p.hi === null ? null : tidy(p.hi),
    // The rule's ends: the interval, or the value itself (nothing drawn) where there is none, so a panel
    // without intervals still has a finite extent.
    rule_lo: tidy(p.lo ?? p.value),
    rule_hi: tidy(p.hi ?? p.value),
  }));
  const published = numeric ? options.published ?? [] : [];
  for (const q of published) {
    rows.push({
      kind: "published",
      line: q.label,
      x: q.x,
      metric: q.metric,
      value: q.value,
      lo: null,
      hi: null,
    });
  }
  const xs = [...points, ...published].map((p) => p.x as number);
  const logX = numeric && spansDecade(xs);
  // The drawn x range: the values, padded by a quarter (a factor 1.25 on a log axis), not rounded out.
  const [lo, hi] = numeric ? [Math.min(...xs), Math.max(...xs)] : [0, 0];
  const pad = (hi - lo) / 4 || Math.abs(lo) / 4 || 1;
  const xScale = logX
    ? { type: "log", nice: false, domain: [lo / 1.25, hi * 1.25] }
    : { nice: false, zero: false, domain: [lo - pad, hi + pad] };
  const color = { field: "line", type: "nominal", title: null, sort: lines, legend: { labelLimit: 320 } };
  const measured = { filter: "datum.kind === 'measured'" };
  const y = { field: "value", type: "quantitative", title: null, scale: { zero: false } };
  const tooltip = [
    { field: "line", type: "nominal", title: "line" },
    { field: "x", type: numeric ? "quantitative" : "nominal", title: options.xTitle },
    { field: "value", type: "quantitative", format: ".4g" },
    { field: "lo", type: "quantitative", format: ".4g" },
    { field: "hi", type: "quantitative", format: ".4g" },
  ];
  const layer = numeric
    ? [
      {
        transform: [measured],
        mark: { type: "line", point: { size: 30 } },
        encoding: {
          x: {
            field: "x",
            type: "quantitative",
            title: options.xTitle,
            scale: xScale,
            // Ticks at the swept values (a log axis' own ticks crowd: 0.02 next to 0.03).
            axis: { values: [...new Set(points.map((p) => p.x))], labelOverlap: "greedy", labelFlush: false },
          },
          y,
          color,
          tooltip,
        },
      },
      {
        transform: [measured],
        mark: { type: "rule", strokeWidth: 1.5, opacity: 0.7 },
        encoding: {
          x: { field: "x", type: "quantitative" },
          y: { field: "rule_lo", type: "quantitative" },
          y2: { field: "rule_hi" },
          color,
        },
      },
      ...(published.length > 0
        ? [
          {
            transform: [{ filter: "datum.kind === 'published'" }],
            mark: { type: "point", shape: "diamond", filled: true, size: 90, color: "black" },
            encoding: { x: { field: "x", type: "quantitative" }, y, tooltip },
          },
          {
            transform: [{ filter: "datum.kind === 'published'" }],
            mark: { type: "text", align: "left", dx: 7, dy: -7, fontSize: 10 },
            encoding: { x: { field: "x", type: "quantitative" }, y, text: { field: "line" } },
          },
        ]
        : []),
    ]
    : [
      {
        transform: [measured],
        mark: { type: "bar" },
        encoding: {
          x: {
            field: "x",
            type: "nominal",
            title: options.xTitle,
            sort: null,
            axis: { labelAngle: -30, labelLimit: 160 },
          },
          xOffset: { field: "line", sort: lines },
          y: { ...y, scale: { zero: true } },
          color,
          tooltip,
        },
      },
      {
        transform: [measured],
        mark: { type: "rule", strokeWidth: 1.5, color: "black" },
        encoding: {
          x: { field: "x", type: "nominal", sort: null },
          xOffset: { field: "line", sort: lines },
          y: { field: "rule_lo", type: "quantitative" },
          y2: { field: "rule_hi" },
        },
      },
    ];
  return figure(
    {
      data: { values: rows },
      facet: { field: "metric", type: "nominal", title: null, sort: metrics, header: { labelLimit: 300 } },
      columns: Math.min(3, metrics.length),
      spec: { width: 240, height: 170, layer },
      resolve: { scale: { y: "independent" } },
    },
    options.title,
    options.subtitle,
  );
}
