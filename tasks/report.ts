/**
 * `report`: the HTML report of a run — every figure as a Vega-Lite spec rendered to SVG and PNG, the tables
 * as CSV and Markdown, and `index.html` that shows them with captions, the paper's claims, what this run
 * measured, and links to the stage entries each came from.
 *
 * Inputs (all optional, each `{stage: X, gather: true}` so the report sees every instance; each read
 * through its kind's contract in lib/stages — `readEvaluate`, `readAttackSummary`, `readRct`, … — as the
 * table in lib/report/collect.ts lists): `evaluate`, `models`, `attacks`, `rct`,
 * `prop1`, `spectra`, `occlusion`, `fourier`, `filtered`, `saliency`, each optionally with a `_suffix`
 * (`attacks_pgd`, `rct_pgd`…) so several stages feed one analysis; and `verdicts` (any stage, read for
 * its verdicts only). Every gathered stage's `verdicts` array goes into the "Findings vs their nulls"
 * table. Params: `title`; `scale` (PNG pixels per SVG unit, default 2); `trend_metrics` (metric ids the
 * sweep trend figures draw, default all); `published` (values published for a model, drawn beside its
 * trend curve: `{label, x, value, metric: adv_accuracy, coordinate: eps, stage?, source?}` — see
 * lib/report/trends.ts).
 *
 * Writes:
 * - `index.html`: the page (no scripts, no network; open it from `outputs/<config>/report/`);
 * - `figures/<name>.vl.json` (the spec, data inline), `figures/<name>.svg`, `figures/<name>.png`;
 *   names: `rct`, `rct_shares`, `prop1`, `spectra`, `of_classes`, `of_mean`, `of_shares`, `of_image_<k>`,
 *   `fourier`, `filtered`, `saliency` (each only when its inputs exist), and `trend_<stage>_<coordinate>`
 *   for each swept stage (lib/report/trends.ts);
 * - `tables/<name>.csv|md`: `findings_vs_nulls`, `prop1_perturbed`, `rct_nulls`, `of_dc_label_change`,
 *   `model_accuracy`, `attack_summary`, `band_shares`;
 * - `metrics.csv`: every gathered instance's headline metrics, tidy (instance, stage, kind, one column per
 *   coordinate, metric, value, lo, hi), the same numbers `cli metrics` prints;
 * - `report.json`: the figures and tables written, and Vega warnings per figure.
 */
import { z } from "zod";
import { join } from "node:path";
import { defineTask } from "../pipeline/task.ts";
import { writeJsonAtomic } from "../lib/io/atomic.ts";
import { analysisOfAlias, collectReportInputs, REPORT_ALIASES, writeReport } from "../lib/report/mod.ts";

const published = z.strictObject({
  label: z.string().min(1),
  x: z.number().positive(),
  value: z.number(),
  metric: z.string().min(1).default("adv_accuracy"),
  coordinate: z.string().min(1).default("eps"),
  stage: z.string().min(1).optional(),
  source: z.string().optional(),
});

const params = z.strictObject({
  title: z.string().min(1).default("freqlens: adversarial robustness in the frequency domain"),
  scale: z.number().min(1).max(4).default(2),
  trend_metrics: z.array(z.string().min(1)).min(1).optional(),
  published: z.array(published).default([]),
});

export default defineTask({
  description: "HTML report: figures (Vega-Lite → SVG/PNG), tables (CSV/Markdown), linked to their stages",
  params,
  numeric: false,
  inputs: Object.fromEntries(
    REPORT_ALIASES.map((alias) => [
      alias,
      {
        doc: `the ${alias} stages (gathered), or ${alias}_<suffix>`,
        many: true,
        optional: true,
        suffixed: true,
      },
    ]),
  ),
  resources: { cpus: 1, mem: "2G", time: "0:30:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const { records, unknownAliases } = await collectReportInputs(ctx.inputs);
    for (const alias of unknownAliases) {
      ctx.log(`input '${alias}' is not one the report reads (${REPORT_ALIASES.join(", ")}); ignored`);
    }
    const gathered = Object.values(ctx.inputs).reduce((n, list) => n + list.length, 0);
    const present = new Set(
      Object.entries(ctx.inputs).filter(([, list]) => list.length > 0).map(([alias]) =>
        analysisOfAlias(alias)
      ),
    );
    const missing = REPORT_ALIASES.filter((a) => a !== "models" && !present.has(a))
      .map((a) => `${a}: not among this report's inputs`);
    const written = await writeReport(ctx.outDir, records, {
      title: ctx.params.title,
      meta: [`Stage ${ctx.instance}: ${gathered} stage instances gathered; seed ${ctx.seed}.`],
      missing,
      scale: ctx.params.scale,
      trends: { metrics: ctx.params.trend_metrics, published: ctx.params.published },
      onFigure: (name, k, total) => {
        if (k === 0) ctx.progress.start("figures", total);
        ctx.progress.update(k, { figure: name });
      },
    });
    if (written.figures.length > 0) ctx.progress.finish();
    for (const [name, warnings] of Object.entries(written.warnings)) {
      ctx.log(`figure ${name}: ${warnings.join("; ")}`);
    }
    await writeJsonAtomic(join(ctx.outDir, "report.json"), written);
    ctx.log(`${written.figures.length} figures, ${written.tables.length} tables`);
  },
});
