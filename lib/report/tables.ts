/**
 * The report's tables as arquero tables, and their CSV, Markdown and HTML renderings: model accuracies
 * (clean, under PGD), attack summaries (success, norms, queries, images/s) and band shares with confidence
 * intervals. Pure: strings in, strings out; the `report` task writes them to `tables/<name>.csv|md`.
 */
import * as aq from "arquero";
import { csvText } from "./csv.ts";
import type { AttackRecord, EvaluateRecord } from "./records.ts";

/** A share of some per-band quantity in one third of the bands, with its confidence interval. */
export interface BandShareRow {
  /** What was measured, e.g. "RCT", "OF attribution", "|ΔDCT| spectrum". */
  analysis: string;
  /** Which attack / model / data set. */
  group: string;
  part: "low" | "middle" | "high";
  share: number;
  lo: number;
  hi: number;
  stage: string;
}

/** A table ready to write: what it is and its three renderings. */
export interface RenderedTable {
  name: string;
  title: string;
  caption: string;
  csv: string;
  markdown: string;
  html: string;
  rows: number;
}

type Format = (value: unknown) => string;

/** A table asked for with no rows (the report leaves such tables out instead). */
export class EmptyTableError extends Error {
  constructor(readonly table: string) {
    super(`table '${table}': no rows`);
    this.name = "EmptyTableError";
  }
}

function nonEmpty<T>(name: string, rows: readonly T[]): readonly T[] {
  if (rows.length === 0) throw new EmptyTableError(name);
  return rows;
}

const dash = "–";
/** Formats a fraction as a percentage with one decimal, null as a dash. */
export const percent: Format = (
  v,
) => (v == null || !Number.isFinite(v as number) ? dash : `${(100 * (v as number)).toFixed(1)} %`);
/** Formats a number to 4 significant digits, null as a dash. */
export const sig4: Format = (v) => {
  if (v == null || !Number.isFinite(v as number)) return dash;
  const n = v as number;
  return Math.abs(n) >= 1e4 || (n !== 0 && Math.abs(n) < 1e-3)
    ? n.toExponential(3)
    : String(Number(n.toPrecision(4)));
};
/** Formats an integer-like count, null as a dash. */
export const count: Format = (
  v,
) => (v == null || !Number.isFinite(v as number) ? dash : String(Math.round(v as number)));
const text: Format = (v) => (v == null ? dash : String(v));

/** Renders an arquero table as CSV (raw values, lib/report/csv.ts), Markdown and HTML (formatted with
 * `formats`). */
export function renderTable(
  table: aq.ColumnTable,
  meta: { name: string; title: string; caption: string },
  formats: Record<string, Format>,
  headers: Record<string, string> = {},
): RenderedTable {
  const columns = table.columnNames();
  const format = Object.fromEntries(columns.map((c) => [c, formats[c] ?? text]));
  // Markdown/HTML headers are the friendly names; CSV keeps machine-friendly column names.
  const friendly = table.rename(Object.fromEntries(columns.map((c) => [c, headers[c] ?? c])));
  const friendlyFormat = Object.fromEntries(columns.map((c) => [headers[c] ?? c, format[c]]));
  return {
    ...meta,
    csv: csvText(
      columns,
      table.objects().map((row) => columns.map((c) => (row as Record<string, unknown>)[c])),
    ),
    markdown: `# ${meta.title}\n\n${meta.caption}\n\n${aq.toMarkdown(friendly, { format: friendlyFormat })}`,
    html: aq.toHTML(friendly, { format: friendlyFormat }),
    rows: table.numRows(),
  };
}

/** Model accuracies, clean and under PGD, one row per model (labelled by its source). */
export function modelAccuracyTable(records: readonly EvaluateRecord[]): RenderedTable {
  const rows = nonEmpty("model_accuracy", records).map(({ source, ...r }) => ({
    model: source.label,
    ...r,
    stage: source.instance,
  }));
  const table = aq.from(rows).select(
    "model",
    "clean",
    "pgd",
    "pgdSetting",
    "n",
    "stage",
  );
  return renderTable(
    table,
    {
      name: "model_accuracy",
      title: "Model accuracy",
      caption:
        "Test accuracy of each model on clean images and under the PGD attack of its evaluation stage.",
    },
    { clean: percent, pgd: percent, n: count },
    { clean: "clean accuracy", pgd: "PGD accuracy", pgdSetting: "PGD setting", n: "images" },
  );
}

/** Attack summaries, one row per attack instance (labelled by its source), in the order given (the
 * config's sweep order). */
export function attackSummaryTable(records: readonly AttackRecord[]): RenderedTable {
  const rows = nonEmpty("attack_summary", records).map(({ source, ...r }) => ({
    attack: source.label,
    ...r,
    stage: source.instance,
  }));
  const table = aq.from(rows)
    .select(
      "attack",
      "method",
      "success",
      "l2Median",
      "l2Mean",
      "linfMedian",
      "linfMean",
      "queries",
      "imagesPerSecond",
      "n",
      "stage",
    );
  return renderTable(
    table,
    {
      name: "attack_summary",
      title: "Attacks",
      caption: "Success rate (prediction changed), perturbation norms of x′ − x, mean queries per image " +
        "(black-box attacks) and throughput of each attack instance.",
    },
    {
      success: percent,
      l2Median: sig4,
      l2Mean: sig4,
      linfMedian: sig4,
      linfMean: sig4,
      queries: sig4,
      imagesPerSecond: sig4,
      n: count,
    },
    {
      success: "success",
      l2Median: "median l2",
      l2Mean: "mean l2",
      linfMedian: "median l∞",
      linfMean: "mean l∞",
      queries: "mean queries",
      imagesPerSecond: "images/s",
      n: "images",
    },
  );
}

/** Band shares with confidence intervals, one row per analysis × group × third. */
export function bandShareTable(rows: readonly BandShareRow[]): RenderedTable {
  const order = { low: 0, middle: 1, high: 2 };
  const sorted = [...nonEmpty("band_shares", rows)].sort((a, b) =>
    a.analysis.localeCompare(b.analysis) || a.group.localeCompare(b.group) || order[a.part] - order[b.part]
  );
  const table = aq.from(sorted.map((r) => ({ ...r }))).select(
    "analysis",
    "group",
    "part",
    "share",
    "lo",
    "hi",
    "stage",
  );
  return renderTable(
    table,
    {
      name: "band_shares",
      title: "Band shares",
      caption:
        "Share of each per-band quantity in the lowest, middle and highest third of the DCT bands, with " +
        "the confidence interval its stage computed (bootstrap over images).",
    },
    { share: sig4, lo: sig4, hi: sig4 },
    { part: "third of bands", lo: "CI low", hi: "CI high" },
  );
}
