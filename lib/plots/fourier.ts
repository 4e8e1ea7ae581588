/**
 * Fourier heat maps (Yin et al. 2019): a model's error rate when a basis image of one frequency (i, j),
 * norm ε, random sign per channel, is added to every test image, one panel per model, on one colour scale
 * from 0 to the largest error rate of any panel.
 */
import { checkGrid, checkUniqueNames, type Grid, PlotDataError } from "./data.ts";
import { heatmapPanel } from "./heatmap.ts";
import { figure, type FigureSpec, grid as layout } from "./spec.ts";

/** One model's error-rate map over frequencies (row i, column j). */
export interface FourierPanel {
  model: string;
  errorRate: Grid;
}

/** The Fourier heat maps of several models side by side. */
export function fourierHeatmapSpec(
  panels: readonly FourierPanel[],
  options: { columns?: number; subtitle?: string } = {},
): FigureSpec {
  const name = "Fourier heat maps";
  if (panels.length === 0) throw new PlotDataError(name, "no models given");
  checkUniqueNames(name, panels.map((p) => p.model));
  for (const p of panels) checkGrid(name, p.model, p.errorRate);
  // One colour domain for all panels, from 0 to the largest error rate, so models compare and small
  // error rates stay visible.
  let max = 0;
  for (const p of panels) {
    for (let k = 0; k < p.errorRate.values.length; k++) {
      const v = p.errorRate.values[k];
      if (Number.isFinite(v)) max = Math.max(max, v);
    }
  }
  const domain: [number, number] = [0, max > 0 ? max : 1];
  const maps = panels.map((p) =>
    heatmapPanel(p.errorRate, { title: p.model, colorTitle: "error rate", colorDomain: domain })
  );
  const view = layout(maps, options.columns ?? 4);
  if (maps.length > 1) view.resolve = { scale: { color: "shared" } };
  return figure(view, "Fourier heat maps: error under single-frequency noise", options.subtitle);
}
