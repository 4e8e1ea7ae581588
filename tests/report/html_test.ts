/** Report page: escapes text, links figures to their files and stages, and contains no network references. */
import { assert, assertEquals } from "../plots/assert.ts";
import { escapeHref, reportHtml } from "../../lib/report/mod.ts";

const doc = {
  title: "freqlens <report>",
  meta: ["config quick"],
  sections: [
    {
      id: "attacks",
      title: "Attacks & RCT",
      figures: [{
        id: "fig-rct",
        title: "RCT maps",
        png: "figures/rct.png",
        svg: "figures/rct.svg",
        spec: "figures/rct.vl.json",
        width: 400,
        height: 200,
        caption: "Mean |ΔDCT|/|DCT| per coefficient",
        claim: "attacks change middle and high bands",
        measured: "high-band share 0.6 [0.5, 0.7]",
        sources: [{ instance: "rct[attack=pgd,eps=0.15]", href: "../../quick/rct[attack=pgd,eps=0.15]/" }],
      }],
      tables: [],
    },
    { id: "empty", title: "Nothing", figures: [], tables: [] },
  ],
  missing: ["fourier: no stage in this config"],
};

Deno.test("report page: escaped text, figure files and stage links, empty sections dropped, no external URLs", () => {
  const html = reportHtml(doc);
  assert(html.startsWith("<!DOCTYPE html>"));
  assert(html.includes("<title>freqlens &lt;report&gt;</title>"));
  assert(html.includes('<img class="figure" src="figures/rct.png" width="400" height="200"'));
  assert(html.includes('<a href="figures/rct.vl.json">Vega-Lite spec</a>'));
  assert(html.includes('<a href="../../quick/rct[attack=pgd,eps=0.15]/">rct[attack=pgd,eps=0.15]</a>'));
  assert(html.includes("<b>Paper:</b> attacks change middle and high bands"));
  assert(html.includes("Attacks &amp; RCT"));
  assert(!html.includes('id="empty"'), "a section without figures or tables is left out");
  assert(html.includes("fourier: no stage in this config"));
  assert(!/(src|href)="(https?:)?\/\//.test(html), "no network references");
  assert(!html.includes("<script"), "no scripts");
});

Deno.test("escapeHref keeps instance names readable but encodes what a URL cannot hold", () => {
  assertEquals(escapeHref("../../q/attack[method=pgd,eps=0.1]/"), "../../q/attack[method=pgd,eps=0.1]/");
  assertEquals(escapeHref("../../q/a b%2Fc/"), "../../q/a%20b%252Fc/");
  assertEquals(escapeHref("x/\"&'"), "x/%22%26'".replace("'", "&#39;"));
});
