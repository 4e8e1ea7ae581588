/**
 * From gathered stage records to the report's content: each figure as a Vega-Lite spec with its caption,
 * the paper's claim and a sentence on what this run measured; the tables; the sections they go in. Pure:
 * no rendering and no files (lib/report/write.ts does both).
 */
import {
  type BandShare,
  bandShareSpec,
  type FigureSpec,
  filteredAccuracySpec,
  fourierHeatmapSpec,
  ofClassProfileSpec,
  ofSingleImageSpec,
  prop1ScatterSpec,
  rctFigureSpec,
  saliencyVsOcclusionSpec,
} from "../plots/mod.ts";
import type { OcclusionRecord, ReportInputs, SharesCI, Source } from "./records.ts";
import { pairedLowShareDifference } from "./paired.ts";
import { synthesisSection } from "./sections/synthesis.ts";
import { trendFigures, type TrendParams } from "./trends.ts";
import {
  attackSummaryTable,
  type BandShareRow,
  bandShareTable,
  modelAccuracyTable,
  type RenderedTable,
} from "./tables.ts";
import { findingsTable, prop1Table, VERDICTS_SECTION } from "./sections/verdicts.ts";
import { ofDcTable, rctNullsTable } from "./sections/nulls.ts";

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

/** The report's sections in page order: id → title and intro. */
export const SECTIONS: { id: string; title: string; intro: string }[] = [
  { id: "models", title: "Models", intro: "The classifiers every analysis below looks at." },
  VERDICTS_SECTION,
  {
    id: "attacks",
    title: "Adversarial examples in frequency (Fig. 2, Proposition 1)",
    intro:
      "FGSM, PGD, Carlini–Wagner and SimBA perturbations seen through the 2-D DCT: the relative change " +
      "of each coefficient (RCT), and the bound of Proposition 1 on the lowest (DC) frequency.",
  },
  {
    id: "spectra",
    title: "Robust and non-robust data sets (Fig. 3)",
    intro: "Images synthesised to match the penultimate representation of a robust resp. natural model " +
      "(Ilyas et al. 2019), starting from another image x₀: what the optimisation changed (x_r − x₀, the " +
      "paper's Fig. 3) and how far the result stays from its target (x_r − x), in the DCT domain, with " +
      "each robust set tested against the natural one on the same pairs.",
  },
  {
    id: "occlusion",
    title: "Occluded Frequency (Figs. 1 and 4)",
    intro:
      "Attribution of each model's class logit to each DCT band: the drop of the logit when the band is " +
      "replaced by its baseline.",
  },
  {
    id: "beyond",
    title: "Beyond the paper",
    intro: "Fourier heat maps (Yin et al. 2019), accuracy on band-filtered images (Wang et al. 2020), and " +
      "gradient frequency saliency beside Occluded Frequency.",
  },
  {
    id: "shares",
    title: "Band shares",
    intro: "Where each quantity sits among the lowest, middle and highest third of the bands.",
  },
];

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(2)).toString());
const ci = (s: { estimate: number; lo: number; hi: number }) =>
  `${fmt(s.estimate)} [${fmt(s.lo)}, ${fmt(s.hi)}]`;

/** "label: low a [lo, hi], middle …, high …" for each record with shares. */
function sharesSentence(
  items: { source: Source; shares: SharesCI | null }[],
  parts: ("low" | "middle" | "high")[],
): string {
  return items.filter((i) => i.shares).map((i) =>
    `${i.source.label}: ${parts.map((p) => `${p} ${ci(i.shares![p])}`).join(", ")}`
  ).join("; ");
}

function shareBars(items: { source: Source; shares: SharesCI | null }[]): BandShare[] {
  return items.filter((i) => i.shares).flatMap((i) =>
    (["low", "middle", "high"] as const).map((part) => ({
      group: i.source.label,
      part,
      share: i.shares![part].estimate,
      lo: i.shares![part].lo,
      hi: i.shares![part].hi,
    }))
  );
}

function shareRows(analysis: string, items: { source: Source; shares: SharesCI | null }[]): BandShareRow[] {
  return shareBars(items).map((b, k) => ({
    analysis,
    group: b.group,
    part: b.part as BandShareRow["part"],
    share: b.share,
    lo: b.lo,
    hi: b.hi,
    stage: items.filter((i) => i.shares)[Math.floor(k / 3)].source.instance,
  }));
}

/** Mean of a grid's cells in the band thirds (i + j in the lowest / highest third of bands). */
function thirdMeans(values: ArrayLike<number>, h: number, w: number): { low: number; high: number } {
  const bands = h + w - 1;
  let lo = 0, nl = 0, hi = 0, nh = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const third = Math.floor((3 * (i + j)) / bands);
      if (third === 0) [lo, nl] = [lo + values[i * w + j], nl + 1];
      if (third === 2) [hi, nh] = [hi + values[i * w + j], nh + 1];
    }
  }
  return { low: lo / nl, high: hi / nh };
}

/** Every figure and table the gathered records allow, with captions, claims and measurements. */
export function buildReport(
  inputs: ReportInputs,
  trends: TrendParams = {},
): { figures: BuiltFigure[]; tables: BuiltTable[] } {
  const figures: BuiltFigure[] = [];
  const tables: BuiltTable[] = [];
  const shareTableRows: BandShareRow[] = [];
  for (
    const [section, table, sources] of [
      [VERDICTS_SECTION.id, findingsTable(inputs), inputs.verdicts.map((v) => v.source)],
      [VERDICTS_SECTION.id, prop1Table(inputs), inputs.prop1.map((p) => p.source)],
      ["attacks", rctNullsTable(inputs), inputs.rct.map((r) => r.source)],
      ["occlusion", ofDcTable(inputs), inputs.occlusion.map((o) => o.source)],
    ] as const
  ) {
    if (table) tables.push({ section, table, sources: [...new Set(sources)] });
  }

  if (inputs.evaluate.length > 0) {
    tables.push({
      section: "models",
      table: modelAccuracyTable(inputs.evaluate.map((e) => ({
        model: e.source.label,
        clean: e.clean,
        pgd: e.pgd,
        pgdSetting: e.pgdSetting,
        n: e.n,
        stage: e.source.instance,
      }))),
      sources: inputs.evaluate.map((e) => e.source),
    });
  }

  if (inputs.attacks.length > 0) {
    tables.push({
      section: "attacks",
      table: attackSummaryTable(inputs.attacks.map((a) => ({
        attack: a.source.label,
        method: a.method,
        success: a.success,
        l2Median: a.l2Median,
        l2Mean: a.l2Mean,
        linfMedian: a.linfMedian,
        linfMean: a.linfMean,
        queries: a.queries,
        imagesPerSecond: a.imagesPerSecond,
        n: a.n,
        stage: a.source.instance,
      }))),
      sources: inputs.attacks.map((a) => a.source),
    });
  }

  if (inputs.rct.length > 0) {
    const withShares = inputs.rct.filter((r) => r.shares);
    const highOverLow = withShares.filter((r) => r.shares!.high.lo > r.shares!.low.hi);
    figures.push({
      name: "rct",
      section: "attacks",
      title: "Fig. 2 — RCT maps per attack",
      spec: rctFigureSpec(
        inputs.rct.map((r) => ({ name: r.source.label, map: r.map, bandProfile: r.bandProfile })),
      ),
      caption:
        "Mean over attacked images of |DCT(x′) − DCT(x)| / max(|DCT(x)|, floor), averaged over channels; " +
        "row frequency i down, column frequency j across, the DC term top-left. Below: the mean per band i + j.",
      claim: "All four attacks change mostly the middle and high frequencies of the DCT.",
      measured: withShares.length > 0
        ? `The high third of the bands holds more of the RCT profile than the low third (95 % intervals ` +
          `disjoint) for ${highOverLow.length} of ${withShares.length} attacks. Shares (95 % CI): ${
            sharesSentence(inputs.rct, ["low", "middle", "high"])
          }.`
        : undefined,
      sources: inputs.rct.map((r) => r.source),
    });
    const bars = shareBars(inputs.rct);
    if (bars.length > 0) {
      figures.push({
        name: "rct_shares",
        section: "attacks",
        title: "RCT band shares per attack",
        spec: bandShareSpec("Share of the RCT band profile per third of the bands", bars, {
          groupTitle: "attack",
          yTitle: "share of mean RCT",
        }),
        caption:
          "Share of each attack's RCT band profile in the lowest, middle and highest third of the bands, " +
          "with bootstrap 95 % intervals over images.",
        claim: "Attacks concentrate in the middle and high bands.",
        measured: sharesSentence(inputs.rct, ["low", "high"]) + ".",
        sources: inputs.rct.map((r) => r.source),
      });
    }
    shareTableRows.push(...shareRows("RCT", inputs.rct));
  }

  if (inputs.prop1.length > 0) {
    const checked = inputs.prop1.reduce((n, p) => n + p.checked, 0);
    const unperturbed = inputs.prop1.reduce((n, p) => n + (p.unperturbed ?? 0), 0);
    const violations = inputs.prop1.reduce((n, p) => n + p.violations, 0);
    const tight = inputs.prop1.filter((p) => p.meanTightness != null)
      .map((p) => `${p.source.label} ${fmt(p.meanTightness!)}`).join(", ");
    figures.push({
      name: "prop1",
      section: "attacks",
      title: "Proposition 1 — DC change against l1 norm",
      spec: prop1ScatterSpec(inputs.prop1.map((p) => ({ attack: p.source.label, l1: p.l1, dc: p.dc }))),
      caption:
        "One point per (image pair, channel): the change of the unnormalised DFT's DC term against the " +
        "l1 norm of the perturbation in that channel. The dashed line is the bound y = x.",
      claim:
        "For any perturbation, ||x − x′||₁ ≥ |X₀ − X′₀|: a perturbation small in l1 cannot move the lowest frequency much.",
      measured:
        `${violations} violations in ${checked} perturbed pair-channels checked across ${inputs.prop1.length} ` +
        `attacks (${unperturbed} unperturbed pair-channels left out)` +
        (tight ? `; mean tightness |X₀ − X′₀| / ||x − x′||₁: ${tight}.` : "."),
      sources: inputs.prop1.map((p) => p.source),
    });
  }

  if (inputs.spectra.length > 0) {
    const section = synthesisSection(inputs.spectra);
    figures.push(...section.figures);
    tables.push(...section.tables);
    shareTableRows.push(...section.shareRows);
  }

  if (inputs.occlusion.length > 0) {
    const occ = inputs.occlusion;
    const classNames = occ[0].classNames;
    const sameClasses = occ.every((o) =>
      o.classNames.length === classNames.length && o.classProfiles.length === classNames.length
    );
    const lowShares = occ.filter((o) => o.shares).map((o) => ({ label: o.source.label, low: o.shares!.low }));
    const best = [...lowShares].sort((a, b) => b.low.estimate - a.low.estimate)[0];
    const claim =
      "Adversarially trained models put their OF attribution in the low bands, natural models in the " +
      "middle and high bands.";
    const measured = lowShares.length > 0
      ? `Low-third share of OF attribution (95 % CI): ${
        lowShares.map((s) => `${s.label} ${ci(s.low)}`).join(", ")
      }; ` +
        `highest: ${best.label}.${pairedSentence(occ)}`
      : undefined;
    if (sameClasses) {
      figures.push({
        name: "of_classes",
        section: "occlusion",
        title: "Fig. 1 — OF class profiles per model",
        spec: ofClassProfileSpec(occ.map((o) => ({ model: o.source.label, profiles: o.classProfiles })), {
          classNames,
          normalise: "sum",
        }),
        caption:
          "Mean OF attribution per band for the images of each class, one line per model; each profile is " +
          "divided by the sum of its absolute values so that models with different logit scales compare.",
        claim,
        measured,
        sources: occ.map((o) => o.source),
      });
    }
    figures.push({
      name: "of_mean",
      section: "occlusion",
      title: "OF profile averaged over classes",
      spec: ofClassProfileSpec(occ.map((o) => ({ model: o.source.label, profiles: [o.meanProfile] })), {
        classNames: ["all classes"],
        layout: "mean",
      }),
      caption: "Mean OF attribution (logit drop) per band over all analysed images, one line per model.",
      claim,
      measured,
      sources: occ.map((o) => o.source),
    });
    const bars = shareBars(occ);
    if (bars.length > 0) {
      figures.push({
        name: "of_shares",
        section: "occlusion",
        title: "OF attribution shares per model",
        spec: bandShareSpec("Share of OF attribution per third of the bands", bars, {
          groupTitle: "model",
          yTitle: "share of attribution",
        }),
        caption:
          "Share of each model's OF attribution in the lowest, middle and highest third of the bands, " +
          "with bootstrap 95 % intervals over images.",
        claim,
        measured,
        sources: occ.map((o) => o.source),
      });
    }
    shareTableRows.push(...shareRows("OF attribution", occ));
    occ.filter((o) => o.single).forEach((o, k) => {
      figures.push({
        name: `of_image_${k}`,
        section: "occlusion",
        title: `Fig. 4 — one image under Occluded Frequency (${o.source.label})`,
        spec: ofSingleImageSpec({
          images: o.single!.images,
          attribution: o.single!.attribution,
          topBands: o.single!.topBands,
          subtitle: o.single!.caption,
        }),
        caption:
          "An image, the same image with its lowest-attributed bands removed, and with its top-attributed " +
          "bands removed; below, its OF attribution per band with the top bands in red.",
        claim:
          "Removing the few bands a model attributes most to changes its prediction; the rest matter little.",
        sources: [o.source],
      });
    });
  }

  if (inputs.fourier.length > 0) {
    figures.push({
      name: "fourier",
      section: "beyond",
      title: "Fourier heat maps",
      spec: fourierHeatmapSpec(
        inputs.fourier.map((f) => ({ model: f.source.label, errorRate: f.errorRate })),
      ),
      caption:
        "Error rate of each model when one DCT basis image of norm ε (random sign per channel) is added " +
        "to every test image, for each frequency (i, j).",
      claim:
        "Yin et al. (2019): natural models are most sensitive to high-frequency perturbations; adversarial " +
        "training moves the sensitivity towards low frequencies.",
      measured: inputs.fourier.map((f) => {
        const t = thirdMeans(f.errorRate.values, f.errorRate.height, f.errorRate.width);
        return `${f.source.label}: mean error ${fmt(t.low)} in the low third, ${
          fmt(t.high)
        } in the high third`;
      }).join("; ") + ".",
      sources: inputs.fourier.map((f) => f.source),
    });
  }

  if (inputs.filtered.length > 0) {
    figures.push({
      name: "filtered",
      section: "beyond",
      title: "Accuracy on low-pass and high-pass filtered images",
      spec: filteredAccuracySpec(inputs.filtered.map((f) => ({
        model: f.source.label,
        cutoffs: f.cutoffs,
        lowPass: f.lowPass,
        highPass: f.highPass,
      }))),
      caption:
        "Test accuracy when only the bands up to the cut-off (low-pass) or from the cut-off on (high-pass) " +
        "are kept.",
      claim:
        "Wang et al. (2020): natural models keep part of their accuracy from high-frequency components alone; " +
        "robust models depend on the low frequencies.",
      measured: inputs.filtered.map((f) => {
        const mid = Math.floor(f.cutoffs.length / 3);
        return `${f.source.label}: low-pass to band ${f.cutoffs[mid]} ${
          fmt(f.lowPass[mid])
        }, high-pass from band ${f.cutoffs[mid]} ${fmt(f.highPass[mid])}`;
      }).join("; ") + ".",
      sources: inputs.filtered.map((f) => f.source),
    });
  }

  if (inputs.saliency.length > 0) {
    const byLabel = new Map(inputs.occlusion.map((o) => [o.source.label, o]));
    figures.push({
      name: "saliency",
      section: "beyond",
      title: "Gradient frequency saliency beside Occluded Frequency",
      spec: saliencyVsOcclusionSpec(inputs.saliency.map((s) => {
        const o = byLabel.get(s.source.label);
        return {
          model: s.source.label,
          saliency: s.bandProfile,
          occlusion: o && o.meanProfile.length === s.bandProfile.length ? o.meanProfile : undefined,
        };
      })),
      caption:
        "Per model, the band profile of mean |∂f_c/∂DCT(x)| and (where an OF stage ran on the same model) " +
        "of OF attribution, each as a share of its total.",
      sources: inputs.saliency.map((s) => s.source),
    });
  }

  if (shareTableRows.length > 0) {
    tables.push({
      section: "shares",
      table: bandShareTable(shareTableRows),
      sources: [
        ...new Map(
          [...inputs.rct, ...inputs.spectra, ...inputs.occlusion].map((r) => [r.source.instance, r.source]),
        ).values(),
      ],
    });
  }
  const rows = inputs.metrics ?? [];
  const sourceOf = (instance: string): Source => {
    const row = rows.find((r) => r.instance === instance);
    return { instance, label: instance, href: row?.href ?? "" };
  };
  figures.push(...trendFigures(rows, sourceOf, trends));
  return { figures, tables };
}

/**
 * " Paired difference … (95 % CI): …" comparing every other occlusion model with the first one (the
 * natural model in the shipped configs) on the images both attributed, resampled jointly; empty when
 * fewer than two models have per-image attributions of the same images.
 */
function pairedSentence(occ: OcclusionRecord[]): string {
  const [first, ...others] = occ;
  const reference = first?.perImage;
  if (!reference) return "";
  const parts: string[] = [];
  for (const o of others) {
    const p = o.perImage;
    const same = p && p.mass === reference.mass && p.indices.length === reference.indices.length &&
      p.rows.length === reference.rows.length && p.indices.every((v, i) => v === reference.indices[i]);
    if (!same) continue;
    const d = pairedLowShareDifference(reference.rows, p.rows, reference.indices.length, {
      seed: 1,
      resamples: 2000,
    });
    parts.push(`${o.source.label} ${signed(d.estimate)} [${signed(d.lo)}, ${signed(d.hi)}]`);
  }
  return parts.length === 0 ? "" : ` Paired difference in low-third share against ${first.source.label} ` +
    `(same ${reference.indices.length} images resampled jointly, 95 % CI): ${parts.join(", ")}.`;
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
}
