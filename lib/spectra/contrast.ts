/**
 * Paired contrast of two synthesized sets made from the same (start, target) pairs (the paper's Fig. 3 as a
 * test against its null): the difference in one third's share of the mean |ΔDCT| band profile between a
 * subject set (a robust model's) and a reference set (the natural model's), with a bootstrap interval that
 * resamples the pairs jointly for both, and the verdict that interval gives in the paper's direction.
 */
import { bandShares, type BootstrapOptions, bootstrapVector, columnMeans } from "../stats/mod.ts";
import { SpectrumError } from "./difference_spectrum.ts";

/** A difference with its percentile interval and the interval's coverage. */
export interface PairedDifference {
  estimate: number;
  lo: number;
  hi: number;
  level: number;
}

/** Outcome of a finding tested against its null: the interval excludes 0 in the paper's direction
 * (`reproduced`), in the other one (`reversed`), or not at all (`not reproduced`). */

/** The share of the subject's and the reference's mean profile in `part`, and their paired difference. */
export interface ShareContrast {
  /** Subject's share (full sample). */
  effect: number;
  /** Reference's share on the same pairs (full sample). */
  null: number;
  /** Subject − reference, paired bootstrap interval. */
  difference: PairedDifference;
}

/** Options of {@link pairedShareContrast}. */
export interface ShareContrastOptions extends BootstrapOptions {
  /** Which third's share to compare; default `low`. */
  part?: "low" | "middle" | "high";
}

/**
 * Paired bootstrap of `share(mean subject profile) − share(mean reference profile)` over N pairs; both row
 * sets are `[N, B]` row-major band profiles of the same pairs in the same order. Each resample draws N
 * pair indices once and uses them for both sets.
 */
export function pairedShareContrast(
  reference: ArrayLike<number>,
  subject: ArrayLike<number>,
  n: number,
  options: ShareContrastOptions,
): ShareContrast {
  if (!Number.isInteger(n) || n < 1 || reference.length !== subject.length || reference.length % n !== 0) {
    throw new SpectrumError(
      `paired profiles need two [${n}, B] arrays, got ${reference.length} and ${subject.length} values`,
    );
  }
  const part = options.part ?? "low";
  const bands = reference.length / n;
  const shareOf = (rows: ArrayLike<number>, idx: ArrayLike<number>) =>
    bandShares(columnMeans(rows, bands, idx))[part];
  const [d] = bootstrapVector(n, (idx) => [shareOf(subject, idx) - shareOf(reference, idx)], options);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  return {
    effect: shareOf(subject, all),
    null: shareOf(reference, all),
    difference: { ...d, level: options.level ?? 0.95 },
  };
}

/** The (start, target) pairs of a synthesized set: split indices of each target and of its start image. */
export interface SynthesisPairs {
  split: string;
  targets: ArrayLike<number>;
  starts: ArrayLike<number>;
}

/**
 * Throws a {@link SpectrumError} naming the first difference unless `a` and `b` are the same pairs in the
 * same order (same split, same targets, same starts) — the condition for a paired comparison.
 */
export function assertSamePairs(a: SynthesisPairs, b: SynthesisPairs, names: [string, string]): void {
  const where = `${names[0]} vs ${names[1]}`;
  if (a.split !== b.split) throw new SpectrumError(`${where}: splits differ (${a.split} vs ${b.split})`);
  if (a.targets.length !== b.targets.length || a.starts.length !== b.starts.length) {
    throw new SpectrumError(`${where}: ${a.targets.length} vs ${b.targets.length} pairs`);
  }
  for (let i = 0; i < a.targets.length; i++) {
    if (a.targets[i] !== b.targets[i] || a.starts[i] !== b.starts[i]) {
      throw new SpectrumError(
        `${where}: pair ${i} differs (target ${a.targets[i]} / start ${a.starts[i]} vs target ${
          b.targets[i]
        } / start ${b.starts[i]}); synthesize both with the same limit, select_seed and pair_seed`,
      );
    }
  }
}
