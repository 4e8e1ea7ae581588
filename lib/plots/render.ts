/**
 * Rendering a figure: Vega-Lite spec → Vega spec (`vega-lite` compile) → SVG (a headless `vega` View,
 * `renderer: "none"`, `toSVG()`) → PNG (`@resvg/resvg-js`).
 *
 * Text: every spec sets its font to DejaVu Sans ({@link FONT_FAMILY}); resvg is given the DejaVu font files
 * explicitly (Debian's `fonts-dejavu-core` puts them in /usr/share/fonts/truetype/dejavu), so PNG text is
 * drawn with the face the SVG names, on any machine that has the package, and is never silently blank.
 * When those files are missing, resvg falls back to the system's fonts. Compile and runtime warnings
 * (an unknown channel, a bad scale) are collected and returned, and are errors under `strict`.
 */
import { existsSync } from "node:fs";
import * as vegaLite from "vega-lite";
import * as vega from "vega";
import { Resvg } from "@resvg/resvg-js";
import type { FigureSpec } from "./spec.ts";
import { FONT_FAMILY } from "./theme.ts";
import { FontMetrics, useFontMetrics } from "./metrics.ts";

/** Where Debian (`fonts-dejavu-core`) installs DejaVu Sans. */
export const DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu";
const DEJAVU_FILES = [
  "DejaVuSans.ttf",
  "DejaVuSans-Bold.ttf",
  "DejaVuSans-Oblique.ttf",
  "DejaVuSans-BoldOblique.ttf",
];

/** A spec Vega-Lite or Vega rejected, or that produced warnings under `strict`. */
export class FigureRenderError extends Error {
  constructor(readonly figure: string, readonly reason: string) {
    super(`figure '${figure}': ${reason}`);
    this.name = "FigureRenderError";
  }
}

/** A rendered figure. */
export interface RenderedFigure {
  svg: string;
  png: Uint8Array;
  /** PNG size in pixels (the SVG size times `scale`). */
  width: number;
  height: number;
  /** Warnings of the Vega-Lite compiler and the Vega runtime. */
  warnings: string[];
}

/** Options of {@link renderFigure}. */
export interface RenderOptions {
  /** Name used in errors; default "figure". */
  name?: string;
  /** PNG pixels per SVG unit; default 2 (sharp on high-density screens). */
  scale?: number;
  /** Throw on any compile or runtime warning; default false. */
  strict?: boolean;
  /** Font files for resvg; default the DejaVu Sans files found in {@link DEJAVU_DIR}. */
  fontFiles?: string[];
}

/** The DejaVu Sans files present on this machine (empty when `fonts-dejavu-core` is not installed). */
export function defaultFontFiles(): string[] {
  return DEJAVU_FILES.map((f) => `${DEJAVU_DIR}/${f}`).filter((p) => existsSync(p));
}

function collectingLogger(sink: string[]): vega.LoggerInterface {
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  let level = vega.Warn;
  const logger = {
    level(value?: number) {
      if (value === undefined) return level;
      level = value;
      return logger;
    },
    error(...args: unknown[]) {
      sink.push(`error: ${text(args)}`);
      return logger;
    },
    warn(...args: unknown[]) {
      sink.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as vega.LoggerInterface;
}

let metricsInstalled = false;

/**
 * Makes Vega lay text out with DejaVu Sans's real advance widths (see {@link useFontMetrics}) when its
 * files are present; otherwise Vega keeps its rough estimate. Runs once per process.
 */
export function installFontMetrics(): void {
  if (metricsInstalled) return;
  metricsInstalled = true;
  const [regular, bold] = [`${DEJAVU_DIR}/DejaVuSans.ttf`, `${DEJAVU_DIR}/DejaVuSans-Bold.ttf`];
  if (!existsSync(regular)) return;
  const load = (path: string) => FontMetrics.parse(Deno.readFileSync(path), path);
  useFontMetrics(load(regular), existsSync(bold) ? load(bold) : undefined);
}

/** Compiles a Vega-Lite spec to a Vega spec, collecting the compiler's warnings into `warnings`. */
export function compileToVega(spec: FigureSpec, warnings: string[] = [], name = "figure"): vega.Spec {
  try {
    return vegaLite.compile(spec, { logger: collectingLogger(warnings) }).spec as vega.Spec;
  } catch (error) {
    throw new FigureRenderError(name, `Vega-Lite compile failed: ${(error as Error).message}`);
  }
}

/** Renders a Vega-Lite spec to an SVG document (text in {@link FONT_FAMILY}). */
export async function renderSvg(spec: FigureSpec, warnings: string[] = [], name = "figure"): Promise<string> {
  installFontMetrics();
  const runtime = compileToVega(spec, warnings, name);
  const view = new vega.View(vega.parse(runtime), { renderer: "none", logger: collectingLogger(warnings) });
  try {
    return await view.toSVG();
  } catch (error) {
    throw new FigureRenderError(name, `Vega rendering failed: ${(error as Error).message}`);
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG document to PNG bytes with resvg, white background, `scale` pixels per unit. */
export function svgToPng(
  svg: string,
  options: { scale?: number; fontFiles?: string[] } = {},
): { png: Uint8Array; width: number; height: number; pixels: Uint8Array } {
  const fontFiles = options.fontFiles ?? defaultFontFiles();
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
    font: {
      loadSystemFonts: fontFiles.length === 0,
      fontFiles,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  const image = resvg.render();
  return {
    png: new Uint8Array(image.asPng()),
    width: image.width,
    height: image.height,
    pixels: new Uint8Array(image.pixels),
  };
}

/** Renders a Vega-Lite spec to SVG and PNG. */
export async function renderFigure(spec: FigureSpec, options: RenderOptions = {}): Promise<RenderedFigure> {
  const name = options.name ?? "figure";
  const warnings: string[] = [];
  const svg = await renderSvg(spec, warnings, name);
  if (options.strict && warnings.length > 0) {
    throw new FigureRenderError(name, `warnings: ${warnings.join("; ")}`);
  }
  const { png, width, height } = svgToPng(svg, { scale: options.scale, fontFiles: options.fontFiles });
  return { svg, png, width, height, warnings };
}
