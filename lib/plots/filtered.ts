/**
 * Filtered-accuracy curves (Wang et al. 2020): a model's test accuracy when the images keep only the bands
 * up to a cut-off (low-pass) or only the bands from it on (high-pass), against the cut-off band; one line
 * per model, one panel per filter.
 */
import { checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One model's accuracies: `lowPass[t]` / `highPass[t]` at cut-off band `cutoffs[t]`. */
export interface FilteredCurves {
  model: string;
  cutoffs: ArrayLike<number>;
  lowPass: ArrayLike<number>;
  highPass: ArrayLike<number>;
}

/** Low-pass and high-pass accuracy against the cut-off band, side by side, accuracy on [0, 1]. */
export function filteredAccuracySpec(
  curves: readonly FilteredCurves[],
  options: { subtitle?: string } = {},
): FigureSpec {
  const name = "filtered accuracy";
  if (curves.length === 0) throw new PlotDataError(name, "no models given");
  checkUniqueNames(name, curves.map((c) => c.model));
  const rows: Record<string, unknown>[] = [];
  for (const c of curves) {
    const n = c.cutoffs.length;
    if (c.lowPass.length !== n || c.highPass.length !== n) {
      throw new PlotDataError(
        name,
        `model '${c.model}': ${n} cut-offs but ${c.lowPass.length} low-pass and ${c.highPass.length} high-pass accuracies`,
      );
    }
    for (let t = 0; t < n; t++) {
      rows.push({
        model: c.model,
        filter: "low-pass (bands ≤ cut-off kept)",
        cutoff: c.cutoffs[t],
        accuracy: tidy(c.lowPass[t]),
      });
      rows.push({
        model: c.model,
        filter: "high-pass (bands ≥ cut-off kept)",
        cutoff: c.cutoffs[t],
        accuracy: tidy(c.highPass[t]),
      });
    }
  }
  return figure(
    {
      data: { values: rows },
      facet: {
        column: {
          field: "filter",
          type: "nominal",
          title: null,
          sort: ["low-pass (bands ≤ cut-off kept)", "high-pass (bands ≥ cut-off kept)"],
        },
      },
      spec: {
        mark: { type: "line", point: { size: 16 } },
        width: 260,
        height: 180,
        encoding: {
          x: { field: "cutoff", type: "quantitative", title: "cut-off band", scale: { nice: false } },
          y: { field: "accuracy", type: "quantitative", title: "test accuracy", scale: { domain: [0, 1] } },
          color: { field: "model", type: "nominal", title: "model", sort: curves.map((c) => c.model) },
          tooltip: [
            { field: "model", type: "nominal" },
            { field: "cutoff", type: "quantitative" },
            { field: "accuracy", type: "quantitative", format: ".3f" },
          ],
        },
      },
    },
    "Accuracy on low-pass and high-pass filtered images",
    options.subtitle,
  );
}
