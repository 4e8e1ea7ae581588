/**
 * The report page: one self-contained `index.html` (inline CSS, no scripts, no network) that shows each
 * figure as the PNG next to it (`figures/<name>.png`, drawn at half its pixel size so it stays sharp on
 * high-density screens, with links to the SVG and the Vega-Lite spec), each table inline, and under each
 * figure and table the stage instances it came from, linked to their readable views in the store.
 */

/** A link to the store entry of a stage instance that a figure or table was made from. */
export interface StageLink {
  /** Instance name, e.g. `attack[method=pgd]`. */
  instance: string;
  /** Relative URL of its readable view (`../../<config>/<instance>/`). */
  href: string;
}

/** One figure as the page shows it. */
export interface ReportFigure {
  id: string;
  title: string;
  /** Relative paths of the rendered files. */
  png: string;
  svg: string;
  spec: string;
  /** Size in CSS pixels the PNG is shown at. */
  width: number;
  height: number;
  /** What is plotted. */
  caption: string;
  /** What the paper claims about it (omitted for analyses beyond the paper). */
  claim?: string;
  /** What this run measured, in a sentence or two. */
  measured?: string;
  sources: StageLink[];
}

/** One table as the page shows it. */
export interface ReportTable {
  id: string;
  title: string;
  caption: string;
  /** The table's HTML (from arquero), inserted as is. */
  html: string;
  csv: string;
  markdown: string;
  sources: StageLink[];
}

/** A section per experiment. */
export interface ReportSection {
  id: string;
  title: string;
  intro?: string;
  figures: ReportFigure[];
  tables: ReportTable[];
}

/** The whole page. */
export interface ReportDocument {
  title: string;
  /** Short lines under the title (config, seed, backend, time). */
  meta: string[];
  sections: ReportSection[];
  /** Lines listing what was not available (stages the config did not include), shown at the end. */
  missing?: string[];
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Escapes a relative URL path for an attribute: brackets, commas and spaces of instance names stay readable. */
export function escapeHref(href: string): string {
  return escapeHtml(
    href.split("/").map((part) =>
      encodeURIComponent(part).replaceAll("%5B", "[").replaceAll("%5D", "]").replaceAll("%2C", ",")
        .replaceAll("%3D", "=")
    ).join("/"),
  );
}

const STYLE = `
body { font-family: "DejaVu Sans", system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1.5rem;
  color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
.meta { color: #555; font-size: .9rem; margin: 0; }
nav ol { columns: 2; font-size: .95rem; }
figure { margin: 1rem 0 2rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .caption { font-size: .92rem; max-width: 60rem; }
.claim { margin: .3rem 0; }
.claim b { display: inline-block; min-width: 6.5rem; }
.files, .sources { font-size: .82rem; color: #555; }
.sources a, .files a { color: #0b5cad; }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0; }
th, td { border-bottom: 1px solid #e5e5e5; padding: .25rem .6rem; }
th { background: #f6f6f6; }
.missing { color: #666; font-size: .9rem; }
`;

function sourcesLine(sources: StageLink[]): string {
  if (sources.length === 0) return "";
  const links = sources.map((s) => `<a href="${escapeHref(s.href)}">${escapeHtml(s.instance)}</a>`).join(
    ", ",
  );
  return `<p class="sources">From stage${sources.length > 1 ? "s" : ""}: ${links}</p>`;
}

function figureHtml(f: ReportFigure): string {
  const claims = [
    f.claim ? `<p class="claim"><b>Paper:</b> ${escapeHtml(f.claim)}</p>` : "",
    f.measured ? `<p class="claim"><b>Measured:</b> ${escapeHtml(f.measured)}</p>` : "",
  ].join("");
  return `<figure id="${escapeHtml(f.id)}">
<h3>${escapeHtml(f.title)}</h3>
<img class="figure" src="${escapeHref(f.png)}" width="${Math.round(f.width)}" height="${
    Math.round(f.height)
  }" alt="${escapeHtml(f.title)}">
<figcaption><p>${escapeHtml(f.caption)}</p>${claims}
<p class="files">Files: <a href="${escapeHref(f.svg)}">SVG</a> · <a href="${
    escapeHref(f.png)
  }">PNG</a> · <a href="${escapeHref(f.spec)}">Vega-Lite spec</a></p>
${sourcesLine(f.sources)}</figcaption>
</figure>`;
}

function tableHtml(t: ReportTable): string {
  return `<section class="table" id="${escapeHtml(t.id)}">
<h3>${escapeHtml(t.title)}</h3>
<p class="caption">${escapeHtml(t.caption)}</p>
${t.html}
<p class="files">Files: <a href="${escapeHref(t.csv)}">CSV</a> · <a href="${
    escapeHref(t.markdown)
  }">Markdown</a></p>
${sourcesLine(t.sources)}
</section>`;
}

/** The page for `doc`. Sections without figures or tables are left out. */
export function reportHtml(doc: ReportDocument): string {
  const sections = doc.sections.filter((s) => s.figures.length + s.tables.length > 0);
  const toc = sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join(
    "\n",
  );
  const body = sections.map((s) =>
    `<section id="${escapeHtml(s.id)}">
<h2>${escapeHtml(s.title)}</h2>
${s.intro ? `<p>${escapeHtml(s.intro)}</p>` : ""}
${s.tables.map(tableHtml).join("\n")}
${s.figures.map(figureHtml).join("\n")}
</section>`
  ).join("\n");
  const missing = doc.missing && doc.missing.length > 0
    ? `<section id="missing"><h2>Not in this run</h2><ul class="missing">${
      doc.missing.map((m) => `<li>${escapeHtml(m)}</li>`).join("")
    }</ul></section>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(doc.title)}</h1>
${doc.meta.map((m) => `<p class="meta">${escapeHtml(m)}</p>`).join("\n")}
</header>
<nav><ol>
${toc}
</ol></nav>
${body}
${missing}
</body>
</html>
`;
}
