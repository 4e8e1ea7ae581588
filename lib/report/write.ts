/**
 * Writes a report directory: `figures/<name>.vl.json|svg|png`, `tables/<name>.csv|md`, and `index.html`
 * that shows them (see lib/report/html.ts). Every file is written atomically.
 */
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { renderFigure } from "../plots/mod.ts";
import { buildReport, type BuiltFigure, SECTIONS } from "./build.ts";
import {
  type ReportFigure,
  reportHtml,
  type ReportSection,
  type ReportTable,
  type StageLink,
} from "./html.ts";
import type { ReportInputs, Source } from "./records.ts";
import { tidyMetricsCsv } from "./metric_rows.ts";
import type { TrendParams } from "./trends.ts";

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  title: string;
  /** Lines under the title. */
  meta: string[];
  /** Lines naming analyses that were not available. */
  missing?: string[];
  /** PNG pixels per SVG unit (default 2; the page shows PNGs at 1/scale of their pixel size). */
  scale?: number;
  /** Which metrics the trend figures draw, and published values beside them (lib/report/trends.ts). */
  trends?: TrendParams;
  /** Called with each figure's name before it renders (progress). */
  onFigure?: (name: string, index: number, total: number) => void;
}

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  figures: string[];
  tables: string[];
  /** Vega-Lite / Vega warnings per figure (empty when clean). */
  warnings: Record<string, string[]>;
}

const link = (s: Source): StageLink => ({ instance: s.instance, href: s.href });

/** Renders every figure and table `inputs` allow into `outDir`, and the page that shows them. */
export async function writeReport(
  outDir: string,
  inputs: ReportInputs,
  options: WriteReportOptions,
): Promise<WrittenReport> {
  const scale = options.scale ?? 2;
  const { figures, tables } = buildReport(inputs, options.trends);
  if (inputs.metrics?.length) {
    await writeFileAtomic(join(outDir, "metrics.csv"), tidyMetricsCsv(inputs.metrics));
  }
  await Deno.mkdir(join(outDir, "figures"), { recursive: true });
  await Deno.mkdir(join(outDir, "tables"), { recursive: true });
  const shown = new Map<string, ReportFigure[]>();
  const warnings: Record<string, string[]> = {};
  for (const [k, f] of figures.entries()) {
    options.onFigure?.(f.name, k, figures.length);
    shown.set(f.section, [...(shown.get(f.section) ?? []), await writeFigure(outDir, f, scale, warnings)]);
  }
  const shownTables = new Map<string, ReportTable[]>();
  for (const t of tables) {
    const csv = `tables/${t.table.name}.csv`;
    const md = `tables/${t.table.name}.md`;
    await writeFileAtomic(join(outDir, csv), t.table.csv);
    await writeFileAtomic(join(outDir, md), t.table.markdown);
    shownTables.set(t.section, [...(shownTables.get(t.section) ?? []), {
      id: `table-${t.table.name}`,
      title: t.table.title,
      caption: t.table.caption,
      html: t.table.html,
      csv,
      markdown: md,
      sources: t.sources.map(link),
    }]);
  }
  const sections: ReportSection[] = SECTIONS.map((s) => ({
    id: s.id,
    title: s.title,
    intro: s.intro,
    figures: shown.get(s.id) ?? [],
    tables: shownTables.get(s.id) ?? [],
  }));
  await writeFileAtomic(
    join(outDir, "index.html"),
    reportHtml({ title: options.title, meta: options.meta, sections, missing: options.missing }),
  );
  return { figures: figures.map((f) => f.name), tables: tables.map((t) => t.table.name), warnings };
}

async function writeFigure(
  outDir: string,
  f: BuiltFigure,
  scale: number,
  warnings: Record<string, string[]>,
): Promise<ReportFigure> {
  const rendered = await renderFigure(f.spec, { name: f.name, scale });
  if (rendered.warnings.length > 0) warnings[f.name] = rendered.warnings;
  const base = `figures/${f.name}`;
  await writeJsonAtomic(join(outDir, `${base}.vl.json`), f.spec);
  await writeFileAtomic(join(outDir, `${base}.svg`), rendered.svg);
  await writeFileAtomic(join(outDir, `${base}.png`), rendered.png);
  return {
    id: `fig-${f.name}`,
    title: f.title,
    png: `${base}.png`,
    svg: `${base}.svg`,
    spec: `${base}.vl.json`,
    width: rendered.width / scale,
    height: rendered.height / scale,
    caption: f.caption,
    claim: f.claim,
    measured: f.measured,
    sources: f.sources.map(link),
  };
}
