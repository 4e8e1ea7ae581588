/**
 * From gathered stage records to the report's content: the sections in page order, each with its builder
 * (lib/report/sections/<id>.ts) that makes its figures — a Vega-Lite spec with its caption, the paper's
 * claim and a sentence on what this run measured — and its tables; the sweep trend figures
 * (lib/report/trends.ts) join the sections of their stage kinds. Pure: no rendering and no files
 * (lib/report/write.ts does both).
 */
import type { ReportInputs, Source } from "./records.ts";
import { attacksSection } from "./sections/attacks.ts";
import { beyondSection } from "./sections/beyond.ts";
import { modelsSection } from "./sections/models.ts";
import { occlusionSection } from "./sections/occlusion.ts";
import type { BuiltFigure, BuiltTable, ReportSectionBuilder } from "./sections/section.ts";
import { sharesSection } from "./sections/shares.ts";
import { spectraSection } from "./sections/synthesis.ts";
import { VERDICTS_SECTION, verdictsSection } from "./sections/verdicts.ts";
import { trendFigures, type TrendParams } from "./trends.ts";

export type { BuiltFigure, BuiltTable, ReportSectionBuilder } from "./sections/section.ts";

/** The report's sections in page order: id, title, intro and builder. */
export const SECTIONS: readonly ReportSectionBuilder[] = [
  {
    id: "models",
    title: "Models",
    intro: "The classifiers every analysis below looks at.",
    build: modelsSection,
  },
  { ...VERDICTS_SECTION, build: verdictsSection },
  {
    id: "attacks",
    title: "Adversarial examples in frequency (Fig. 2, Proposition 1)",
    intro:
      "FGSM, PGD, Carlini–Wagner and SimBA perturbations seen through the 2-D DCT: the relative change " +
      "of each coefficient (RCT), and the bound of Proposition 1 on the lowest (DC) frequency.",
    build: attacksSection,
  },
  {
    id: "spectra",
    title: "Robust and non-robust data sets (Fig. 3)",
    intro: "Images synthesised to match the penultimate representation of a robust resp. natural model " +
      "(Ilyas et al. 2019), starting from another image x₀: what the optimisation changed (x_r − x₀, the " +
      "paper's Fig. 3) and how far the result stays from its target (x_r − x), in the DCT domain, with " +
      "each robust set tested against the natural one on the same pairs.",
    build: spectraSection,
  },
  {
    id: "occlusion",
    title: "Occluded Frequency (Figs. 1 and 4)",
    intro:
      "Attribution of each model's class logit to each DCT band: the drop of the logit when the band is " +
      "replaced by its baseline.",
    build: occlusionSection,
  },
  {
    id: "beyond",
    title: "Beyond the paper",
    intro: "Fourier heat maps (Yin et al. 2019), accuracy on band-filtered images (Wang et al. 2020), and " +
      "gradient frequency saliency beside Occluded Frequency.",
    build: beyondSection,
  },
  {
    id: "shares",
    title: "Band shares",
    intro: "Where each quantity sits among the lowest, middle and highest third of the bands.",
    build: sharesSection,
  },
];

/** Every figure and table the gathered records allow: each section's in page order, then the trends. */
export function buildReport(
  inputs: ReportInputs,
  trends: TrendParams = {},
): { figures: BuiltFigure[]; tables: BuiltTable[] } {
  const built = SECTIONS.map((s) => s.build(inputs));
  const rows = inputs.metrics ?? [];
  const sourceOf = (instance: string): Source => ({
    instance,
    label: instance,
    href: rows.find((r) => r.instance === instance)?.href ?? "",
  });
  return {
    figures: [...built.flatMap((b) => b.figures), ...trendFigures(rows, sourceOf, trends)],
    tables: built.flatMap((b) => b.tables),
  };
}
