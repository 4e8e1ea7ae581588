/**
 * The report's "Findings vs their nulls" section: one table of every verdict the gathered stages wrote
 * (finding | protocol | effect | null | difference [CI] | verdict), grouped by protocol, and beside it
 * Proposition 1 on the perturbed (pair, channel) entries — a theorem, so checked rather than tested
 * against a null.
 */
import * as aq from "arquero";
import { levelText } from "../level.ts";
import type { ReportInputs } from "../records.ts";
import { count, type RenderedTable, renderTable, sig4 } from "../tables.ts";
import { type SectionContent, tableOf } from "./section.ts";

/** The section's id, title and intro (listed in lib/report/build.ts' SECTIONS). */
export const VERDICTS_SECTION = {
  id: "verdicts",
  title: "Findings vs their nulls",
  intro: "Each of the paper's frequency findings as a test against a null model computed on the same " +
    "images: the effect, the null, their difference with a paired bootstrap interval (the images " +
    "resampled jointly), and the verdict — reproduced only when the interval excludes 0 in the paper's " +
    "direction, reversed when it excludes 0 the other way. Protocol freqlens: diagonal bands i + j, RCT " +
    "per channel with a floor, OF on the true class; authors: square-shell bands max(i, j), RCT on the " +
    "channel-averaged DCT without a floor, OF on the predicted class (their code).",
};

/** The section: the `findings_vs_nulls` and `prop1_perturbed` tables. */
export function verdictsSection(inputs: ReportInputs): SectionContent {
  return {
    figures: [],
    tables: [
      ...tableOf("verdicts", findingsTable(inputs), inputs.verdicts.map((v) => v.source)),
      ...tableOf("verdicts", prop1Table(inputs), inputs.prop1.map((p) => p.source)),
    ],
  };
}

const signed = (v: number) => `${v >= 0 ? "+" : "−"}${String(Number(Math.abs(v).toPrecision(3)))}`;

/** The "Findings vs their nulls" table (`findings_vs_nulls`), or null when no stage wrote a verdict. */
export function findingsTable(inputs: ReportInputs): RenderedTable | null {
  if (inputs.verdicts.length === 0) return null;
  const order = { freqlens: 0, authors: 1 };
  const rows = inputs.verdicts.map(({ source, verdict: v }, k) => ({ k, source, v })).sort((a, b) =>
    order[a.v.protocol] - order[b.v.protocol] || a.k - b.k
  ).map(({ source, v }) => ({
    finding: v.finding,
    protocol: v.protocol,
    effect: v.effect,
    null: v.null,
    difference: `${signed(v.difference.estimate)} [${signed(v.difference.lo)}, ${signed(v.difference.hi)}]`,
    estimate: v.difference.estimate,
    lo: v.difference.lo,
    hi: v.difference.hi,
    level: v.difference.level,
    direction: v.direction,
    verdict: v.verdict,
    stage: source.instance,
  }));
  const level = levelText(rows.map((r) => r.level));
  const table = aq.from(rows).select(
    "finding",
    "protocol",
    "effect",
    "null",
    "difference",
    "verdict",
    "direction",
    "estimate",
    "lo",
    "hi",
    "level",
    "stage",
  );
  return renderTable(
    table,
    {
      name: "findings_vs_nulls",
      title: "Findings vs their nulls",
      caption:
        `Each finding's statistic (effect) and the same statistic under its null on the same images; ` +
        `difference = effect − null with a paired percentile bootstrap interval (${level} unless the ` +
        `level column says otherwise); direction = the sign the paper predicts.`,
    },
    { effect: sig4, null: sig4, estimate: sig4, lo: sig4, hi: sig4 },
    { difference: `difference [${level} CI]`, lo: "CI low", hi: "CI high" },
  );
}

/** Proposition 1 per attack on its perturbed entries (`prop1_perturbed`), or null without prop1 stages. */
export function prop1Table(inputs: ReportInputs): RenderedTable | null {
  if (inputs.prop1.length === 0) return null;
  const rows = inputs.prop1.map((p) => ({
    attack: p.source.label,
    perturbed: p.checked,
    unperturbed: p.unperturbed,
    violations: p.violations,
    result: p.violations === 0 ? "holds" : "fails",
    stage: p.source.instance,
  }));
  return renderTable(
    aq.from(rows).select("attack", "perturbed", "unperturbed", "violations", "result", "stage"),
    {
      name: "prop1_perturbed",
      title: "Proposition 1 on the perturbed entries",
      caption: "‖x − x′‖₁ ≥ |X₀ − X′₀| per (pair, channel), checked only where the attack changed the " +
        "channel (an unchanged one satisfies it as 0 ≥ 0); a bound that holds for any perturbation, so it " +
        "has no null to beat.",
    },
    { perturbed: count, unperturbed: count, violations: count },
    { perturbed: "perturbed entries", unperturbed: "unperturbed (not checked)" },
  );
}
