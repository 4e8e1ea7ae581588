/** Rendering: Vega-Lite → SVG with the axis titles as text → PNG that decodes, has the right size, and is not blank. */
import { assert, assertEquals, assertGreater, assertLess } from "./assert.ts";
import { Resvg } from "@resvg/resvg-js";
import {
  bandProfileSpec,
  compileToVega,
  defaultFontFiles,
  DEJAVU_DIR,
  FigureRenderError,
  FontMetrics,
  renderFigure,
  svgToPng,
} from "../../lib/plots/mod.ts";
import { exampleFigures } from "./examples.ts";
import { decodePng, nonWhitePixels, pngSize } from "./png.ts";

const AXIS_TITLES: Record<string, string[]> = {
  rct: ["column frequency j", "row frequency i", "mean RCT"],
  spectra: ["column frequency j", "mean |ΔDCT|"],
  of_classes: ["band k (low → high)", "OF share of Σ|·|"],
  of_image: ["band k (low → high)", "logit drop"],
  prop1: ["||x − x′||₁ (per channel)", "|X₀ − X′₀| (DFT DC term)"],
  fourier: ["column frequency j", "error rate"],
  filtered: ["cut-off band", "test accuracy"],
  saliency: ["share of Σ|attribution|"],
  shares: ["part of the band range", "share"],
};

function escapeXml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

Deno.test("every example figure compiles without warnings and renders SVG + PNG with its axis titles", async () => {
  for (const [name, spec] of Object.entries(exampleFigures(8))) {
    const fig = await renderFigure(spec, { name, strict: true, scale: 1 });
    assertEquals(fig.warnings, [], name);
    for (const title of AXIS_TITLES[name] ?? []) {
      assert(fig.svg.includes(`>${escapeXml(title)}</text>`), `${name}: SVG lacks axis title '${title}'`);
    }
    assert(fig.svg.includes('font-family="DejaVu Sans"'), `${name}: text not set in DejaVu Sans`);
    const svgWidth = Number(/<svg[^>]* width="(\d+(?:\.\d+)?)"/.exec(fig.svg)![1]);
    const size = pngSize(fig.png);
    assertEquals(size, { width: fig.width, height: fig.height }, name);
    assertEquals(size.width, Math.round(svgWidth), `${name}: PNG width follows the SVG at scale 1`);
    const image = decodePng(fig.png);
    const inked = nonWhitePixels(image) / (image.width * image.height);
    assertGreater(inked, 0.02, `${name}: figure is (nearly) blank: ${(inked * 100).toFixed(2)} % inked`);
    assertLess(inked, 0.9, `${name}: figure is (nearly) solid`);
  }
});

Deno.test("PNG scale doubles the pixel size, and the decoder agrees with resvg's own pixel buffer", async () => {
  const spec = bandProfileSpec("t", [{ name: "a", values: [1, 2, 3] }], { yTitle: "y", seriesTitle: "s" });
  const one = await renderFigure(spec, { scale: 1 });
  const two = await renderFigure(spec, { scale: 2 });
  assertEquals(two.width, one.width * 2);
  assertEquals(two.height, one.height * 2);
  const direct = svgToPng(one.svg, { scale: 1 });
  assertEquals(decodePng(direct.png).rgba, direct.pixels);
});

Deno.test("text is drawn with real glyphs: a text-only SVG rasterises to ink, with and without a known family", () => {
  assert(defaultFontFiles().length > 0, `DejaVu Sans not found in ${DEJAVU_DIR} (install fonts-dejavu-core)`);
  for (const family of ["DejaVu Sans", "No Such Font"]) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50">` +
      `<text x="10" y="35" font-family="${family}" font-size="24">Hg band</text></svg>`;
    const { png } = svgToPng(svg, { scale: 1 });
    const inked = nonWhitePixels(decodePng(png));
    assertGreater(inked, 150, `text in '${family}' came out blank (${inked} pixels)`);
  }
});

Deno.test("font metrics from the TTF match the width resvg sets the same text at", () => {
  const metrics = FontMetrics.parse(Deno.readFileSync(`${DEJAVU_DIR}/DejaVuSans.ttf`));
  assertEquals(metrics.unitsPerEm, 2048);
  const text = "frequency band k = i + j (low → high)";
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="60">` +
    `<text x="0" y="40" font-family="DejaVu Sans" font-size="20">${text}</text></svg>`;
  const bbox = new Resvg(svg, { font: { loadSystemFonts: false, fontFiles: defaultFontFiles() } }).getBBox();
  assert(bbox, "resvg found no content");
  const ours = metrics.width(text, 20);
  // The ink box omits the first glyph's left bearing and the last glyph's right bearing (a few px at 20 px).
  assertLess(Math.abs(ours - bbox.width), 4, `metrics ${ours} vs resvg ink width ${bbox.width}`);
  assertEquals(metrics.width("", 12), 0);
  assertGreater(metrics.width("W", 12), metrics.width("i", 12));
});

Deno.test("an invalid spec is a FigureRenderError naming the figure", async () => {
  const bad = { mark: "no-such-mark", data: { values: [] } } as never;
  let caught: unknown;
  try {
    compileToVega(bad, [], "broken");
    await renderFigure(bad, { name: "broken" });
  } catch (error) {
    caught = error;
  }
  assert(caught instanceof FigureRenderError, `expected FigureRenderError, got ${caught}`);
  assert(String(caught).includes("broken"));
});
