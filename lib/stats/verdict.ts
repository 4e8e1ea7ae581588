/**
 * A finding tested against its null model: the effect (attack, robust model…), the same statistic under
 * the null (equal-norm noise, a shuffled perturbation, an accuracy-matched natural model…) on the SAME
 * observations, and their difference with a paired percentile bootstrap interval — each resample draws
 * the observation indices once and evaluates both statistics on them. The finding is "reproduced" only
 * when the interval excludes 0 in the paper's direction, "reversed" when it excludes 0 the other way,
 * and "not reproduced" otherwise. Every stage summary that tests a claim writes a `verdicts` array of
 * {@link Verdict}s; the report collects them from any stage.
 */
import { type BootstrapOptions, bootstrapVector } from "./bootstrap.ts";

/** Which protocol a finding was measured under: freqlens' definitions or the authors' code. */
export type Protocol = "freqlens" | "authors";

/** The sign the paper predicts for effect − null. */
export type Direction = "greater" | "less";

/** The outcome of a test against a null. */
export type VerdictKind = "reproduced" | "not reproduced" | "reversed";

/** One finding against its null (the shape every `verdicts` array in a stage summary holds). */
export interface Verdict {
  /** What the paper claims, in a phrase naming the statistic and the null. */
  finding: string;
  protocol: Protocol;
  /** The statistic on the full sample. */
  effect: number;
  /** The null's statistic on the same sample. */
  null: number;
  /** effect − null with its paired bootstrap interval at `level`. */
  difference: { estimate: number; lo: number; hi: number; level: number };
  direction: Direction;
  verdict: VerdictKind;
}

/** What {@link pairedVerdict} needs besides the statistics. */
export interface VerdictSpec {
  finding: string;
  protocol: Protocol;
  direction: Direction;
}

/** The verdict of a difference interval `[lo, hi]` for the paper's `direction`. */
export function verdictOf(lo: number, hi: number, direction: Direction): VerdictKind {
  if (!(lo <= hi)) throw new RangeError(`interval [${lo}, ${hi}] is not ordered`);
  const above = lo > 0, below = hi < 0;
  if (direction === "greater") return above ? "reproduced" : below ? "reversed" : "not reproduced";
  return below ? "reproduced" : above ? "reversed" : "not reproduced";
}

/**
 * Tests a finding on n paired observations: `effect(idx)` and `nullStat(idx)` compute the statistic
 * and its null on the observations at `idx` (n indices, with repeats); the interval of their
 * difference comes from resampling the indices jointly.
 */
export function pairedVerdict(
  spec: VerdictSpec,
  n: number,
  effect: (idx: Int32Array) => number,
  nullStat: (idx: Int32Array) => number,
  options: BootstrapOptions,
): Verdict {
  const level = options.level ?? 0.95;
  const [e, z, d] = bootstrapVector(n, (idx) => {
    const a = effect(idx), b = nullStat(idx);
    return [a, b, a - b];
  }, options);
  for (const [name, v] of [["effect", e.estimate], ["null", z.estimate]] as const) {
    if (!Number.isFinite(v)) throw new RangeError(`${spec.finding}: the ${name} statistic is ${v}`);
  }
  return {
    finding: spec.finding,
    protocol: spec.protocol,
    effect: e.estimate,
    null: z.estimate,
    difference: { estimate: d.estimate, lo: d.lo, hi: d.hi, level },
    direction: spec.direction,
    verdict: verdictOf(d.lo, d.hi, spec.direction),
  };
}

/** {@link pairedVerdict} of the mean of per-observation values against the mean of their paired nulls. */
export function pairedMeanVerdict(
  spec: VerdictSpec,
  effect: ArrayLike<number>,
  nullValues: ArrayLike<number>,
  options: BootstrapOptions,
): Verdict {
  if (effect.length !== nullValues.length) {
    throw new RangeError(`${spec.finding}: ${effect.length} effects but ${nullValues.length} null values`);
  }
  const mean = (v: ArrayLike<number>) => (idx: Int32Array) => {
    let s = 0;
    for (const i of idx) s += v[i];
    return s / idx.length;
  };
  return pairedVerdict(spec, effect.length, mean(effect), mean(nullValues), options);
}
