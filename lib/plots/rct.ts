/**
 * The paper's Fig. 2: one RCT heat map per attack (mean over images of |DCT(x′) − DCT(x)| / |DCT(x)|,
 * channel-averaged, H×W over DCT indices), optionally with the attacks' band profiles underneath.
 */
import { type BandSeries, checkGrid, checkUniqueNames, type Grid, PlotDataError } from "./data.ts";
import { bandProfilePanel } from "./bands.ts";
import { heatmapPanel } from "./heatmap.ts";
import { figure, type FigureSpec, grid as layout, type ViewSpec } from "./spec.ts";

/** One attack's channel-averaged RCT map and (optionally) its band profile. */
export interface RctPanel {
  /** Attack name, e.g. "PGD l∞ 0.15". */
  name: string;
  map: Grid;
  /** Mean RCT per band (2H−1 values for an H×H map). */
  bandProfile?: ArrayLike<number>;
}

/** Fig. 2: RCT heat maps per attack, each with its own colour scale, and the band profiles of all attacks. */
export function rctFigureSpec(
  panels: readonly RctPanel[],
  options: { columns?: number; subtitle?: string } = {},
): FigureSpec {
  const name = "RCT maps";
  if (panels.length === 0) throw new PlotDataError(name, "no attacks given");
  checkUniqueNames(name, panels.map((p) => p.name));
  for (const p of panels) checkGrid(name, p.name, p.map);
  const maps = panels.map((p) => heatmapPanel(p.map, { title: p.name, colorTitle: "RCT" }));
  const heat = layout(maps, options.columns ?? 4);
  if (maps.length > 1) heat.resolve = { scale: { color: "independent" } };
  const views: ViewSpec[] = [heat];
  const profiles: BandSeries[] = panels.filter((p) => p.bandProfile).map((p) => ({
    name: p.name,
    values: p.bandProfile!,
  }));
  if (profiles.length > 0) {
    views.push(
      bandProfilePanel(profiles, {
        title: "band profile",
        yTitle: "mean RCT",
        seriesTitle: "attack",
        logY: false,
      }),
    );
  }
  return figure(
    views.length === 1 ? views[0] : { vconcat: views, resolve: { scale: { color: "independent" } } },
    "Relative change of DCT coefficients under attack",
    options.subtitle,
  );
}
