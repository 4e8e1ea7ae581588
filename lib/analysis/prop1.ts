/**
 * Proposition 1 on image pairs: for every perturbation, `‖x − x′‖₁ ≥ |X₀ − X′₀|` per channel, where X is
 * the unnormalised 2-D DFT and X₀ = Σ pixels its DC term. The bound says a perturbation with a small l1
 * norm cannot move the DC (lowest-frequency) term much; its tightness `|X₀ − X′₀| / ‖x − x′‖₁` (1 when
 * every pixel moves in the same direction, near 0 when the changes cancel) says how much of the
 * perturbation's mass is "DC-like".
 */
import { proposition1 } from "../dct/mod.ts";
import { quantileSorted } from "../stats/mod.ts";
import type { ImagePairs } from "./rct.ts";

/** Relative slack allowed for float64 rounding when deciding that the bound holds. */
export const PROP1_TOLERANCE = 1e-9;

/** Per pair and channel (`[N, C]` row-major): both sides of the bound and whether it holds. */
export interface Prop1Check {
  /** `‖x − x′‖₁` per channel. */
  l1: Float64Array;
  /** `|X₀ − X′₀|` per channel. */
  dcDiff: Float64Array;
  /** 1 where `l1 + tol·max(1, l1) ≥ dcDiff`. */
  holds: Uint8Array;
}

/** Checks Proposition 1 on every pair and channel (sums in float64). */
export function prop1Check(pairs: ImagePairs): Prop1Check {
  const { l1, dcGap } = proposition1(pairs.clean, pairs.adversarial, pairs.shape);
  const holds = Uint8Array.from(l1, (v, i) => (v + PROP1_TOLERANCE * Math.max(1, v) >= dcGap[i] ? 1 : 0));
  return { l1, dcDiff: dcGap, holds };
}

/** Summary of a {@link Prop1Check}: does the bound hold everywhere, its least slack, and its tightness. */
export interface Prop1Summary {
  pairs: number;
  channels: number;
  /** (pair, channel) entries the attack changed (`‖x − x′‖₁ > 0`): the ones the check is about. */
  perturbed: number;
  /** Entries left unchanged (the bound holds there trivially, 0 ≥ 0); not counted as checks. */
  unperturbed: number;
  holdsAll: boolean;
  /** Perturbed entries where the bound fails. */
  violations: number;
  /** Least `l1 − dcDiff` over pairs and channels. */
  minSlack: number;
  /** `dcDiff / l1` over entries with `l1 > 0` (0 ≤ t ≤ 1 when the bound holds). */
  tightness: { count: number; mean: number; median: number; min: number; max: number; p90: number } | null;
}

/**
 * Summarises a check of `n` pairs × `c` channels over the perturbed entries only (an unperturbed entry
 * satisfies the bound as 0 ≥ 0 and says nothing); their number is reported beside.
 */
export function prop1Summary(check: Prop1Check, n: number, c: number): Prop1Summary {
  let minSlack = Infinity;
  const ratios: number[] = [];
  for (let i = 0; i < check.l1.length; i++) {
    minSlack = Math.min(minSlack, check.l1[i] - check.dcDiff[i]);
    if (check.l1[i] > 0) ratios.push(check.dcDiff[i] / check.l1[i]);
  }
  let violations = 0;
  for (let i = 0; i < check.l1.length; i++) if (check.l1[i] > 0 && !check.holds[i]) violations++;
  const sorted = Float64Array.from(ratios).sort();
  const tightness = sorted.length === 0 ? null : {
    count: sorted.length,
    mean: sorted.reduce((a, v) => a + v, 0) / sorted.length,
    median: quantileSorted(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    p90: quantileSorted(sorted, 0.9),
  };
  return {
    pairs: n,
    channels: c,
    perturbed: ratios.length,
    unperturbed: check.l1.length - ratios.length,
    holdsAll: violations === 0,
    violations,
    minSlack,
    tightness,
  };
}
