/**
 * The Occluded Frequency finding against its null: a robust model's low-third share of OF attribution
 * minus that of a comparison model (the natural model, or a natural model stopped at the robust models'
 * clean accuracy) on the same images, with a paired bootstrap over images — with the DC term (band 0)
 * and without it, since the DC share alone can carry most of a low-third share.
 */
import {
  bandShares,
  columnMeans,
  deriveSeed,
  pairedVerdict,
  type Protocol,
  type Verdict,
} from "../stats/mod.ts";
import type { ShareMass } from "./derived.ts";
import { AttributionError } from "./types.ts";

/** Options of {@link ofContrastVerdicts}. */
export interface OfContrastOptions {
  protocol: Protocol;
  /** Names of the two models in the findings' text. */
  effectName: string;
  nullName: string;
  /** How signed attributions become share mass (default `positive`). */
  mass?: ShareMass;
  seed: number;
  resamples?: number;
  level?: number;
}

function massRows(scores: ArrayLike<number>, mass: ShareMass, dropDc: boolean, bands: number): Float64Array {
  return Float64Array.from(
    scores,
    (v, i) => dropDc && i % bands === 0 ? 0 : mass === "positive" ? Math.max(0, v) : Math.abs(v),
  );
}

/**
 * Verdicts "low-third share of OF attribution, effect − null" on N images attributed by both models
 * (`[N, bands]` each, the same images in the same order): with every band, then with band 0 left out
 * (its mass set to 0, the thirds unchanged). Direction: greater (the paper: robust models lean more on
 * the low frequencies).
 */
export function ofContrastVerdicts(
  effect: ArrayLike<number>,
  nullScores: ArrayLike<number>,
  shape: readonly [number, number],
  options: OfContrastOptions,
): Verdict[] {
  const [n, bands] = shape;
  if (effect.length !== n * bands || nullScores.length !== n * bands) {
    throw new AttributionError(
      `OF contrast needs two [${n}, ${bands}] attributions, got ${effect.length} and ${nullScores.length} values`,
    );
  }
  const mass = options.mass ?? "positive";
  return [false, true].map((dropDc) => {
    const a = massRows(effect, mass, dropDc, bands), b = massRows(nullScores, mass, dropDc, bands);
    const low = (rows: Float64Array) => (idx: Int32Array) => {
      const profile = columnMeans(rows, bands, idx);
      return profile.some((v) => v > 0) ? bandShares(profile).low : 0;
    };
    const what = dropDc ? "OF low-third share without band 0 (DC)" : "OF low-third share";
    return pairedVerdict(
      {
        finding: `${what}: ${options.effectName} − ${options.nullName}`,
        protocol: options.protocol,
        direction: "greater",
      },
      n,
      low(a),
      low(b),
      {
        seed: deriveSeed(options.seed, dropDc ? "without dc" : "with dc"),
        resamples: options.resamples,
        level: options.level,
      },
    );
  });
}
