/**
 * Gradient frequency saliency beside Occluded Frequency: per model, the band profile of mean
 * |∂f_c/∂DCT(x)| and of OF attribution, each divided by the sum of its absolute values so the two shapes
 * compare on one axis; where the lines part, the two attributions disagree.
 */
import { checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One model's band profiles by the two methods (same number of bands). */
export interface SaliencyComparison {
  model: string;
  saliency: ArrayLike<number>;
  /** OF band profile of the same model; omit when no OF stage ran for it. */
  occlusion?: ArrayLike<number>;
}

function shares(values: ArrayLike<number>): number[] {
  const out = Array.from(values);
  const total = out.reduce((a, v) => a + Math.abs(v), 0);
  return total > 0 ? out.map((v) => v / total) : out;
}

/** Normalised saliency and OF band profiles, one panel per model. */
export function saliencyVsOcclusionSpec(
  models: readonly SaliencyComparison[],
  options: { subtitle?: string } = {},
): FigureSpec {
  const name = "saliency vs OF";
  if (models.length === 0) throw new PlotDataError(name, "no models given");
  checkUniqueNames(name, models.map((m) => m.model));
  const rows: Record<string, unknown>[] = [];
  for (const m of models) {
    if (m.occlusion && m.occlusion.length !== m.saliency.length) {
      throw new PlotDataError(
        name,
        `model '${m.model}': saliency has ${m.saliency.length} bands, OF has ${m.occlusion.length}`,
      );
    }
    shares(m.saliency).forEach((v, band) =>
      rows.push({ model: m.model, method: "gradient saliency", band, value: tidy(v) })
    );
    if (m.occlusion) {
      shares(m.occlusion).forEach((v, band) =>
        rows.push({ model: m.model, method: "Occluded Frequency", band, value: tidy(v) })
      );
    }
  }
  return figure(
    {
      data: { values: rows },
      facet: { field: "model", type: "nominal", title: null, sort: models.map((m) => m.model) },
      columns: 4,
      spec: {
        mark: { type: "line", point: { size: 12 } },
        width: 200,
        height: 140,
        encoding: {
          x: { field: "band", type: "quantitative", title: "band k (low → high)" },
          y: { field: "value", type: "quantitative", title: "share of Σ|attribution|" },
          color: {
            field: "method",
            type: "nominal",
            title: "method",
            sort: ["gradient saliency", "Occluded Frequency"],
          },
          tooltip: [
            { field: "method", type: "nominal" },
            { field: "band", type: "quantitative" },
            { field: "value", type: "quantitative", format: ".4g" },
          ],
        },
      },
    },
    "Gradient frequency saliency beside Occluded Frequency",
    options.subtitle,
  );
}
