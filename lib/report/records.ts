/**
 * What the report knows about each upstream stage instance, after reading its files: plain numbers and
 * arrays, independent of file names (lib/report/collect.ts reads them; lib/report/build.ts turns them
 * into figures, tables and captions).
 */
import type { Grid, PlotImage } from "../plots/mod.ts";
import type { Verdict } from "../stats/mod.ts";
import type { SynthesisDetail } from "./sections/synthesis.ts";
import type { MetricRow } from "./metric_rows.ts";

/** The upstream instance a record came from. */
export interface Source {
  /** Instance name, e.g. `rct[model=natural,method=pgd]`. */
  instance: string;
  /** Short label for legends and panel titles, e.g. `natural · pgd`. */
  label: string;
  /** Relative link from the report's entry to the instance's readable view (or its store entry). */
  href: string;
}

/** A share with its confidence interval. */
export interface ShareCI {
  estimate: number;
  lo: number;
  hi: number;
}

/** Low / middle / high thirds of the bands, with the level of their intervals (as the stage wrote it). */
export interface SharesCI {
  low: ShareCI;
  middle: ShareCI;
  high: ShareCI;
  /** Coverage of the intervals, e.g. 0.95 (the stage's `level` param). */
  level: number;
}

/** One model's accuracies (fractions in [0, 1]) from its evaluate stage (or its training's model info). */
export interface EvaluateRecord {
  source: Source;
  clean: number;
  /** Accuracy under the evaluation's PGD attack; null when no robust evaluation ran. */
  pgd: number | null;
  /** The PGD evaluation's threat model, e.g. "l∞ ε 0.031 10 steps". */
  pgdSetting: string;
  /** Test images evaluated. */
  n: number | null;
}

/** One attack instance's summary. Norms are of x′ − x over all attacked images. */
export interface AttackRecord {
  source: Source;
  /** Method and threat model, e.g. "pgd l∞ ε 0.15 10 steps". */
  method: string;
  /** Fraction of attacked images whose prediction changed (untargeted success). */
  success: number;
  l2Median: number | null;
  l2Mean: number | null;
  linfMedian: number | null;
  linfMean: number | null;
  /** Mean model queries per image (black-box attacks), else null. */
  queries: number | null;
  imagesPerSecond: number | null;
  n: number | null;
}

export interface RctRecord {
  source: Source;
  map: Grid;
  bandProfile: ArrayLike<number>;
  shares: SharesCI | null;
  /** The stage's nulls on the same pairs (absent from stages that did not compute them). */
  nulls?: RctNulls;
}

/** Band shares of an RCT stage's nulls: equal-norm noise, shuffled perturbation, DCT energy of x′ − x. */
export interface RctNulls {
  noise: SharesCI | null;
  shuffled: SharesCI | null;
  energyAttack: SharesCI | null;
  energyNoise: SharesCI | null;
  /** Mean realised / requested l2 of the (clipped) noise. */
  noiseNormRatio: number | null;
}

export interface Prop1Record {
  source: Source;
  /** Per pair and channel: ||x − x′||₁ and |X₀ − X′₀|. */
  l1: ArrayLike<number>;
  dc: ArrayLike<number>;
  /** Perturbed (pair, channel) entries checked and how many broke the bound. */
  checked: number;
  /** Entries the attack left unchanged (not checks; null when the stage did not count them). */
  unperturbed: number | null;
  violations: number;
  /** Mean of |X₀ − X′₀| / ||x − x′||₁ (null when not recorded). */
  meanTightness: number | null;
}

/** A `spectra` stage: its x_r − x₀ spectrum (map, profile, shares) and the rest of Fig. 3 (`synthesis`). */
export interface SpectrumRecord {
  source: Source;
  map: Grid;
  bandProfile: ArrayLike<number>;
  shares: SharesCI | null;
  synthesis?: SynthesisDetail;
}

export interface OcclusionRecord {
  source: Source;
  classNames: string[];
  /** Mean attribution per class and band, `[classes][bands]`. */
  classProfiles: ArrayLike<number>[];
  /** Mean attribution per band over all images. */
  meanProfile: ArrayLike<number>;
  shares: SharesCI | null;
  /** Shares with band 0 (DC) left out, and the per-band label-change rate (when the stage wrote them). */
  sharesWithoutDc?: SharesCI | null;
  labelChange?: number[];
  /** Per-image attribution (`[images × bands]`, the share mass: positive part or absolute value) and the
   * dataset indices of those images, for paired comparisons between models; null when not written. */
  perImage: { rows: Float64Array; indices: Int32Array; mass: string } | null;
  /** The single-image view, when the stage wrote one. */
  single: { images: PlotImage[]; attribution: ArrayLike<number>; topBands: number[]; caption: string } | null;
}

export interface FourierRecord {
  source: Source;
  errorRate: Grid;
  eps: number | null;
}

export interface FilteredRecord {
  source: Source;
  cutoffs: ArrayLike<number>;
  lowPass: ArrayLike<number>;
  highPass: ArrayLike<number>;
}

export interface SaliencyRecord {
  source: Source;
  bandProfile: ArrayLike<number>;
}

/** A finding tested against its null, as some stage's summary wrote it (`verdicts: [...]`). */
export interface VerdictRecord {
  source: Source;
  verdict: Verdict;
}

/** Everything the report gathered, by analysis; each list may be empty (its stage not in the config). */
export interface ReportInputs {
  evaluate: EvaluateRecord[];
  attacks: AttackRecord[];
  rct: RctRecord[];
  prop1: Prop1Record[];
  spectra: SpectrumRecord[];
  occlusion: OcclusionRecord[];
  fourier: FourierRecord[];
  filtered: FilteredRecord[];
  saliency: SaliencyRecord[];
  /** Every verdict of every gathered stage, in input order. */
  verdicts: VerdictRecord[];
  /** Every gathered instance's coordinates and headline metrics (trend figures, `metrics.csv`). */
  metrics?: MetricRow[];
}

/** An empty {@link ReportInputs}. */
export function emptyInputs(): ReportInputs {
  return {
    evaluate: [],
    attacks: [],
    rct: [],
    prop1: [],
    spectra: [],
    occlusion: [],
    fourier: [],
    filtered: [],
    saliency: [],
    verdicts: [],
    metrics: [],
  };
}
