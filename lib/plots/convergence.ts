/**
 * Convergence of representation inversion (robust / non-robust dataset synthesis): the mean relative
 * representation distance ‖g(x_r) − g(x)‖₂ / ‖g(x)‖₂ against the step, one line per model, log-scaled.
 */
import { checkUniqueNames, PlotDataError, tidy } from "./data.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One model's loss curve: `distance[t]` after `iteration[t]` steps. */
export interface ConvergenceCurve {
  model: string;
  iteration: ArrayLike<number>;
  distance: ArrayLike<number>;
}

/** Relative representation distance against the step, one line per model (log y axis). */
export function convergenceSpec(
  curves: readonly ConvergenceCurve[],
  options: { subtitle?: string } = {},
): FigureSpec {
  const name = "synthesis convergence";
  if (curves.length === 0) throw new PlotDataError(name, "no curves given");
  checkUniqueNames(name, curves.map((c) => c.model));
  const rows: Record<string, unknown>[] = [];
  for (const c of curves) {
    if (c.iteration.length !== c.distance.length) {
      throw new PlotDataError(
        name,
        `model '${c.model}': ${c.iteration.length} steps, ${c.distance.length} values`,
      );
    }
    for (let t = 0; t < c.iteration.length; t++) {
      rows.push({ model: c.model, step: c.iteration[t], distance: tidy(c.distance[t]) });
    }
  }
  return figure(
    {
      data: { values: rows },
      mark: { type: "line" },
      width: 360,
      height: 200,
      encoding: {
        x: { field: "step", type: "quantitative", title: "gradient step" },
        y: {
          field: "distance",
          type: "quantitative",
          title: "mean ‖g(x_r) − g(x)‖ / ‖g(x)‖",
          scale: { type: "log" },
        },
        color: { field: "model", type: "nominal", title: "model", sort: curves.map((c) => c.model) },
        tooltip: [
          { field: "model", type: "nominal" },
          { field: "step", type: "quantitative" },
          { field: "distance", type: "quantitative", format: ".4f" },
        ],
      },
    },
    "Convergence of the representation inversion",
    options.subtitle,
  );
}
