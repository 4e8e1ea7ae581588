/**
 * The paper's Fig. 3: spectra of the robust and non-robust synthesized data sets: the mean
 * |DCT(x_r) − DCT(x)| map of each set (channel-averaged), and their band profiles in one line chart.
 */
import { checkGrid, checkUniqueNames, type Grid, PlotDataError } from "./data.ts";
import { bandProfilePanel } from "./bands.ts";
import { heatmapPanel } from "./heatmap.ts";
import { figure, type FigureSpec } from "./spec.ts";

/** One synthesized set's mean |ΔDCT| map and band profile. */
export interface SpectrumPanel {
  /** Set name, e.g. "robust (l2 0.5)" or "non-robust (natural)". */
  name: string;
  map: Grid;
  bandProfile: ArrayLike<number>;
}

/** Fig. 3: |ΔDCT| heat maps side by side (shared colour scale, so they compare) above the band profiles. */
export function spectraFigureSpec(
  panels: readonly SpectrumPanel[],
  options: { subtitle?: string } = {},
): FigureSpec {
  const name = "spectra";
  if (panels.length === 0) throw new PlotDataError(name, "no data sets given");
  checkUniqueNames(name, panels.map((p) => p.name));
  let max = 0;
  for (const p of panels) {
    checkGrid(name, p.name, p.map);
    for (let k = 0; k < p.map.values.length; k++) {
      const v = p.map.values[k];
      if (Number.isFinite(v)) max = Math.max(max, v);
    }
  }
  const maps = panels.map((p) =>
    heatmapPanel(p.map, { title: p.name, colorTitle: "mean |ΔDCT|", colorDomain: [0, max || 1] })
  );
  const profile = bandProfilePanel(
    panels.map((p) => ({ name: p.name, values: p.bandProfile })),
    { title: "band profile", yTitle: "mean |ΔDCT|", seriesTitle: "data set" },
  );
  return figure(
    { vconcat: [{ hconcat: maps, resolve: { scale: { color: "shared" } } }, profile] },
    "Spectra of robust and non-robust data sets",
    options.subtitle,
  );
}
