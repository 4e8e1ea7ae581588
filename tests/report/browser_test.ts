/**
 * Opens a report's `index.html` in headless Chromium (Debian's `/usr/bin/chromium`, driven over the DevTools
 * protocol), takes a full-page screenshot, and fails on a console error or failed load, a missing image
 * (naturalWidth 0) or a blank figure (its on-screen pixels nearly all white).
 *
 * The report is built from small synthetic stage outputs through the `report` task (the same code path a
 * pipeline run takes). Set `FREQLENS_REPORT_HTML=<path to index.html>` to check another report instead
 * (e.g. `outputs/quick/report/index.html` after `deno task quick`), and `FREQLENS_SCREENSHOT=<file.png>`
 * to keep the screenshot.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { assert, assertEquals } from "../plots/assert.ts";
import { decodePng, nonWhitePixels } from "../plots/png.ts";
import { Browser } from "./chromium.ts";
import { makeSyntheticStore, runReportTask } from "./synthetic_stages.ts";

/** Share of non-white pixels below which a figure counts as blank. */
const BLANK = 0.01;

/** Everything wrong with the page at `url`, and its full-page screenshot. */
async function checkReportPage(
  browser: Browser,
  url: string,
): Promise<{ problems: string[]; screenshot: Uint8Array; figures: number }> {
  await browser.open(url);
  // Let late errors (image decode, failed loads) arrive.
  await browser.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100)))");
  const images: {
    src: string;
    complete: boolean;
    naturalWidth: number;
    x: number;
    y: number;
    w: number;
    h: number;
    figure: boolean;
  }[] = await browser.evaluate(`[...document.images].map((im) => {
      const r = im.getBoundingClientRect();
      return { src: im.getAttribute("src"), complete: im.complete, naturalWidth: im.naturalWidth,
        x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height, figure: im.classList.contains("figure") };
    })`);
  const problems = browser.errors();
  for (const im of images) {
    if (!im.complete || im.naturalWidth === 0) {
      problems.push(`missing image ${im.src} (naturalWidth ${im.naturalWidth})`);
    }
  }
  const figures = images.filter((im) => im.figure && im.naturalWidth > 0);
  for (const im of figures) {
    const shot = decodePng(
      await browser.screenshot({ x: im.x, y: im.y, width: Math.max(1, im.w), height: Math.max(1, im.h) }),
    );
    const inked = nonWhitePixels(shot) / (shot.width * shot.height);
    if (inked < BLANK) problems.push(`blank figure ${im.src}: ${(100 * inked).toFixed(2)} % non-white`);
  }
  const size: { w: number; h: number } = await browser.evaluate(
    "({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight })",
  );
  const screenshot = await browser.screenshot({ x: 0, y: 0, width: size.w, height: size.h });
  return { problems, screenshot, figures: figures.length };
}

Deno.test("report page in headless Chromium: no console errors, every image loads, no blank figure", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-browser-" });
  const browser = await Browser.launch();
  try {
    const given = Deno.env.get("FREQLENS_REPORT_HTML");
    const page = given
      ? resolve(given)
      : join(await runReportTask(root, await makeSyntheticStore(root)), "index.html");
    const { problems, screenshot, figures } = await checkReportPage(browser, pathToFileURL(page).href);
    const keep = Deno.env.get("FREQLENS_SCREENSHOT");
    if (keep) await Deno.writeFile(keep, screenshot);
    assertEquals(problems, [], `problems on ${page}`);
    if (!given) assertEquals(figures, 15, "every figure of the synthetic report is on the page");
    const shot = decodePng(screenshot);
    assert(shot.height > 2000, `screenshot of the whole page, got ${shot.width}×${shot.height}`);
    assert(nonWhitePixels(shot) > 0.03 * shot.width * shot.height, "the page screenshot is blank");
  } finally {
    await browser.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the page check catches a console error, a missing image and a blank figure", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-browser-" });
  const browser = await Browser.launch(800, 600);
  try {
    // A white 40×30 PNG: a "figure" with nothing drawn.
    const { svgToPng } = await import("../../lib/plots/mod.ts");
    const blank = svgToPng(`<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"></svg>`, {
      scale: 1,
    });
    await Deno.writeFile(join(root, "blank.png"), blank.png);
    await Deno.writeTextFile(
      join(root, "index.html"),
      `<!DOCTYPE html><html><body><h1>broken</h1>
<img class="figure" src="blank.png" width="40" height="30">
<img class="figure" src="figures/missing.png" width="40" height="30">
<script>console.error("boom")</script></body></html>`,
    );
    const { problems } = await checkReportPage(browser, pathToFileURL(join(root, "index.html")).href);
    assert(problems.some((p) => p.includes("console.error: boom")), problems.join("\n"));
    assert(problems.some((p) => p.startsWith("missing image figures/missing.png")), problems.join("\n"));
    assert(problems.some((p) => p.startsWith("blank figure blank.png")), problems.join("\n"));
  } finally {
    await browser.close();
    await Deno.remove(root, { recursive: true });
  }
});
