/**
 * The RCT finding against its nulls, on the same image pairs: the RCT band shares of equal-norm noise
 * and of the shuffled perturbation (lib/analysis/nulls.ts), the band shares of the perturbation's own DCT
 * energy beside the noise's, and one {@link Verdict} per comparison — the high-third share of the
 * attack minus that of the null, with a paired bootstrap over images ("reproduced" when the interval is
 * above 0: the attack is more high-frequency than a perturbation of the same size without structure).
 */
import type { BandKind } from "../dct/mod.ts";
import {
  bandShares,
  type BandSharesCI,
  type BootstrapOptions,
  deriveSeed,
  pairedVerdict,
  type Protocol,
  type Verdict,
} from "../stats/mod.ts";
import { equalNormNoise, perturbationEnergyRows, shuffledPerturbation } from "./nulls.ts";
import {
  type BandRows,
  type ImagePairs,
  pooledProfile,
  pooledSharesCI,
  type RctAnalysis,
  rctAnalysis,
  type RctVariant,
} from "./rct.ts";

/** Options of {@link rctNullComparison}: the RCT's own options and the nulls'. */
export interface RctNullOptions {
  variant: RctVariant;
  floor: number | null;
  bandKind: BandKind;
  /** Seed of the nulls' draws and of the bootstraps (each derives its own stream). */
  seed: number;
  /** Clip the noise null to [0, 1] (default true). */
  clipNoise?: boolean;
  resamples?: number;
  level?: number;
  protocol: Protocol;
  /** The attack's name in the findings' text (default "attack"). */
  name?: string;
}

/** Everything {@link rctNullComparison} computes beside the attack's own RCT. */
export interface RctNullComparison {
  noise: { shares: BandSharesCI | null; excluded: number; meanNormRatio: number };
  shuffled: { shares: BandSharesCI | null; excluded: number };
  energy: { attack: BandSharesCI | null; noise: BandSharesCI | null };
  verdicts: Verdict[];
}

/** High-third share of the pooled profile of the images at `idx` (0 when that profile is all zero). */
export function highShareOf(rows: BandRows): (idx: ArrayLike<number>) => number {
  return (idx) => {
    const profile = pooledProfile(rows, idx);
    return profile.some((v) => v > 0) ? bandShares(profile).high : 0;
  };
}

function sharesOrNull(rows: BandRows, options: BootstrapOptions): BandSharesCI | null {
  return rows.sums.some((v) => v > 0) && rows.bands >= 3 ? pooledSharesCI(rows, options) : null;
}

/**
 * The nulls of `attack` (the RCT analysis of `pairs` under the same options) and the verdicts of the
 * attack against each: RCT high-third share vs equal-norm noise and vs the shuffled perturbation, and
 * DCT-energy high-third share vs equal-norm noise.
 */
export function rctNullComparison(
  pairs: ImagePairs,
  attack: RctAnalysis,
  options: RctNullOptions,
): RctNullComparison {
  const n = pairs.shape[0];
  const boot = (label: string): BootstrapOptions => ({
    seed: deriveSeed(options.seed, label),
    resamples: options.resamples,
    level: options.level,
  });
  const rct = { variant: options.variant, floor: options.floor, bandKind: options.bandKind };
  const noisePairs = equalNormNoise(pairs, deriveSeed(options.seed, "noise"), { clip: options.clipNoise });
  const shuffledPairs = shuffledPerturbation(pairs, deriveSeed(options.seed, "shuffle"));
  const noise = rctAnalysis(noisePairs, { ...rct, bootstrap: boot("noise shares") });
  const shuffled = rctAnalysis(shuffledPairs, { ...rct, bootstrap: boot("shuffle shares") });
  const attackEnergy = perturbationEnergyRows(pairs, options.bandKind);
  const noiseEnergy = perturbationEnergyRows(noisePairs, options.bandKind);
  let ratio = 0;
  for (let i = 0; i < n; i++) {
    ratio += (noisePairs.requested[i] > 0 ? noisePairs.realised[i] / noisePairs.requested[i] : 1) / n;
  }
  const spec = (finding: string) => ({ finding, protocol: options.protocol, direction: "greater" as const });
  const name = options.name ?? "attack";
  const verdicts = [
    pairedVerdict(
      spec(`RCT high-third share: ${name} − equal-norm noise`),
      n,
      highShareOf(attack.rows),
      highShareOf(noise.rows),
      boot("verdict noise"),
    ),
    pairedVerdict(
      spec(`RCT high-third share: ${name} − its shuffled perturbation`),
      n,
      highShareOf(attack.rows),
      highShareOf(shuffled.rows),
      boot("verdict shuffle"),
    ),
    pairedVerdict(
      spec(`DCT-energy high-third share of x′ − x: ${name} − equal-norm noise`),
      n,
      highShareOf(attackEnergy),
      highShareOf(noiseEnergy),
      boot("verdict energy"),
    ),
  ];
  return {
    noise: { shares: noise.shares, excluded: noise.excluded, meanNormRatio: ratio },
    shuffled: { shares: shuffled.shares, excluded: shuffled.excluded },
    energy: {
      attack: sharesOrNull(attackEnergy, boot("energy attack")),
      noise: sharesOrNull(noiseEnergy, boot("energy noise")),
    },
    verdicts,
  };
}
