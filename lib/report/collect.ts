/**
 * Reading the stage outputs the report gathers, each through its kind's contract (lib/stages/<kind>.ts,
 * which lists the files and checks them):
 *
 * | alias | stage | reader |
 * |---|---|---|
 * | `evaluate` | evaluate | `readEvaluate` (clean / PGD accuracy) |
 * | `models` | train, import | `readModelInfo` (clean accuracy of a train entry, when no evaluate stage ran) |
 * | `attacks` | attack | `readAttackSummary` |
 * | `rct` | rct | `readRct` (mean map, band profile, shares, nulls) |
 * | `prop1` | prop1 | `readProp1` |
 * | `spectra` | spectra | `readSpectra` (start spectrum, shares; the synthesis detail in sections/synthesis.ts) |
 * | `occlusion` | occlusion | `readOcclusion` (class profiles, per-image attribution, single-image views) |
 * | `fourier` | fourier | `readFourier` |
 * | `filtered` | filtered | `readFiltered` |
 * | `saliency` | saliency | `readSaliencySummary` (mean profile) |
 * | `verdicts` | any (contrast, the authors' rct…) | `summary.json` (its `verdicts` only) |
 *
 * Besides, every gathered stage's `summary.json` is searched for a `verdicts` array (lib/report/verdicts.ts),
 * so any stage that tests a finding against its null reaches the "Findings vs their nulls" table.
 *
 * An alias may carry a suffix (`attacks_pgd`, `rct_pgd`: one stage per attack, as attacks take different
 * params); all aliases of one analysis are read together, in the order the config lists them. Every
 * alias is optional, so a config can include any subset of the analyses. A record's label tells
 * the instances of one analysis apart by the coordinates each input carries (their differing values,
 * lib/report/labels.ts; the name is only shown and linked); its link points at the instance's readable
 * view `outputs/<config>/<instance>/`, relative to the report's own entry.
 */
import { readdirSync, readlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  hasFile,
  type OcclusionFiles,
  readAttackSummary,
  readEvaluate,
  readFiltered,
  readFourier,
  readModelInfo,
  readOcclusion,
  readProp1,
  readRct,
  readSaliencySummary,
  readSpectra,
  StageFileError,
} from "../stages/mod.ts";
import { coordinatesOf, metricRow } from "./metric_rows.ts";
import { distinctLabels, stageTags } from "./labels.ts";
import type { PlotImage } from "../plots/mod.ts";
import {
  type AttackRecord,
  emptyInputs,
  type EvaluateRecord,
  type OcclusionRecord,
  type ReportInputs,
  type Source,
} from "./records.ts";
import { readVerdicts } from "./verdicts.ts";
import { synthesisDetail } from "./sections/synthesis.ts";

/** One gathered upstream instance (the shape of the pipeline's `StageInput`). */
export interface GatheredInput {
  instance: string;
  stage: string;
  /** Its store entry, `outputs/.store/<key>`. */
  dir: string;
  params: Record<string, unknown>;
  /** Its sweep coordinates as the pipeline passes them (origin stage, param, value): the labels' source. */
  coords: { origin: string; key: string; value: unknown }[];
}

/** The aliases the report reads, in page order. */
export const REPORT_ALIASES = [
  "evaluate",
  "models",
  "attacks",
  "rct",
  "prop1",
  "spectra",
  "occlusion",
  "fourier",
  "filtered",
  "saliency",
  "verdicts",
] as const;

/** The task kind behind each analysis with headline metrics (lib/report/headline.ts). */
const KIND_OF_ANALYSIS: Record<string, string> = {
  evaluate: "evaluate",
  attacks: "attack",
  rct: "rct",
  prop1: "prop1",
  spectra: "spectra",
  occlusion: "occlusion",
  fourier: "fourier",
  filtered: "filtered",
  saliency: "saliency",
};

/** A stage output the report cannot read: names the file and what is wrong (lib/stages' error). */
export const ReportInputError = StageFileError;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Minimal CSV of numbers with a header row → column name → values. */
export function parseNumericCsv(text: string, file = "<csv>"): Record<string, number[]> {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.trim().replace(/^"|"$/g, ""));
  const cols: Record<string, number[]> = Object.fromEntries(header.map((h) => [h, []]));
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new ReportInputError(
        file,
        `line ${r + 2} has ${cells.length} cells, the header ${header.length}`,
      );
    }
    cells.forEach((cell, k) => cols[header[k]].push(cell.trim() === "" ? NaN : Number(cell)));
  });
  return cols;
}

/**
 * Link from the report's entry (`outputs/.store/<key>/`, also seen as `outputs/<config>/<report>/`) to an
 * upstream entry: `../../<config>/<instance>/` when a readable view of it exists, else the entry itself
 * through `../../.store/<key>/`. Both resolve the same from either place, as both sit two levels below
 * `outputs/`.
 */
export function stageHref(input: GatheredInput): string {
  const entry = resolve(input.dir);
  const root = dirname(dirname(entry));
  const view = input.instance; // instance names are path-safe ([A-Za-z0-9._=,-] in brackets)
  let configs: string[] = [];
  try {
    configs = readdirSync(root).filter((d) => !d.startsWith(".")).sort();
  } catch {
    // no outputs root: fall back to the entry
  }
  for (const config of configs) {
    const path = join(root, config, view);
    try {
      if (resolve(dirname(path), readlinkSync(path)) === entry) return `../../${config}/${view}/`;
    } catch {
      // not a view of this config
    }
  }
  return `../../${basename(dirname(entry))}/${basename(entry)}/`;
}

/**
 * Sources of one analysis' instances, labelled by their coordinates (lib/report/labels.ts). When they
 * come from several stages (`rct_fgsm`, `rct_pgd`, one per attack because attacks take different params),
 * the stage name minus the analysis prefix (`fgsm`) is the first coordinate of each label.
 */
function sources(inputs: GatheredInput[]): Source[] {
  const stages = [...new Set(inputs.map((i) => i.stage))];
  const tags = stageTags(stages);
  const labels = distinctLabels(
    inputs.map((i) => [
      ...(stages.length < 2 ? [] : [{ origin: i.stage, key: "stage", value: tags.get(i.stage)! }]),
      ...coordinatesOf(i),
    ]),
    inputs.map((i) => i.instance),
  );
  return inputs.map((input, k) => ({ instance: input.instance, label: labels[k], href: stageHref(input) }));
}

function describeAttack(summary: Record<string, unknown>): string {
  const p = (summary.params ?? {}) as Record<string, unknown>;
  const parts = [String(summary.method ?? "?")];
  if (summary.method === "cw") parts.push("l2");
  if (p.norm) parts.push(p.norm === "linf" ? "l∞" : String(p.norm));
  if (num(p.eps) !== null) parts.push(`ε ${p.eps}`);
  if (num(p.steps) !== null) parts.push(`${p.steps} steps`);
  if (num(p.binarySteps) !== null) parts.push(`${p.binarySteps} binary steps`);
  if (num(p.maxIterations) !== null) parts.push(`≤ ${p.maxIterations} iterations`);
  if (num(p.maxQueries) !== null) parts.push(`≤ ${p.maxQueries} queries`);
  return parts.join(" ");
}

function describePgd(pgd: { norm: string; eps: number; steps: number } | null): string {
  if (!pgd) return "";
  const norm = pgd.norm === "linf" ? "l∞" : pgd.norm;
  return [norm, pgd.eps != null ? `ε ${pgd.eps}` : null, pgd.steps != null ? `${pgd.steps} steps` : null]
    .filter((x) => x != null).join(" ");
}

/** The analysis an input alias feeds: its name, or the name before a `_suffix` (`rct_pgd` → `rct`). */
export function analysisOfAlias(alias: string): (typeof REPORT_ALIASES)[number] | undefined {
  const bases = [...REPORT_ALIASES].sort((a, b) => b.length - a.length);
  return bases.find((b) => alias === b || alias.startsWith(`${b}_`));
}

/** Reads every gathered input into report records; unknown aliases are returned for the caller to log. */
export async function collectReportInputs(
  inputs: Record<string, GatheredInput[]>,
): Promise<{ records: ReportInputs; unknownAliases: string[] }> {
  const r = emptyInputs();
  const baseOf = analysisOfAlias;
  const get = (base: string) =>
    Object.entries(inputs).filter(([alias]) => baseOf(alias) === base).flatMap(([, list]) => list);
  const zip = (base: string): [GatheredInput, Source][] => {
    const list = get(base);
    const s = sources(list);
    return list.map((input, k) => [input, s[k]]);
  };

  for (const [input, source] of zip("evaluate")) {
    const s = await readEvaluate(input.dir);
    const rec: EvaluateRecord = {
      source,
      clean: s.clean_accuracy,
      pgd: s.pgd_accuracy,
      pgdSetting: describePgd(s.pgd),
      n: s.images,
    };
    r.evaluate.push(rec);
  }
  if (r.evaluate.length === 0) {
    for (const [input, source] of zip("models")) {
      if (!(await hasFile(input.dir, "model_info.json"))) continue;
      const info = await readModelInfo(input.dir);
      if (info.kind === "train") {
        r.evaluate.push({ source, clean: info.test_accuracy, pgd: null, pgdSetting: "", n: null });
      }
    }
  }

  for (const [input, source] of zip("attacks")) {
    const s = await readAttackSummary(input.dir);
    const rec: AttackRecord = {
      source,
      method: describeAttack(s),
      success: s.success_rate,
      l2Median: s.l2.median,
      l2Mean: s.l2.mean,
      linfMedian: s.linf.median,
      linfMean: s.linf.mean,
      queries: s.queries?.mean ?? null,
      imagesPerSecond: s.images_per_s,
      n: s.images,
    };
    r.attacks.push(rec);
  }

  for (const [input, source] of zip("rct")) {
    const { mean, bandProfile, summary: s } = await readRct(input.dir);
    // rct records its interval level once, beside its resamples.
    const leveled = <T extends object>(shares: T | null) => shares && { ...shares, level: s.bootstrap.level };
    r.rct.push({
      source,
      map: { height: mean.shape[0], width: mean.shape[1], values: mean.data },
      bandProfile,
      shares: leveled(s.shares),
      nulls: {
        noise: leveled(s.nulls.noise.shares),
        shuffled: leveled(s.nulls.shuffled.shares),
        energyAttack: leveled(s.nulls.energy.attack),
        energyNoise: leveled(s.nulls.energy.noise),
        noiseNormRatio: s.nulls.noise.mean_norm_ratio,
      },
    });
  }

  for (const [input, source] of zip("prop1")) {
    const { l1, dcDiff, summary: s } = await readProp1(input.dir);
    r.prop1.push({
      source,
      l1,
      dc: dcDiff,
      checked: s.perturbed,
      unperturbed: s.unperturbed,
      violations: s.violations,
      meanTightness: s.tightness?.mean ?? null,
    });
  }

  for (const [input, source] of zip("spectra")) {
    const files = await readSpectra(input.dir);
    const { spectra, summary: s } = files;
    const [height, width] = spectra.start.map.shape;
    r.spectra.push({
      source,
      map: { height, width, values: Float64Array.from(spectra.start.channelMean) },
      bandProfile: Float64Array.from(spectra.start.bandProfile),
      shares: s.shares,
      synthesis: synthesisDetail(files),
    });
  }

  for (const [input, source] of zip("occlusion")) {
    const o = await readOcclusion(input.dir);
    const s = o.summary;
    const bands = s.bands;
    const classProfiles = s.class_counts.map((_, c) =>
      Float64Array.from(o.classProfiles.subarray(c * bands, (c + 1) * bands))
    );
    // Keep the classes that had images (absent classes have all-zero profiles).
    const keep = s.class_counts.map((count) => count > 0);
    r.occlusion.push({
      source,
      classNames: s.class_names.filter((_, c) => keep[c]),
      classProfiles: classProfiles.filter((_, c) => keep[c]),
      meanProfile: s.mean_profile,
      shares: s.shares,
      sharesWithoutDc: s.shares_without_dc,
      labelChange: s.label_change_rate,
      perImage: perImage(o),
      single: single(o),
    });
  }

  for (const [input, source] of zip("fourier")) {
    const { heatmap, summary } = await readFourier(input.dir);
    r.fourier.push({
      source,
      errorRate: {
        height: heatmap.shape[0],
        width: heatmap.shape[1],
        values: Float64Array.from(heatmap.data),
      },
      eps: summary.eps,
    });
  }

  for (const [input, source] of zip("filtered")) {
    const { curves } = await readFiltered(input.dir);
    r.filtered.push({
      source,
      cutoffs: Array.from(curves.cutoffs),
      lowPass: Array.from(curves.lowPass),
      highPass: Array.from(curves.highPass),
    });
  }

  for (const [input, source] of zip("saliency")) {
    const s = await readSaliencySummary(input.dir);
    r.saliency.push({ source, bandProfile: s.mean_profile });
  }

  for (const base of REPORT_ALIASES) {
    for (const [input, source] of zip(base)) r.verdicts.push(...await readVerdicts(input.dir, source));
  }

  for (const [base, kind] of Object.entries(KIND_OF_ANALYSIS)) {
    for (const [input, source] of zip(base)) {
      const row = await metricRow(input, kind);
      if (row) r.metrics!.push({ ...row, href: source.href });
    }
  }
  return { records: r, unknownAliases: Object.keys(inputs).filter((a) => a !== "data" && !baseOf(a)) };
}

/** An occlusion entry's per-image attribution as share mass (`summary.shares.mass`), with its image indices. */
function perImage(o: OcclusionFiles): OcclusionRecord["perImage"] {
  const mass = o.summary.shares?.mass ?? "positive";
  const rows = Float64Array.from(o.attributions, (v) => (mass === "absolute" ? Math.abs(v) : Math.max(0, v)));
  return { rows, indices: o.indices, mass };
}

/** An occlusion entry's single-image views, titled, with the image's attribution and top bands. */
function single(o: OcclusionFiles) {
  const meta = o.summary.single_image;
  const [count, height, width, channels] = o.singleImage.shape;
  const per = height * width * channels;
  const title = (name: string) => {
    const m = /^(lowest|top)_(\d+)$/.exec(name);
    if (!m) return name;
    return m[1] === "lowest" ? `${m[2]} lowest bands removed` : `top ${m[2]} bands removed`;
  };
  const images: PlotImage[] = Array.from({ length: count }, (_, k) => ({
    name: title(meta.layout[k]),
    height,
    width,
    channels,
    pixels: Float64Array.from(o.singleImage.data.subarray(k * per, (k + 1) * per)),
  }));
  const top = meta.top_bands.slice(0, Math.max(1, ...meta.k));
  return {
    images,
    attribution: meta.attribution,
    topBands: top,
    caption: `image ${meta.split_index}, label ${meta.label}; top bands ${top.join(", ")}`,
  };
}
