/**
 * One builder per report section: each file `lib/report/sections/<id>.ts` exports a function that turns
 * the gathered {@link ReportInputs} into that section's figures and tables, with their captions and
 * sentences (lib/report/build.ts lists the sections and composes them in page order). Here: their shapes, and the band-share
 * helpers (sentences, bars, table rows, the share figure) the attacks, spectra, occlusion and shares
 * sections have in common.
 */
import { type BandShare, bandShareSpec, type FigureSpec } from "../../plots/mod.ts";
import { levelText } from "../level.ts";
import type { ReportInputs, SharesCI, Source } from "../records.ts";
import type { BandShareRow, RenderedTable } from "../tables.ts";

/** A figure before rendering. */
export interface BuiltFigure {
  /** File stem under `figures/`. */
  name: string;
  section: string;
  title: string;
  spec: FigureSpec;
  caption: string;
  claim?: string;
  measured?: string;
  sources: Source[];
}

/** A table with the instances it came from. */
export interface BuiltTable {
  section: string;
  table: RenderedTable;
  sources: Source[];
}

/** What a section shows, in page order within it (tables first, then figures). */
export interface SectionContent {
  figures: BuiltFigure[];
  tables: BuiltTable[];
}

/** A section of the page: its id (the HTML anchor), title and intro, and its builder. */
export interface ReportSectionBuilder {
  id: string;
  title: string;
  intro: string;
  build: (inputs: ReportInputs) => SectionContent;
}

/** A table of `section` made from `sources`, as a list of none or one (none when `table` is null). */
export function tableOf(section: string, table: RenderedTable | null, sources: Source[]): BuiltTable[] {
  return table ? [{ section, table, sources: [...new Set(sources)] }] : [];
}

/** A number for prose: two significant digits, whole numbers from 100 on. */
export const fmt = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(2)).toString();
/** `estimate [lo, hi]` for prose. */
export const ci = (s: { estimate: number; lo: number; hi: number }): string =>
  `${fmt(s.estimate)} [${fmt(s.lo)}, ${fmt(s.hi)}]`;

/** Something with band shares: a record, or a record's second spectrum. */
export interface WithShares {
  source: Source;
  shares: SharesCI | null;
}

/** The interval level(s) of the items' shares as text ("95 %"). */
export function sharesLevel(items: readonly WithShares[]): string {
  return levelText(items.flatMap((i) => (i.shares ? [i.shares.level] : [])));
}

/** "label: low a [lo, hi], middle …, high …" for each item with shares. */
export function sharesSentence(items: readonly WithShares[], parts: ("low" | "middle" | "high")[]): string {
  return items.filter((i) => i.shares).map((i) =>
    `${i.source.label}: ${parts.map((p) => `${p} ${ci(i.shares![p])}`).join(", ")}`
  ).join("; ");
}

/** One bar per (item with shares, third), grouped by `group(item)` (default: its label). */
export function shareBars(
  items: readonly WithShares[],
  group: (item: WithShares) => string = (i) => i.source.label,
): BandShare[] {
  return items.filter((i) => i.shares).flatMap((i) =>
    (["low", "middle", "high"] as const).map((part) => ({
      group: group(i),
      part,
      share: i.shares![part].estimate,
      lo: i.shares![part].lo,
      hi: i.shares![part].hi,
    }))
  );
}

/** Rows of the band-shares table for `analysis`, one per (item with shares, third). */
export function shareRows(analysis: string, items: readonly WithShares[]): BandShareRow[] {
  return items.filter((i) => i.shares).flatMap((i) =>
    (["low", "middle", "high"] as const).map((part) => ({
      analysis,
      group: i.source.label,
      part,
      share: i.shares![part].estimate,
      lo: i.shares![part].lo,
      hi: i.shares![part].hi,
      stage: i.source.instance,
    }))
  );
}

/**
 * The bar figure of some quantity's band shares per group (none when no item has shares); its caption
 * is "`what` in the lowest, middle and highest third of the bands, with bootstrap <level> intervals over
 * `over`".
 */
export function shareFigure(f: {
  name: string;
  section: string;
  title: string;
  chartTitle: string;
  groupTitle: string;
  yTitle: string;
  items: readonly WithShares[];
  group?: (item: WithShares) => string;
  what: string;
  over: string;
  claim?: string;
  measured?: string;
  sources: Source[];
}): BuiltFigure[] {
  const bars = shareBars(f.items, f.group);
  if (bars.length === 0) return [];
  return [{
    name: f.name,
    section: f.section,
    title: f.title,
    spec: bandShareSpec(f.chartTitle, bars, { groupTitle: f.groupTitle, yTitle: f.yTitle }),
    caption: `${f.what} in the lowest, middle and highest third of the bands, with bootstrap ${
      sharesLevel(f.items)
    } intervals over ${f.over}.`,
    claim: f.claim,
    measured: f.measured,
    sources: f.sources,
  }];
}
