/**
 * The report's Occluded Frequency section (the paper's Figs. 1 and 4): each model's OF class profiles,
 * its mean profile and band shares, the paired low-third comparison between models on the same images,
 * one image under occlusion per model, and the DC / label-change table (lib/report/sections/nulls.ts).
 */
import { ofClassProfileSpec, ofSingleImageSpec } from "../../plots/mod.ts";
import { DEFAULT_LEVEL, levelText } from "../level.ts";
import { pairedLowShareDifference } from "../paired.ts";
import type { OcclusionRecord, ReportInputs } from "../records.ts";
import { ofDcTable } from "./nulls.ts";
import { type BuiltFigure, ci, type SectionContent, shareFigure, sharesLevel, tableOf } from "./section.ts";

const SECTION = "occlusion";

function occlusionFigures(occ: OcclusionRecord[]): BuiltFigure[] {
  if (occ.length === 0) return [];
  const figures: BuiltFigure[] = [];
  const sources = occ.map((o) => o.source);
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
    ? `Low-third share of OF attribution (${sharesLevel(occ)} CI): ${
      lowShares.map((s) => `${s.label} ${ci(s.low)}`).join(", ")
    }; highest: ${best.label}.${pairedSentence(occ)}`
    : undefined;
  if (sameClasses) {
    figures.push({
      name: "of_classes",
      section: SECTION,
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
      sources,
    });
  }
  figures.push({
    name: "of_mean",
    section: SECTION,
    title: "OF profile averaged over classes",
    spec: ofClassProfileSpec(occ.map((o) => ({ model: o.source.label, profiles: [o.meanProfile] })), {
      classNames: ["all classes"],
      layout: "mean",
    }),
    caption: "Mean OF attribution (logit drop) per band over all analysed images, one line per model.",
    claim,
    measured,
    sources,
  });
  figures.push(...shareFigure({
    name: "of_shares",
    section: SECTION,
    title: "OF attribution shares per model",
    chartTitle: "Share of OF attribution per third of the bands",
    groupTitle: "model",
    yTitle: "share of attribution",
    items: occ,
    what: "Share of each model's OF attribution",
    over: "images",
    claim,
    measured,
    sources,
  }));
  occ.filter((o) => o.single).forEach((o, k) => {
    figures.push({
      name: `of_image_${k}`,
      section: SECTION,
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
  return figures;
}

/**
 * " Paired difference … (<level> CI): …" comparing every other occlusion model with the first one (the
 * natural model in the shipped configs) on the images both attributed, resampled jointly at the first
 * model's interval level; empty when fewer than two models have per-image attributions of the same images.
 */
function pairedSentence(occ: OcclusionRecord[]): string {
  const [first, ...others] = occ;
  const reference = first?.perImage;
  if (!reference) return "";
  const level = first.shares?.level ?? DEFAULT_LEVEL;
  const parts: string[] = [];
  for (const o of others) {
    const p = o.perImage;
    const same = p && p.mass === reference.mass && p.indices.length === reference.indices.length &&
      p.rows.length === reference.rows.length && p.indices.every((v, i) => v === reference.indices[i]);
    if (!same) continue;
    const d = pairedLowShareDifference(reference.rows, p.rows, reference.indices.length, {
      seed: 1,
      resamples: 2000,
      level,
    });
    parts.push(`${o.source.label} ${signed(d.estimate)} [${signed(d.lo)}, ${signed(d.hi)}]`);
  }
  return parts.length === 0 ? "" : ` Paired difference in low-third share against ${first.source.label} ` +
    `(same ${reference.indices.length} images resampled jointly, ${levelText([level])} CI): ${
      parts.join(", ")
    }.`;
}

function signed(v: number): string {
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
}

/** The section: `of_classes`, `of_mean`, `of_shares`, `of_image_<k>` figures; the `of_dc_label_change` table. */
export function occlusionSection(inputs: ReportInputs): SectionContent {
  return {
    figures: occlusionFigures(inputs.occlusion),
    tables: tableOf(SECTION, ofDcTable(inputs), inputs.occlusion.map((o) => o.source)),
  };
}
