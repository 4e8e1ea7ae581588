/**
 * The report's "Band shares" section: one table of where each per-band quantity sits among the lowest,
 * middle and highest third of the bands, with its stage's interval — RCT per attack, the Fig. 3 spectra
 * under both definitions, OF attribution per model.
 */
import type { ReportInputs, Source } from "../records.ts";
import { bandShareTable } from "../tables.ts";
import { type SectionContent, shareRows, tableOf } from "./section.ts";
import { synthesisShareRows } from "./synthesis.ts";

/** The `band_shares` table: RCT per attack, the Fig. 3 spectra under both definitions, OF per model. */
export function sharesSection(inputs: ReportInputs): SectionContent {
  const rows = [
    ...shareRows("RCT", inputs.rct),
    ...synthesisShareRows(inputs.spectra),
    ...shareRows("OF attribution", inputs.occlusion),
  ];
  const sources = new Map<string, Source>(
    [...inputs.rct, ...inputs.spectra, ...inputs.occlusion].map((r) => [r.source.instance, r.source]),
  );
  return {
    figures: [],
    tables: tableOf("shares", rows.length > 0 ? bandShareTable(rows) : null, [...sources.values()]),
  };
}
