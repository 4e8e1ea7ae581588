/**
 * The headline metrics of a stage instance, read from its own `summary.json`: what the report's trend
 * figures draw, what its tidy `metrics.csv` lists and what `cli metrics` prints — one extraction, so the
 * three always agree. Each metric has a stable id, a label, and the interval the stage computed (band
 * shares: bootstrap over images, at the level the stage wrote) or, for proportions of counted images (attack
 * success, accuracy), the Wilson interval of those counts at {@link WILSON_LEVEL}; null where the stage
 * gives none (norm medians, tightness).
 */
import { join } from "node:path";
import { wilsonInterval } from "../stats/binomial.ts";
import { DEFAULT_LEVEL } from "./level.ts";

/** The level of the Wilson intervals the report puts on proportions of counted images. */
export const WILSON_LEVEL = 0.95;

/** One headline number of an instance. */
export interface Headline {
  /** Stable id, e.g. `success_rate`, `adv_accuracy`, `low_share`. */
  metric: string;
  /** For axes and tables, e.g. "accuracy under attack". */
  label: string;
  value: number;
  lo: number | null;
  hi: number | null;
  /** Coverage of [lo, hi] (e.g. 0.95); null when there is no interval. */
  level: number | null;
}

type Summary = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const field = (s: Summary, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Summary)[k] : undefined), s);

function plain(metric: string, label: string, value: unknown): Headline[] {
  const v = num(value);
  return v === null ? [] : [{ metric, label, value: v, lo: null, hi: null, level: null }];
}

/** A proportion of `n` counted images with its Wilson interval at {@link WILSON_LEVEL}. */
function proportion(metric: string, label: string, value: unknown, n: unknown): Headline[] {
  const v = num(value), count = num(n);
  if (v === null) return [];
  if (v < 0 || v > 1) throw new RangeError(`${metric} = ${v} is not a proportion in [0, 1]`);
  if (count === null || !Number.isInteger(count) || count < 1) return plain(metric, label, v);
  const ci = wilsonInterval(Math.round(v * count), count, WILSON_LEVEL);
  return [{ metric, label, value: v, lo: ci.lo, hi: ci.hi, level: WILSON_LEVEL }];
}

/**
 * Low / middle / high shares with the stage's bootstrap intervals, at the level written beside them, else
 * `level` (rct writes it under `bootstrap`), else {@link DEFAULT_LEVEL}.
 */
function shares(prefix: string, what: string, s: unknown, level?: unknown): Headline[] {
  if (!s || typeof s !== "object") return [];
  const coverage = num((s as Summary).level) ?? num(level) ?? DEFAULT_LEVEL;
  return (["low", "middle", "high"] as const).flatMap((part) => {
    const x = (s as Summary)[part] as Summary | undefined;
    const value = num(x?.estimate);
    if (value === null) return [];
    const [lo, hi] = [num(x?.lo), num(x?.hi)];
    return [{
      metric: `${prefix}${part}_share`,
      label: `${what} ${part}-band share`,
      value,
      lo,
      hi,
      level: lo === null || hi === null ? null : coverage,
    }];
  });
}

/** Per task kind: its headline metrics from its summary. */
const EXTRACTORS: Record<string, (s: Summary) => Headline[]> = {
  attack: (s) => [
    ...proportion("success_rate", "attack success", s.success_rate, s.images),
    ...proportion("adv_accuracy", "accuracy under attack", s.adv_accuracy, s.images),
    ...plain("l2_median", "median l2 of successful perturbations", field(s, "l2", "median")),
    ...plain("linf_median", "median l∞ of successful perturbations", field(s, "linf", "median")),
    ...plain("queries_mean", "mean queries per image", field(s, "queries", "mean")),
  ],
  evaluate: (s) => [
    ...proportion("clean_accuracy", "clean accuracy", s.clean_accuracy, s.images),
    ...proportion("pgd_accuracy", "accuracy under PGD", s.pgd_accuracy, s.images),
  ],
  rct: (s) => shares("", "RCT", s.shares, field(s, "bootstrap", "level")),
  prop1: (s) => [
    ...plain("tightness_mean", "Prop. 1 tightness |ΔX₀| / ‖Δx‖₁ (mean)", field(s, "tightness", "mean")),
    ...plain("violations", "Prop. 1 violations", s.violations),
  ],
  spectra: (s) => shares("", "|ΔDCT| spectrum", s.shares),
  occlusion: (s) => [
    ...shares("", "OF attribution", s.shares),
    ...proportion("clean_accuracy", "clean accuracy", s.clean_accuracy, s.images),
  ],
  saliency: (s) => shares("", "saliency", s.shares),
  fourier: (s) => [
    ...plain("mean_error", "mean error over frequencies", s.mean_error),
    ...plain("max_error", "max error over frequencies", s.max_error),
  ],
  filtered: (s) => [
    ...proportion("clean_accuracy", "clean accuracy", s.clean_accuracy, s.images),
    ...plain(
      "low_pass_cutoff_90",
      "smallest low-pass cut-off reaching 90 % of clean accuracy",
      s.low_pass_cutoff_90,
    ),
  ],
};

/** Task kinds with headline metrics. */
export const HEADLINE_KINDS: readonly string[] = Object.keys(EXTRACTORS);

/** Headline metrics of a `kind` stage's parsed `summary.json` (empty for kinds without any). */
export function headlineOf(kind: string, summary: Summary): Headline[] {
  return EXTRACTORS[kind]?.(summary) ?? [];
}

/**
 * Headline metrics of the `kind` stage whose entry is `dir` (its `summary.json`); null when the kind has
 * none or the entry has no summary.
 */
export async function headlineMetrics(kind: string, dir: string): Promise<Headline[] | null> {
  if (!EXTRACTORS[kind]) return null;
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "summary.json"));
  } catch {
    return null;
  }
  return headlineOf(kind, JSON.parse(text));
}
