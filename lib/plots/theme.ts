/**
 * The look shared by every freqlens figure: one font (DejaVu Sans, installed by `fonts-dejavu-core`, so the
 * SVG text and the PNG rasterised by resvg use the same face and no label comes out blank), white
 * background, and the colour schemes used across figures.
 */
import type { Config } from "vega-lite";

/** The font family every figure's text is set in; {@link ./render.ts} loads its files for resvg. */
export const FONT_FAMILY = "DejaVu Sans";

/** Vega-Lite `$schema` of the installed vega-lite major version. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Sequential scheme of heat maps (DCT maps, RCT maps, Fourier heat maps). */
export const HEAT_SCHEME = "viridis";

/** Vega-Lite config put on every top-level spec. */
export const FIGURE_CONFIG: Config = {
  font: FONT_FAMILY,
  background: "white",
  padding: 8,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal" },
  // Legend labels up to 320 px (Vega-Lite cuts at 160): "model · definition" labels stay whole.
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", labelLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start", subtitleFontSize: 11, subtitleColor: "#555" },
  concat: { spacing: 24 },
};
