/**
 * The report's attacks section (the paper's Fig. 2 and Proposition 1): the RCT maps per attack and their
 * band shares, the Proposition 1 scatter, the attacks' summary table and the RCT shares beside their
 * nulls (lib/report/sections/nulls.ts).
 */
import { prop1ScatterSpec, rctFigureSpec } from "../../plots/mod.ts";
import type { Prop1Record, RctRecord, ReportInputs } from "../records.ts";
import { attackSummaryTable } from "../tables.ts";
import { rctNullsTable } from "./nulls.ts";
import {
  type BuiltFigure,
  fmt,
  type SectionContent,
  shareFigure,
  sharesLevel,
  sharesSentence,
  tableOf,
} from "./section.ts";

const SECTION = "attacks";

function rctFigures(rct: RctRecord[]): BuiltFigure[] {
  if (rct.length === 0) return [];
  const withShares = rct.filter((r) => r.shares);
  const highOverLow = withShares.filter((r) => r.shares!.high.lo > r.shares!.low.hi);
  const level = sharesLevel(rct);
  const sources = rct.map((r) => r.source);
  return [
    {
      name: "rct",
      section: SECTION,
      title: "Fig. 2 — RCT maps per attack",
      spec: rctFigureSpec(rct.map((r) => ({ name: r.source.label, map: r.map, bandProfile: r.bandProfile }))),
      caption:
        "Mean over attacked images of |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor), averaged over channels; " +
        "row frequency i down, column frequency j across, the DC term top-left. Below: the mean per band i + j.",
      claim: "All four attacks change mostly the middle and high frequencies of the DCT.",
      measured: withShares.length > 0
        ? `The high third of the bands holds more of the RCT profile than the low third (${level} intervals ` +
          `disjoint) for ${highOverLow.length} of ${withShares.length} attacks. Shares (${level} CI): ${
            sharesSentence(rct, ["low", "middle", "high"])
          }.`
        : undefined,
      sources,
    },
    ...shareFigure({
      name: "rct_shares",
      section: SECTION,
      title: "RCT band shares per attack",
      chartTitle: "Share of the RCT band profile per third of the bands",
      groupTitle: "attack",
      yTitle: "share of mean RCT",
      items: rct,
      what: "Share of each attack's RCT band profile",
      over: "images",
      claim: "Attacks concentrate in the middle and high bands.",
      measured: sharesSentence(rct, ["low", "high"]) + ".",
      sources,
    }),
  ];
}

function prop1Figures(prop1: Prop1Record[]): BuiltFigure[] {
  if (prop1.length === 0) return [];
  const checked = prop1.reduce((n, p) => n + p.checked, 0);
  const unperturbed = prop1.reduce((n, p) => n + (p.unperturbed ?? 0), 0);
  const violations = prop1.reduce((n, p) => n + p.violations, 0);
  const tight = prop1.filter((p) => p.meanTightness != null)
    .map((p) => `${p.source.label} ${fmt(p.meanTightness!)}`).join(", ");
  return [{
    name: "prop1",
    section: SECTION,
    title: "Proposition 1 — DC change against l1 norm",
    spec: prop1ScatterSpec(prop1.map((p) => ({ attack: p.source.label, l1: p.l1, dc: p.dc }))),
    caption:
      "One point per (image pair, channel): the change of the unnormalised DFT's DC term against the " +
      "l1 norm of the perturbation in that channel. The dashed line is the bound y = x.",
    claim:
      "For any perturbation, ||x − x′||₁ ≥ |X₀ − X′₀|: a perturbation small in l1 cannot move the lowest frequency much.",
    measured:
      `${violations} violations in ${checked} perturbed pair-channels checked across ${prop1.length} ` +
      `attacks (${unperturbed} unperturbed pair-channels left out)` +
      (tight ? `; mean tightness |X₀ − X′₀| / ||x − x′||₁: ${tight}.` : "."),
    sources: prop1.map((p) => p.source),
  }];
}

/** The section: `rct`, `rct_shares` and `prop1` figures; `rct_nulls` and `attack_summary` tables. */
export function attacksSection(inputs: ReportInputs): SectionContent {
  return {
    figures: [...rctFigures(inputs.rct), ...prop1Figures(inputs.prop1)],
    tables: [
      ...tableOf(SECTION, rctNullsTable(inputs), inputs.rct.map((r) => r.source)),
      ...tableOf(
        SECTION,
        inputs.attacks.length > 0 ? attackSummaryTable(inputs.attacks) : null,
        inputs.attacks.map((a) => a.source),
      ),
    ],
  };
}
