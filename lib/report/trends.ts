/**
 * Trend figures of the report: when instances of one stage differ in swept coordinates, each headline
 * metric of that stage kind is drawn over each numeric coordinate that varies (lines; log x over a decade
 * or more), one line per value of the other varying coordinates; stages of one kind swept over the same
 * values share a figure, one line per stage (so `attack` stages on a natural and on robust models give one
 * security curve per model). A stage whose own `sweep:` varies only categorical values (`method: [fgsm,
 * pgd]`) gets grouped bars; categorical coordinates it only inherits (which robust model) get none, as the
 * existing figures already put those side by side.
 * Nothing to configure: the report params `trend_metrics` (metric ids to draw) and `published` (values
 * published elsewhere, drawn beside the curves) are optional.
 */
import { type PublishedPoint, spansDecade, type TrendPoint, trendSpec } from "../plots/mod.ts";
import type { BuiltFigure } from "./sections/section.ts";
import type { Coordinate, MetricRow } from "./metric_rows.ts";
import { coordsLabel, distinctLabels, stageTags } from "./labels.ts";
import { levelText } from "./level.ts";
import type { Source } from "./records.ts";

/** A value published for some model at some coordinate (e.g. RobustBench's robust accuracy at ε = 8/255). */
export interface PublishedValue {
  /** Legend text, e.g. "MadryLab l2 ε 0.5 (published)". */
  label: string;
  /** Coordinate value (x). */
  x: number;
  value: number;
  /** Metric id (default `adv_accuracy`: accuracy under attack). */
  metric?: string;
  /** Coordinate key the value is given at (default `eps`). */
  coordinate?: string;
  /** Only in the figure that draws this stage (default: every figure whose x range holds `x`). */
  stage?: string;
  /** Where it was published (a URL or citation), named in the caption. */
  source?: string;
}

/** Report params that shape the trend figures. */
export interface TrendParams {
  /** Metric ids to draw (default: every headline metric of the kind). */
  metrics?: string[];
  published?: PublishedValue[];
}

/** Report section of each kind's trend figures. */
const SECTION_OF: Record<string, string> = {
  evaluate: "models",
  attack: "attacks",
  rct: "attacks",
  prop1: "attacks",
  spectra: "spectra",
  occlusion: "occlusion",
  fourier: "beyond",
  filtered: "beyond",
  saliency: "beyond",
};

const canon = (v: unknown) => JSON.stringify(v) ?? "undefined";
const valueAt = (coords: Coordinate[], key: string) => coords.find((c) => c.key === key)?.value;
/** The key without its `origin.` qualifier. */
const bare = (key: string) => key.slice(key.lastIndexOf(".") + 1);

/** One figure's worth: stages of one kind swept over the same x values (or one stage's bars). */
interface Group {
  kind: string;
  /** Coordinate on x (for bars: the first varying categorical coordinate). */
  x: string;
  numeric: boolean;
  parts: { stage: string; rows: MetricRow[]; others: string[] }[];
}

/** Coordinate keys whose values differ between `rows` (a missing key counts as a value). */
function varyingKeys(rows: MetricRow[]): string[] {
  const keys = [...new Set(rows.flatMap((r) => r.coords.map((c) => c.key)))];
  return keys.filter((k) => new Set(rows.map((r) => canon(valueAt(r.coords, k)))).size > 1);
}

function groupsOf(rows: readonly MetricRow[]): Group[] {
  const groups = new Map<string, Group>();
  const byStage = new Map<string, MetricRow[]>();
  for (const r of rows) byStage.set(r.stage, [...(byStage.get(r.stage) ?? []), r]);
  for (const [stage, list] of byStage) {
    if (list.length < 2) continue;
    const varying = varyingKeys(list);
    if (varying.length === 0) continue;
    const numeric = varying.filter((k) => list.every((r) => typeof valueAt(r.coords, k) === "number"));
    const kind = list[0].kind;
    const own = varying.some((k) => list.some((r) => r.coords.find((c) => c.key === k)?.origin === stage));
    if (numeric.length === 0 && own) {
      const [x, ...others] = varying;
      groups.set(`${kind}|bars|${stage}`, {
        kind,
        x,
        numeric: false,
        parts: [{ stage, rows: list, others }],
      });
    }
    for (const x of numeric) {
      const values = [...new Set(list.map((r) => valueAt(r.coords, x) as number))].sort((a, b) => a - b);
      const id = `${kind}|${bare(x)}|${values.join(",")}`;
      const g = groups.get(id) ?? { kind, x: bare(x), numeric: true, parts: [] };
      g.parts.push({ stage, rows: list, others: varying.filter((k) => k !== x) });
      groups.set(id, g);
    }
  }
  return [...groups.values()];
}

/** Trend figures for every stage of `rows` whose instances differ in swept coordinates. */
export function trendFigures(
  rows: readonly MetricRow[],
  sourceOf: (instance: string) => Source,
  params: TrendParams = {},
): BuiltFigure[] {
  const figures: BuiltFigure[] = [];
  const used = new Set<string>();
  for (const g of groupsOf(rows)) {
    const tags = stageTags(g.parts.map((p) => p.stage));
    const points: TrendPoint[] = [];
    const labels = new Map<string, string>();
    const levels: number[] = [];
    const lines: string[] = [];
    for (const part of g.parts) {
      const others = distinctLabels(
        part.rows.map((r) => r.coords.filter((c) => part.others.includes(c.key))),
        part.rows.map(() => ""),
      );
      for (const [k, r] of part.rows.entries()) {
        const bits = [
          ...(g.parts.length > 1 ? [tags.get(part.stage)!] : []),
          ...(others[k] ? [others[k]] : []),
        ];
        const line = bits.join(" · ") || part.stage;
        if (!lines.includes(line)) lines.push(line);
        const xCoord = r.coords.find((c) => bare(c.key) === g.x || c.key === g.x)!;
        const x = xCoord.value;
        for (const m of r.metrics) {
          if (params.metrics && !params.metrics.includes(m.metric)) continue;
          labels.set(m.metric, m.label);
          if (m.level !== null) levels.push(m.level);
          points.push({
            line,
            x: g.numeric ? x as number : coordsLabel([xCoord], ""),
            metric: m.label,
            value: m.value,
            lo: m.lo,
            hi: m.hi,
          });
        }
      }
    }
    if (points.length === 0) continue;
    const xs = points.map((p) => p.x).filter((x): x is number => typeof x === "number");
    const stages = g.parts.map((p) => p.stage);
    const chosen = (params.published ?? [])
      .filter((q) =>
        g.numeric && (q.coordinate ?? "eps") === g.x && labels.has(q.metric ?? "adv_accuracy") &&
        (q.stage ? stages.includes(q.stage) : q.x >= Math.min(...xs) && q.x <= Math.max(...xs))
      );
    const published: PublishedPoint[] = chosen
      .map((q) => ({
        label: q.label,
        x: q.x,
        value: q.value,
        metric: labels.get(q.metric ?? "adv_accuracy")!,
      }));
    let name = `trend_${stages[0]}_${g.x}`.replace(/[^A-Za-z0-9_.-]/g, "_");
    while (used.has(name)) name += "_";
    used.add(name);
    const log = g.numeric && spansDecade(xs);
    const title = `${stages.join(", ")} over ${g.x}`;
    figures.push({
      name,
      section: SECTION_OF[g.kind] ?? "beyond",
      title: `Sweep: ${title}`,
      spec: trendSpec(points, {
        xTitle: g.x,
        title,
        subtitle: log ? `${g.x} on a log scale` : undefined,
        metrics: [...labels.values()],
        lines,
        published,
      }),
      caption:
        `Headline metrics of the ${g.kind} stage${stages.length > 1 ? "s" : ""} ${stages.join(", ")} ` +
        `against ${g.x}${g.numeric ? "" : " (grouped bars)"}, one ${g.numeric ? "line" : "bar"} per ${
          lines.length > 1 ? "value of the other coordinates" : "stage"
        }; vertical rules: ${
          levels.length > 0 ? levelText(levels) : "no"
        } intervals (Wilson for proportions of images, the stage's bootstrap for band ` +
        `shares; none for medians and means).${
          chosen.length
            ? ` Black diamonds: published values (${
              chosen.map((q) => `${q.label}: ${q.source ?? "source not given"}`).join("; ")
            }).`
            : ""
        }`,
      measured: g.kind === "attack" ? securitySentence(g, points, labels) : undefined,
      sources: g.parts.flatMap((p) => p.rows.map((r) => sourceOf(r.instance))),
    });
  }
  return figures;
}

/** "Accuracy under attack at x = a → b: line v₁ → v₂, …": each line's first and last point of the curve. */
function securitySentence(g: Group, points: TrendPoint[], labels: Map<string, string>): string | undefined {
  const metric = labels.get("adv_accuracy");
  if (!g.numeric || !metric) return undefined;
  const byLine = new Map<string, TrendPoint[]>();
  for (const p of points.filter((p) => p.metric === metric)) {
    byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);
  }
  const f = (v: number) => Number(v.toPrecision(3)).toString();
  const parts = [...byLine].map(([line, ps]) => {
    const sorted = ps.sort((a, b) => (a.x as number) - (b.x as number));
    const a = sorted[0], b = sorted[sorted.length - 1];
    return `${line} ${f(a.value)} (${g.x} ${f(a.x as number)}) → ${f(b.value)} (${g.x} ${f(b.x as number)})`;
  });
  return `Accuracy under attack: ${parts.join("; ")}.`;
}
