/**
 * An image as a pixel grid of coloured cells: how the single-image OF view (Fig. 4) shows an image and its
 * band-ablated versions inside a Vega-Lite spec, with no image files to load (the SVG stays self-contained).
 */
import { PlotDataError } from "./data.ts";
import type { ViewSpec } from "./spec.ts";

/** One HWC image in [0, 1] (`channels` 1 = grey, 3 = RGB), channel fastest, as a `.npy` slice holds it. */
export interface PlotImage {
  /** Panel title, e.g. "original", "lowest 5 bands removed". */
  name: string;
  height: number;
  width: number;
  channels: number;
  pixels: ArrayLike<number>;
}

function hex(v: number): string {
  const b = Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * 255);
  return b.toString(16).padStart(2, "0");
}

/** The `#rrggbb` colour of each pixel, row-major, values clipped to [0, 1]. */
export function pixelColors(image: PlotImage): string[] {
  const { height, width, channels, pixels } = image;
  if (channels !== 1 && channels !== 3) {
    throw new PlotDataError(image.name, `images need 1 or 3 channels, got ${channels}`);
  }
  if (pixels.length !== height * width * channels) {
    throw new PlotDataError(
      image.name,
      `${height}x${width}x${channels} image needs ${height * width * channels} values, got ${pixels.length}`,
    );
  }
  const out: string[] = new Array(height * width);
  for (let p = 0; p < height * width; p++) {
    out[p] = channels === 1
      ? "#" + hex(pixels[p]).repeat(3)
      : "#" + hex(pixels[p * 3]) + hex(pixels[p * 3 + 1]) + hex(pixels[p * 3 + 2]);
  }
  return out;
}

/** A unit spec drawing `image` cell by cell, `size` pixels wide, without axes. */
export function imagePanel(image: PlotImage, size = 128): ViewSpec {
  const colors = pixelColors(image);
  const values = colors.map((color, p) => ({ y: Math.floor(p / image.width), x: p % image.width, color }));
  return {
    title: image.name,
    data: { values },
    mark: { type: "rect", strokeWidth: 0 },
    width: size,
    height: Math.round((size * image.height) / image.width),
    encoding: {
      x: { field: "x", type: "ordinal", axis: null, scale: { paddingInner: 0, paddingOuter: 0 } },
      y: { field: "y", type: "ordinal", axis: null, scale: { paddingInner: 0, paddingOuter: 0 } },
      color: { field: "color", type: "nominal", scale: null, legend: null },
    },
  };
}
