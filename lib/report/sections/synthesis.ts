/**
 * The report's Fig. 3 section (robust / non-robust dataset synthesis): what a `spectra` stage wrote beyond
 * its main spectrum — x_r − x beside the paper's x_r − x₀, the convergence of the inversion, the paired
 * contrast against the natural model's synthesis and its verdicts — read from the entry
 * ({@link synthesisDetail}, called by lib/report/collect.ts) and turned into the section's figures and
 * contrast table ({@link spectraSection}) and rows of the band-shares table ({@link synthesisShareRows}).
 */
import type { SpectraFiles, SpectraSummary } from "../../stages/spectra.ts";
import { convergenceSpec, type Grid, spectraFigureSpec } from "../../plots/mod.ts";
import { levelText } from "../level.ts";
import type { ReportInputs, SharesCI, SpectrumRecord } from "../records.ts";
import { type BandShareRow, renderTable } from "../tables.ts";
import {
  type BuiltFigure,
  type BuiltTable,
  type SectionContent,
  shareFigure,
  shareRows,
  tableOf,
} from "./section.ts";
import * as aq from "arquero";

const SECTION = "spectra";

/** The parts of a `spectra` entry beyond its x_r − x₀ spectrum; fields null when the entry predates them. */
export interface SynthesisDetail {
  /** x_r − x (distance to the target): channel-mean map, band profile, shares. */
  target: { map: Grid; bandProfile: ArrayLike<number>; shares: SharesCI | null } | null;
  /** Shares of x − x₀ (the unoptimised contrast). */
  contrastShares: SharesCI | null;
  /** Mean relative representation distance per step (thinned), and the final distance summary. */
  convergence:
    | { iteration: number[]; distance: number[]; final: number; initial: number; iterations: number }
    | null;
  /** The reference (natural) synthesis the verdicts compare with. */
  reference: string | null;
  verdicts: SpectraSummary["verdicts"];
}

/** The detail of a `spectra` entry beyond its x_r − x₀ spectrum, from what lib/stages/spectra.ts `readSpectra` read. */
export function synthesisDetail({ spectra, summary }: SpectraFiles): SynthesisDetail {
  const target = spectra.target;
  const [height, width] = target.map.shape;
  const curve = summary.convergence.loss_curve;
  return {
    target: {
      map: { height, width, values: Float64Array.from(target.channelMean) },
      bandProfile: Float64Array.from(target.bandProfile),
      shares: summary.spectra.target.shares,
    },
    contrastShares: summary.spectra.contrast.shares,
    convergence: {
      iteration: curve.map(([i]) => i),
      distance: curve.map(([, d]) => d),
      final: summary.convergence.final_distance,
      initial: summary.convergence.initial_distance,
      iterations: summary.convergence.iterations,
    },
    reference: summary.contrast?.reference ?? null,
    verdicts: summary.verdicts,
  };
}

const f3 = (v: number) => v.toFixed(3);
const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
const shareText = (s: SharesCI | null | undefined) =>
  s ? `${f3(s.low.estimate)} / ${f3(s.middle.estimate)} / ${f3(s.high.estimate)}` : "–";

/** The verdicts of every spectra record as one table (model, protocol, effect, null, difference, verdict). */
function verdictTable(spectra: SpectrumRecord[]): BuiltTable[] {
  const rows = spectra.flatMap((s) =>
    (s.synthesis?.verdicts ?? []).map((v) => ({
      model: s.source.label,
      protocol: v.protocol,
      definition: v.definition ?? "",
      effect: v.effect,
      null: v.null,
      difference: v.difference.estimate,
      lo: v.difference.lo,
      hi: v.difference.hi,
      verdict: v.verdict,
      stage: s.source.instance,
    }))
  );
  if (rows.length === 0) return [];
  const level = levelText(spectra.flatMap((s) => s.synthesis?.verdicts ?? []).map((v) => v.difference.level));
  const sig = (v: unknown) => (typeof v === "number" ? v.toFixed(3) : String(v));
  return tableOf(
    SECTION,
    renderTable(
      aq.from(rows),
      {
        name: "synthesis_contrast",
        title: "Fig. 3 against its null: robust − natural synthesis on the same pairs",
        caption: `Low-third share of the mean |DCT(Δ)| band profile of each robust model's synthesized set ` +
          `(effect) and of the natural model's on the same (start, target) pairs (null); their difference ` +
          `with a paired bootstrap ${level} interval; "reproduced" only when the ` +
          `interval lies above 0. Protocol "authors": Δ = x_r − x₀ (the paper's caption); "freqlens": ` +
          `Δ = x_r − x.`,
      },
      { effect: sig, null: sig, difference: sig, lo: sig, hi: sig },
      { lo: "CI low", hi: "CI high", null: "null (natural)" },
    ),
    spectra.filter((s) => s.synthesis?.verdicts.length).map((s) => s.source),
  );
}

/** The section's figures: `spectra`, `spectra_target`, `spectra_shares`, `synthesis_convergence`. */
function spectraFigures(spectra: SpectrumRecord[]): BuiltFigure[] {
  const figures: BuiltFigure[] = [];
  if (spectra.length === 0) return figures;
  const sources = spectra.map((s) => s.source);
  const verdicts = spectra.flatMap((s) =>
    (s.synthesis?.verdicts ?? []).map((v) => ({ label: s.source.label, v }))
  );
  /** The interval level(s) of one protocol's verdicts, as text ("95 %"). */
  const pairedLevel = (protocol: string) =>
    levelText(verdicts.filter(({ v }) => v.protocol === protocol).map(({ v }) => v.difference.level));
  const verdictSentence = (protocol: string) =>
    verdicts.filter(({ v }) => v.protocol === protocol).map(({ label, v }) =>
      `${label} ${f3(v.effect)} vs ${f3(v.null)}, ${signed(v.difference.estimate)} [${
        signed(v.difference.lo)
      }, ` +
      `${signed(v.difference.hi)}] → ${v.verdict}`
    ).join("; ");
  const claim = "The non-robust data set's changes spread into the middle and high frequencies; the robust " +
    "data set's are concentrated in the low frequencies.";
  const authors = verdictSentence("authors"), freqlens = verdictSentence("freqlens");
  const fullMove = spectra.find((s) => s.synthesis?.contrastShares)?.synthesis?.contrastShares;
  figures.push({
    name: "spectra",
    section: SECTION,
    title: "Fig. 3 — what the synthesis changed: x_r − x₀",
    spec: spectraFigureSpec(
      spectra.map((s) => ({ name: s.source.label, map: s.map, bandProfile: s.bandProfile })),
      { subtitle: "Δ = x_r − x₀: synthesized image minus its start image (the paper's caption)" },
    ),
    caption: "Mean over pairs of |DCT(x_r − x₀)| (channel-averaged) between each synthesized image and the " +
      "start image its optimisation began from — the paper's caption (\"the difference between " +
      'robust/non-robust images and the starting images"); one colour scale; below, the mean per band.',
    claim,
    measured: [
      `Shares low / middle / high: ${
        spectra.map((s) => `${s.source.label} ${shareText(s.shares)}`).join("; ")
      }.`,
      authors
        ? ` Low-third share against the natural model on the same pairs (paired ${
          pairedLevel("authors")
        } CI): ${authors}.`
        : "",
      fullMove ? ` For scale, x − x₀ (the whole way from start to target): ${shareText(fullMove)}.` : "",
    ].join(""),
    sources,
  });
  const withTarget = spectra.filter((s) => s.synthesis?.target);
  if (withTarget.length > 0) {
    figures.push({
      name: "spectra_target",
      section: SECTION,
      title: "x_r − x: distance to the target imitated",
      spec: spectraFigureSpec(
        withTarget.map((s) => ({
          name: s.source.label,
          map: s.synthesis!.target!.map,
          bandProfile: s.synthesis!.target!.bandProfile,
        })),
        { subtitle: "Δ = x_r − x: synthesized image minus the target it imitates" },
      ),
      caption: "Mean over pairs of |DCT(x_r − x)| between each synthesized image and its target: what the " +
        "inversion did not match (freqlens' definition before issue 17; not the paper's).",
      claim,
      measured: `Shares low / middle / high: ${
        withTarget.map((s) => `${s.source.label} ${shareText(s.synthesis!.target!.shares)}`).join("; ")
      }.${freqlens ? ` Against the natural model (paired ${pairedLevel("freqlens")} CI): ${freqlens}.` : ""}`,
      sources: withTarget.map((s) => s.source),
    });
  }
  // Both definitions side by side: each model's x_r − x₀ and x_r − x shares as two groups.
  const definitions = (s: SpectrumRecord) => [
    { source: { ...s.source, label: `${s.source.label} · x_r − x₀` }, shares: s.shares },
    {
      source: { ...s.source, label: `${s.source.label} · x_r − x` },
      shares: s.synthesis?.target?.shares ?? null,
    },
  ];
  figures.push(...shareFigure({
    name: "spectra_shares",
    section: SECTION,
    title: "Fig. 3 band shares under both definitions",
    chartTitle: "Share of the mean |DCT(Δ)| band profile per third of the bands",
    groupTitle: "set · Δ",
    yTitle: "share of mean |ΔDCT|",
    items: spectra.flatMap(definitions),
    what: "Per model, the shares of Δ = x_r − x₀ (the paper's) and Δ = x_r − x",
    over: "pairs",
    claim,
    sources,
  }));
  const curves = spectra.filter((s) => s.synthesis?.convergence);
  if (curves.length > 0) {
    figures.push({
      name: "synthesis_convergence",
      section: SECTION,
      title: "Convergence of the representation inversion",
      spec: convergenceSpec(curves.map((s) => ({
        model: s.source.label,
        iteration: s.synthesis!.convergence!.iteration,
        distance: s.synthesis!.convergence!.distance,
      }))),
      caption:
        "Mean relative representation distance ‖g(x_r) − g(x)‖₂ / ‖g(x)‖₂ over the synthesized images " +
        "against the gradient step (log scale), per model.",
      claim: "Ilyas et al. run 1,000 steps of size 0.1 so that the representations match.",
      measured: `Final distance (start → end, ${curves[0].synthesis!.convergence!.iterations} steps): ${
        curves.map((s) => {
          const c = s.synthesis!.convergence!;
          return `${s.source.label} ${f3(c.initial)} → ${f3(c.final)}`;
        }).join("; ")
      }.`,
      sources: curves.map((s) => s.source),
    });
  }
  return figures;
}

/** The band-shares table's rows of the spectra: x_r − x₀ and x_r − x per model. */
export function synthesisShareRows(spectra: SpectrumRecord[]): BandShareRow[] {
  return [
    ...shareRows("|DCT(x_r − x₀)|", spectra),
    ...shareRows(
      "|DCT(x_r − x)|",
      spectra.map((s) => ({ source: s.source, shares: s.synthesis?.target?.shares ?? null })),
    ),
  ];
}

/** The section: its figures and the `synthesis_contrast` table. */
export function spectraSection(inputs: ReportInputs): SectionContent {
  return { figures: spectraFigures(inputs.spectra), tables: verdictTable(inputs.spectra) };
}
