/**
 * The report's "Beyond the paper" section: Fourier heat maps (Yin et al. 2019), accuracy on low- and
 * high-pass filtered images (Wang et al. 2020), and gradient frequency saliency beside Occluded Frequency.
 */
import { filteredAccuracySpec, fourierHeatmapSpec, saliencyVsOcclusionSpec } from "../../plots/mod.ts";
import type { ReportInputs } from "../records.ts";
import { type BuiltFigure, fmt, type SectionContent } from "./section.ts";

const SECTION = "beyond";

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

function fourierFigures({ fourier }: ReportInputs): BuiltFigure[] {
  if (fourier.length === 0) return [];
  return [{
    name: "fourier",
    section: SECTION,
    title: "Fourier heat maps",
    spec: fourierHeatmapSpec(fourier.map((f) => ({ model: f.source.label, errorRate: f.errorRate }))),
    caption:
      "Error rate of each model when one DCT basis image of norm ε (random sign per channel) is added " +
      "to every test image, for each frequency (i, j).",
    claim:
      "Yin et al. (2019): natural models are most sensitive to high-frequency perturbations; adversarial " +
      "training moves the sensitivity towards low frequencies.",
    measured: fourier.map((f) => {
      const t = thirdMeans(f.errorRate.values, f.errorRate.height, f.errorRate.width);
      return `${f.source.label}: mean error ${fmt(t.low)} in the low third, ${fmt(t.high)} in the high third`;
    }).join("; ") + ".",
    sources: fourier.map((f) => f.source),
  }];
}

function filteredFigures({ filtered }: ReportInputs): BuiltFigure[] {
  if (filtered.length === 0) return [];
  return [{
    name: "filtered",
    section: SECTION,
    title: "Accuracy on low-pass and high-pass filtered images",
    spec: filteredAccuracySpec(filtered.map((f) => ({
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
    measured: filtered.map((f) => {
      const mid = Math.floor(f.cutoffs.length / 3);
      return `${f.source.label}: low-pass to band ${f.cutoffs[mid]} ${fmt(f.lowPass[mid])}, high-pass from ` +
        `band ${f.cutoffs[mid]} ${fmt(f.highPass[mid])}`;
    }).join("; ") + ".",
    sources: filtered.map((f) => f.source),
  }];
}

function saliencyFigures({ saliency, occlusion }: ReportInputs): BuiltFigure[] {
  if (saliency.length === 0) return [];
  const byLabel = new Map(occlusion.map((o) => [o.source.label, o]));
  return [{
    name: "saliency",
    section: SECTION,
    title: "Gradient frequency saliency beside Occluded Frequency",
    spec: saliencyVsOcclusionSpec(saliency.map((s) => {
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
    sources: saliency.map((s) => s.source),
  }];
}

/** The section: `fourier`, `filtered` and `saliency` figures. */
export function beyondSection(inputs: ReportInputs): SectionContent {
  return {
    figures: [...fourierFigures(inputs), ...filteredFigures(inputs), ...saliencyFigures(inputs)],
    tables: [],
  };
}
