/**
 * Reading the stage outputs the report gathers, by the formats each task documents in `tasks/<kind>.ts`:
 *
 * | alias | stage | files read |
 * |---|---|---|
 * | `evaluate` | evaluate | `summary.json` (clean / PGD accuracy) |
 * | `models` | train, import | `model_info.json` (clean accuracy, when no evaluate stage ran) |
 * | `attacks` | attack | `summary.json` |
 * | `rct` | rct | `rct_mean.npy` [H,W], `band_profile.npy` [B], `summary.json` (shares) |
 * | `prop1` | prop1 | `l1.npy`, `dc_diff.npy` [N,C], `summary.json` |
 * | `spectra` | spectra | `diff_map_mean[_target].npy` [H,W], `band_profile[_target].npy` [B], `summary.json` |
 * | `occlusion` | occlusion | `class_profiles.npy` [K,B], `single_image.npy`, `summary.json` |
 * | `fourier` | fourier | `heatmap.npy` [H,W], `summary.json` |
 * | `filtered` | filtered | `curves.csv` |
 * | `saliency` | saliency | `summary.json` (mean profile) |
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
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { readNpy } from "../io/npy.ts";
import { coordinatesOf, metricRow } from "./metric_rows.ts";
import type { PlotImage } from "../plots/mod.ts";
import { distinctLabels, stageTags } from "./labels.ts";
import { DEFAULT_LEVEL } from "./level.ts";
import {
  type AttackRecord,
  emptyInputs,
  type EvaluateRecord,
  type OcclusionRecord,
  type ReportInputs,
  type SharesCI,
  type Source,
} from "./records.ts";
import { readVerdicts } from "./verdicts.ts";
import { readSynthesisDetail } from "./sections/synthesis.ts";

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

/** A stage output the report cannot read: names the file and what is wrong. */
export class ReportInputError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "ReportInputError";
  }
}

async function readJson(dir: string, name: string): Promise<Record<string, unknown>> {
  const file = join(dir, name);
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    throw new ReportInputError(file, `cannot read JSON: ${(error as Error).message}`);
  }
}

/** An occlusion stage's per-image attribution as share mass (`summary.shares.mass`), with its image
 * indices; null when the stage wrote no `attributions.npy` / `indices.npy`. */
async function readPerImage(
  dir: string,
  summary: Record<string, unknown>,
): Promise<OcclusionRecord["perImage"]> {
  const has = (name: string) => Deno.stat(join(dir, name)).then(() => true, () => false);
  if (!(await has("attributions.npy")) || !(await has("indices.npy"))) return null;
  const scores = await readArray(dir, "attributions.npy", 2);
  const indices = await readArray(dir, "indices.npy", 1);
  if (indices.shape[0] !== scores.shape[0]) {
    throw new ReportInputError(
      join(dir, "indices.npy"),
      `${indices.shape[0]} indices for ${scores.shape[0]} attribution rows`,
    );
  }
  const mass = String((summary.shares as { mass?: string } | null)?.mass ?? "positive");
  const rows = scores.data.map((v) => (mass === "absolute" ? Math.abs(v) : Math.max(0, v)));
  return { rows, indices: Int32Array.from(indices.data), mass };
}

async function readArray(
  dir: string,
  name: string,
  rank?: number,
): Promise<{ data: Float64Array; shape: number[] }> {
  const file = join(dir, name);
  const a = await readNpy(file);
  if (rank !== undefined && a.shape.length !== rank) {
    throw new ReportInputError(file, `expected a ${rank}-d array, found shape [${a.shape}]`);
  }
  return { data: Float64Array.from(a.data as ArrayLike<number>), shape: a.shape };
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/**
 * Band shares with intervals as a stage's summary writes them; their level is `v.level`, else `level`
 * (where the stage records it beside the shares, as rct's `bootstrap.level`), else {@link DEFAULT_LEVEL}
 * (entries written before stages recorded it, when every stage used the default).
 */
export function sharesOf(file: string, v: unknown, level?: unknown): SharesCI | null {
  if (v == null) return null;
  const s = v as Record<string, { estimate?: unknown; lo?: unknown; hi?: unknown }>;
  const part = (p: string) => {
    const x = s[p];
    const estimate = num(x?.estimate), lo = num(x?.lo), hi = num(x?.hi);
    if (estimate === null || lo === null || hi === null) {
      throw new ReportInputError(file, `shares.${p} needs numeric estimate, lo and hi`);
    }
    return { estimate, lo, hi };
  };
  const coverage = num((v as { level?: unknown }).level) ?? num(level) ?? DEFAULT_LEVEL;
  return { low: part("low"), middle: part("middle"), high: part("high"), level: coverage };
}

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

/** Directory name of a readable view for an instance (the pipeline's escaping of '/' and '%'). */
export function viewDirName(instance: string): string {
  return instance.replaceAll("%", "%25").replaceAll("/", "%2F");
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
  const view = viewDirName(input.instance);
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
  if (num(p.maxQueries) !== null || num(p.max_queries) !== null) {
    parts.push(`≤ ${p.maxQueries ?? p.max_queries} queries`);
  }
  return parts.join(" ");
}

function describePgd(params: Record<string, unknown>, summary: Record<string, unknown>): string {
  const pgd = (summary.pgd ?? params.pgd) as Record<string, unknown> | null | undefined;
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
    const s = await readJson(input.dir, "summary.json");
    const clean = num(s.clean_accuracy) ?? num(s.accuracy);
    if (clean === null) throw new ReportInputError(join(input.dir, "summary.json"), "no clean_accuracy");
    const rec: EvaluateRecord = {
      source,
      clean,
      pgd: num(s.pgd_accuracy) ?? num(s.robust_accuracy) ?? num(s.adv_accuracy),
      pgdSetting: describePgd(input.params, s),
      n: num(s.images) ?? num(s.n),
    };
    r.evaluate.push(rec);
  }
  if (r.evaluate.length === 0) {
    for (const [input, source] of zip("models")) {
      const file = join(input.dir, "model_info.json");
      if (!existsSync(file)) continue;
      const info = await readJson(input.dir, "model_info.json");
      const clean = num(info.clean_accuracy) ?? num(info.test_accuracy) ?? num(info.accuracy);
      if (clean !== null) r.evaluate.push({ source, clean, pgd: null, pgdSetting: "", n: null });
    }
  }

  for (const [input, source] of zip("attacks")) {
    const s = await readJson(input.dir, "summary.json");
    const l2 = (s.l2 ?? {}) as Record<string, unknown>;
    const linf = (s.linf ?? {}) as Record<string, unknown>;
    const q = s.queries as Record<string, unknown> | null;
    const rec: AttackRecord = {
      source,
      method: describeAttack(s),
      success: num(s.success_rate) ?? 0,
      l2Median: num(l2.median),
      l2Mean: num(l2.mean),
      linfMedian: num(linf.median),
      linfMean: num(linf.mean),
      queries: q ? num(q.mean) : null,
      imagesPerSecond: num(s.images_per_s),
      n: num(s.images),
    };
    r.attacks.push(rec);
  }

  for (const [input, source] of zip("rct")) {
    const map = await readArray(input.dir, "rct_mean.npy", 2);
    const profile = await readArray(input.dir, "band_profile.npy", 1);
    const s = await readJson(input.dir, "summary.json");
    const file = join(input.dir, "summary.json");
    const nulls = s.nulls as Record<string, Record<string, unknown>> | undefined;
    const level = (s.bootstrap as { level?: unknown } | undefined)?.level;
    r.rct.push({
      source,
      map: { height: map.shape[0], width: map.shape[1], values: map.data },
      bandProfile: profile.data,
      shares: sharesOf(file, s.shares, level),
      nulls: nulls && {
        noise: sharesOf(file, nulls.noise?.shares, level),
        shuffled: sharesOf(file, nulls.shuffled?.shares, level),
        energyAttack: sharesOf(file, nulls.energy?.attack, level),
        energyNoise: sharesOf(file, nulls.energy?.noise, level),
        noiseNormRatio: num(nulls.noise?.mean_norm_ratio),
      },
    });
  }

  for (const [input, source] of zip("prop1")) {
    const l1 = await readArray(input.dir, "l1.npy");
    const dc = await readArray(input.dir, "dc_diff.npy");
    if (l1.data.length !== dc.data.length) {
      throw new ReportInputError(
        join(input.dir, "dc_diff.npy"),
        `${dc.data.length} values but l1.npy has ${l1.data.length}`,
      );
    }
    const s = await readJson(input.dir, "summary.json");
    const tight = s.tightness as Record<string, unknown> | null;
    r.prop1.push({
      source,
      l1: l1.data,
      dc: dc.data,
      checked: num(s.perturbed) ?? l1.data.length,
      unperturbed: num(s.unperturbed),
      violations: num(s.violations) ?? 0,
      meanTightness: tight ? num(tight.mean) : null,
    });
  }

  for (const [input, source] of zip("spectra")) {
    const map = await readArray(input.dir, "diff_map_mean.npy", 2);
    const profile = await readArray(input.dir, "band_profile.npy", 1);
    const s = await readJson(input.dir, "summary.json");
    r.spectra.push({
      source,
      map: { height: map.shape[0], width: map.shape[1], values: map.data },
      bandProfile: profile.data,
      shares: sharesOf(join(input.dir, "summary.json"), s.shares),
      synthesis: await readSynthesisDetail(input.dir, s),
    });
  }

  for (const [input, source] of zip("occlusion")) {
    const s = await readJson(input.dir, "summary.json");
    const cp = await readArray(input.dir, "class_profiles.npy", 2);
    const [classes, bands] = cp.shape;
    const classProfiles = Array.from(
      { length: classes },
      (_, c) => cp.data.subarray(c * bands, (c + 1) * bands),
    );
    const counts = (s.class_counts as number[] | undefined) ?? [];
    const names = (s.class_names as string[] | undefined) ?? classProfiles.map((_, c) => `class ${c}`);
    // Keep the classes that had images (absent classes have all-zero profiles).
    const keep = classProfiles.map((_, c) => counts.length === 0 || counts[c] > 0);
    r.occlusion.push({
      source,
      classNames: names.filter((_, c) => keep[c]),
      classProfiles: classProfiles.filter((_, c) => keep[c]),
      meanProfile: (s.mean_profile as number[] | undefined) ?? [],
      shares: sharesOf(join(input.dir, "summary.json"), s.shares),
      sharesWithoutDc: sharesOf(join(input.dir, "summary.json"), s.shares_without_dc),
      labelChange: Array.isArray(s.label_change_rate) ? (s.label_change_rate as number[]) : undefined,
      perImage: await readPerImage(input.dir, s),
      single: await readSingle(input.dir, s),
    });
  }

  for (const [input, source] of zip("fourier")) {
    const map = await readArray(input.dir, "heatmap.npy", 2);
    const s = await readJson(input.dir, "summary.json");
    r.fourier.push({
      source,
      errorRate: { height: map.shape[0], width: map.shape[1], values: map.data },
      eps: num(s.epsilon),
    });
  }

  for (const [input, source] of zip("filtered")) {
    const file = join(input.dir, "curves.csv");
    const cols = parseNumericCsv(await Deno.readTextFile(file), file);
    for (const c of ["cutoff", "low_pass_accuracy", "high_pass_accuracy"]) {
      if (!cols[c]) throw new ReportInputError(file, `no column '${c}'`);
    }
    r.filtered.push({
      source,
      cutoffs: cols.cutoff,
      lowPass: cols.low_pass_accuracy,
      highPass: cols.high_pass_accuracy,
    });
  }

  for (const [input, source] of zip("saliency")) {
    const s = await readJson(input.dir, "summary.json");
    const profile = s.mean_profile as number[] | undefined;
    if (!Array.isArray(profile)) {
      throw new ReportInputError(join(input.dir, "summary.json"), "no mean_profile");
    }
    r.saliency.push({ source, bandProfile: profile });
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

async function readSingle(dir: string, summary: Record<string, unknown>) {
  const file = join(dir, "single_image.npy");
  const meta = summary.single_image as Record<string, unknown> | undefined;
  if (!meta || !existsSync(file)) return null;
  const views = await readArray(dir, "single_image.npy", 4);
  const [count, height, width, channels] = views.shape;
  const layout = (meta.layout as string[] | undefined) ?? [];
  const per = height * width * channels;
  const title = (name: string) => {
    const m = /^(lowest|top)_(\d+)$/.exec(name);
    if (!m) return name;
    return m[1] === "lowest" ? `${m[2]} lowest bands removed` : `top ${m[2]} bands removed`;
  };
  const images: PlotImage[] = Array.from({ length: count }, (_, k) => ({
    name: title(layout[k] ?? `view ${k}`),
    height,
    width,
    channels,
    pixels: views.data.subarray(k * per, (k + 1) * per),
  }));
  const attribution = (meta.attribution as number[] | undefined) ?? [];
  const ks = (meta.k as number[] | undefined) ?? [];
  const top = ((meta.top_bands as number[] | undefined) ?? []).slice(0, Math.max(1, ...ks));
  return {
    images,
    attribution,
    topBands: top,
    caption: `image ${meta.split_index ?? meta.position ?? "?"}, label ${meta.label ?? "?"}; top bands ${
      top.join(", ")
    }`,
  };
}
