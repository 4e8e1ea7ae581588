/** The `report` task on synthetic stage outputs: every figure and table is written, and every link resolves. */
import { writeAttackStage } from "../stages/helpers.ts";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { assert, assertEquals } from "../plots/assert.ts";
import { decodePng, nonWhitePixels } from "../plots/png.ts";
import {
  buildReport,
  collectReportInputs,
  coordsLabel,
  distinctLabels,
  emptyInputs,
  parseNumericCsv,
  SECTIONS,
  stageHref,
} from "../../lib/report/mod.ts";
import { makeSyntheticStore, runReportTask } from "./synthetic_stages.ts";

const FIGURES = [
  "rct",
  "rct_shares",
  "prop1",
  "spectra",
  "spectra_target",
  "spectra_shares",
  "synthesis_convergence",
  "of_classes",
  "of_mean",
  "of_shares",
  "of_image_0",
  "of_image_1",
  "fourier",
  "filtered",
  "saliency",
];

Deno.test("report task: all figures (spec, SVG, PNG), tables and a page whose every local link resolves", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-report-" });
  try {
    const view = await runReportTask(root, await makeSyntheticStore(root));
    const written = JSON.parse(await Deno.readTextFile(join(view, "report.json")));
    assertEquals(written.figures, FIGURES);
    // In page order: models, findings vs nulls, attacks, spectra, occlusion, band shares.
    assertEquals(written.tables, [
      "model_accuracy",
      "findings_vs_nulls",
      "prop1_perturbed",
      "rct_nulls",
      "attack_summary",
      "synthesis_contrast",
      "of_dc_label_change",
      "band_shares",
    ]);
    // Every stage's verdicts, the freqlens protocol first; the attack index a gives difference 0.02·(a − 1).
    const findings = (await Deno.readTextFile(join(view, "tables", "findings_vs_nulls.csv"))).trim().split(
      "\n",
    );
    assertEquals(findings.length - 1, 4 + 2 + 1, "4 RCT, 2 Fig. 3 (both definitions), 1 OF contrast");
    assertEquals(findings.slice(1).map((l) => /,(reproduced|not reproduced|reversed),/.exec(l)?.[1]), [
      "reversed",
      "not reproduced",
      "reproduced",
      "reproduced",
      "reversed",
      "reproduced",
      "reproduced",
    ]);
    assert(findings[5].startsWith("Fig. 3,freqlens,"), findings[5]);
    assert(findings[7].startsWith("OF low-third share: linf-8 − natural,authors,"), findings[7]);
    const md = await Deno.readTextFile(join(view, "tables", "findings_vs_nulls.md"));
    assert(md.includes("|+0.15 [+0.14, +0.16]|reproduced|"), md);
    const prop1 = (await Deno.readTextFile(join(view, "tables", "prop1_perturbed.csv"))).trim().split("\n");
    assertEquals(prop1[0], "attack,perturbed,unperturbed,violations,result,stage");
    assert(prop1.slice(1).every((l) => l.includes(",holds,")));
    const nulls = (await Deno.readTextFile(join(view, "tables", "rct_nulls.csv"))).trim().split("\n");
    assertEquals(nulls.length - 1, 4);
    const want = [0.6, 0.55, 0.58, 0.1, 0.1, 0.25, 0.5, 0.25, 0.22, 0.9];
    const got = nulls[1].split(",");
    assertEquals(got[0], "fgsm");
    want.forEach((v, k) => assert(Math.abs(Number(got[k + 1]) - v) < 1e-12, nulls[1]));
    const dc = (await Deno.readTextFile(join(view, "tables", "of_dc_label_change.csv"))).trim().split("\n");
    const cells = dc[1].split(",").map(Number);
    assertEquals(cells.slice(1, 3), [0.2, 0.1]);
    [2 / 15, 7 / 15, 12 / 15].forEach((v, k) => assert(Math.abs(cells[4 + k] - v) < 1e-12, dc[1]));
    assertEquals(written.warnings, {});
    for (const f of FIGURES) {
      const spec = JSON.parse(await Deno.readTextFile(join(view, "figures", `${f}.vl.json`)));
      assert(spec.$schema.includes("vega-lite"), f);
      assert((await Deno.readTextFile(join(view, "figures", `${f}.svg`))).startsWith("<svg"), f);
      const png = decodePng(await Deno.readFile(join(view, "figures", `${f}.png`)));
      assert(nonWhitePixels(png) > 0.02 * png.width * png.height, `${f}.png is blank`);
    }
    const acc = await Deno.readTextFile(join(view, "tables", "model_accuracy.csv"));
    assertEquals(acc.trim().split("\n").slice(1).map((l) => l.split(",").slice(0, 3).join(",")), [
      "natural,0.9,0.02",
      "linf-8,0.8,0.42",
    ]);
    const attacks = await Deno.readTextFile(join(view, "tables", "attack_summary.md"));
    assert(attacks.includes("|pgd|pgd l∞ ε 0.15 10 steps|"), attacks);
    assert(attacks.includes("|simba|simba ε 0.2 ≤ 500 queries|80.0 %|"), attacks);
    const shareLines = (await Deno.readTextFile(join(view, "tables", "band_shares.csv"))).trim().split("\n");
    assertEquals(shareLines.length - 1, (4 + 2 * 2 + 2) * 3, "3 thirds × (4 RCT + 2 × 2 spectra + 2 OF)");
    const contrast = await Deno.readTextFile(join(view, "tables", "synthesis_contrast.csv"));
    assertEquals(contrast.trim().split("\n").slice(1).map((l) => l.split(",").at(-2)), [
      "reproduced",
      "reversed",
    ]);

    const html = await Deno.readTextFile(join(view, "index.html"));
    // Each section of the page, in order, with its tables and then its figures, as the section builders
    // made them (lib/report/sections/<id>.ts).
    const sections = html.split(/(?=<section id=")/).slice(1).map((part) => ({
      id: /^<section id="([^"]+)"/.exec(part)![1],
      title: /<h2>([^<]+)<\/h2>/.exec(part)?.[1],
      tables: [...part.matchAll(/<section class="table" id="table-([^"]+)"/g)].map((m) => m[1]),
      figures: [...part.matchAll(/<figure id="fig-([^"]+)"/g)].map((m) => m[1]),
    }));
    assertEquals(sections, [
      { id: "models", title: "Models", tables: ["model_accuracy"], figures: [] },
      {
        id: "verdicts",
        title: "Findings vs their nulls",
        tables: ["findings_vs_nulls", "prop1_perturbed"],
        figures: [],
      },
      {
        id: "attacks",
        title: "Adversarial examples in frequency (Fig. 2, Proposition 1)",
        tables: ["rct_nulls", "attack_summary"],
        figures: ["rct", "rct_shares", "prop1"],
      },
      {
        id: "spectra",
        title: "Robust and non-robust data sets (Fig. 3)",
        tables: ["synthesis_contrast"],
        figures: ["spectra", "spectra_target", "spectra_shares", "synthesis_convergence"],
      },
      {
        id: "occlusion",
        title: "Occluded Frequency (Figs. 1 and 4)",
        tables: ["of_dc_label_change"],
        figures: ["of_classes", "of_mean", "of_shares", "of_image_0", "of_image_1"],
      },
      { id: "beyond", title: "Beyond the paper", tables: [], figures: ["fourier", "filtered", "saliency"] },
      { id: "shares", title: "Band shares", tables: ["band_shares"], figures: [] },
    ]);
    const links = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) =>
      decodeURIComponent(m[1].replaceAll("&amp;", "&"))
    );
    assert(links.length > 40, `only ${links.length} links`);
    for (const href of links) {
      assert(!/^[a-z]+:/.test(href), `non-local link ${href}`);
      assert(existsSync(resolve(view, href)), `link ${href} does not resolve from ${view}`);
    }
    assert(
      html.includes('href="../../quick/rct_pgd[model=natural]/"'),
      "RCT linked to its readable view",
    );
    assert(html.includes("<b>Paper:</b> All four attacks change mostly the middle and high frequencies"));
    assert(html.includes("(95 % intervals disjoint) for 4 of 4 attacks"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("labels come from the coordinates as data, keep only the leaves that differ, read `eps=0.25`", async () => {
  const c = (key: string, value: unknown, origin = "s") => ({ origin, key, value });
  assertEquals(coordsLabel([c("model", "natural"), c("method", "pgd")], "x"), "natural · pgd");
  assertEquals(coordsLabel([], "report"), "report");
  assertEquals(
    coordsLabel([c("eps", 0.25), c("robust", true), c("e", [1, 2])], "x"),
    "eps=0.25 · robust=true · e=[1,2]",
  );
  assertEquals(distinctLabels([[c("m", "x"), c("e", [1, 2])], [c("m", "y"), c("e", [1, 2])]], ["a", "b"]), [
    "x",
    "y",
  ]);
  assertEquals(distinctLabels([[c("m", "x"), c("e", 1)]], ["a"]), ["x · e=1"]);
  assertEquals(distinctLabels([[], []], ["a", "b"]), ["a", "b"]);
  // An object coordinate is spread into its leaves: only those that differ are kept, a missing one differs.
  const adv = (v: Record<string, unknown>) => [c("adversarial", v, "train_robust")];
  assertEquals(
    distinctLabels(
      [
        adv({ method: "fgsm-rs", norm: "l2", eps: 0.25 }),
        adv({ method: "fgsm-rs", norm: "l2", eps: 0.5 }),
        adv({ method: "none" }),
      ],
      ["a", "b", "c"],
    ),
    ["fgsm-rs · l2 · eps=0.25", "fgsm-rs · l2 · eps=0.5", "none"],
  );
  // The report labels its records from `coords`, whatever the instance is called; several stages of one
  // analysis are told apart by their stage tag first.
  const root = await Deno.makeTempDir();
  try {
    const input = async (name: string, stage: string, coords: ReturnType<typeof c>[], success: number) => {
      const dir = join(root, ".store", name);
      const n = 10;
      await writeAttackStage(
        dir,
        { data: new Float32Array(n * 4), shape: [n, 2, 2, 1] },
        Int32Array.from({ length: n }, (_, i) => i),
        Uint8Array.from({ length: n }, (_, i) => (i < success * n ? 1 : 0)),
      );
      return { instance: name, stage, dir, params: {}, coords };
    };
    const { records } = await collectReportInputs({
      attacks_a: [
        await input("opaque-1", "attack_a", [c("eps", 0.25)], 0.5),
        await input("opaque-2", "attack_a", [c("eps", 0.5)], 0.6),
      ],
      attacks_b: [await input("opaque-3", "attack_b", [c("eps", 0.5)], 0.7)],
    });
    assertEquals(records.attacks.map((a) => a.source.label), ["a · eps=0.25", "a · eps=0.5", "b · eps=0.5"]);
    assertEquals(records.attacks.map((a) => a.source.instance), ["opaque-1", "opaque-2", "opaque-3"]);
    assertEquals(records.metrics!.map((r) => r.coords), [[c("eps", 0.25)], [c("eps", 0.5)], [c("eps", 0.5)]]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("numeric CSV; links fall back to the store entry without a view", async () => {
  assertEquals(parseNumericCsv("k,v\n0,1.5\n1,\n"), { k: [0, 1], v: [1.5, NaN] });
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, ".store", "abc123");
    await Deno.mkdir(dir, { recursive: true });
    assertEquals(
      stageHref({ instance: "x[k=1]", stage: "x", dir, params: {}, coords: [] }),
      "../../.store/abc123/",
    );
    await Deno.mkdir(join(root, "cfg"));
    await Deno.symlink("../.store/abc123", join(root, "cfg", "x[k=1]"));
    assertEquals(
      stageHref({ instance: "x[k=1]", stage: "x", dir, params: {}, coords: [] }),
      "../../cfg/x[k=1]/",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("interval levels in captions and sentences come from the summaries, none is a written 95 %", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-levels-" });
  try {
    const inputs = await makeSyntheticStore(root);
    // RCT at 90 % (rct writes it as `bootstrap.level`), OF shares at 99 %, spectra shares at 80 %, every
    // verdict's paired interval at 90 %.
    for (const [alias, list] of Object.entries(inputs)) {
      for (const input of list) {
        const file = join(input.dir, "summary.json");
        if (!existsSync(file)) continue;
        const s = JSON.parse(await Deno.readTextFile(file));
        if (alias.startsWith("rct_")) s.bootstrap = { seed: 1, resamples: 100, level: 0.9 };
        if (alias === "occlusion") [s.shares.level, s.shares_without_dc.level] = [0.99, 0.99];
        if (alias === "spectra") [s.shares.level, s.spectra.target.shares.level] = [0.8, 0.8];
        for (const v of s.verdicts ?? []) v.difference.level = 0.9;
        await Deno.writeTextFile(file, JSON.stringify(s));
      }
    }
    const { records } = await collectReportInputs(inputs);
    assertEquals(records.rct.map((r) => r.shares!.level), [0.9, 0.9, 0.9, 0.9]);
    assertEquals(records.rct.map((r) => r.nulls!.noise!.level), [0.9, 0.9, 0.9, 0.9]);
    const { figures, tables } = buildReport(records);
    const text = (name: string) => {
      const f = figures.find((f) => f.name === name)!;
      return `${f.caption} ${f.measured ?? ""}`;
    };
    assert(text("rct").includes("(90 % intervals disjoint)") && text("rct").includes("Shares (90 % CI)"));
    assert(text("rct_shares").includes("with bootstrap 90 % intervals over images"), text("rct_shares"));
    assert(text("of_shares").includes("with bootstrap 99 % intervals over images"), text("of_shares"));
    assert(text("of_mean").includes("Low-third share of OF attribution (99 % CI)"), text("of_mean"));
    assert(
      text("spectra_shares").includes("with bootstrap 80 % intervals over pairs"),
      text("spectra_shares"),
    );
    assert(text("spectra").includes("(paired 90 % CI)"), text("spectra"));
    const table = (name: string) => tables.find((t) => t.table.name === name)!.table;
    assert(table("findings_vs_nulls").markdown.includes("|difference [90 % CI]|"));
    assert(table("synthesis_contrast").caption.includes("paired bootstrap 90 % interval"));
    const all = [
      ...figures.map((f) => `${f.caption} ${f.measured ?? ""}`),
      ...tables.map((t) => `${t.table.caption} ${t.table.markdown}`),
    ].join("\n");
    assert(!all.includes("95 %"), "no interval level is written in the report's code");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("each section is built from its own records: the others empty, only its figures and tables", async () => {
  const root = await Deno.makeTempDir({ prefix: "freqlens-sections-" });
  try {
    const { records } = await collectReportInputs(await makeSyntheticStore(root));
    assertEquals(buildReport(emptyInputs()), { figures: [], tables: [] });
    const only = (part: Partial<typeof records>) => {
      const built = buildReport({ ...emptyInputs(), ...part });
      return [
        ...built.tables.map((t) => `${t.section}/${t.table.name}`),
        ...built.figures.map((f) => f.name),
      ];
    };
    assertEquals(only({ attacks: records.attacks }), ["attacks/attack_summary"]);
    assertEquals(only({ fourier: records.fourier, filtered: records.filtered }), ["fourier", "filtered"]);
    assertEquals(only({ occlusion: records.occlusion }), [
      "occlusion/of_dc_label_change",
      "shares/band_shares",
      "of_classes",
      "of_mean",
      "of_shares",
      "of_image_0",
      "of_image_1",
    ]);
    // Every section's builder returns only its own section's figures and tables.
    for (const section of SECTIONS) {
      const built = section.build(records);
      assert(built.figures.every((f) => f.section === section.id), section.id);
      assert(built.tables.every((t) => t.section === section.id), section.id);
      assert(built.figures.length + built.tables.length > 0, `${section.id} is empty on the full store`);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
