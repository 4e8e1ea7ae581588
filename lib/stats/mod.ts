/**
 * Statistics shared by every analysis: the seeded PRNG (xoshiro128**, Box–Muller normals), percentile
 * bootstrap intervals, low / middle / high band shares with intervals over images, and verdicts of
 * findings against their null models (paired bootstrap of the difference).
 */
export { deriveSeed, Rng } from "./rng.ts";
export {
  bootstrapColumnMeansCI,
  bootstrapMeanCI,
  type BootstrapOptions,
  bootstrapVector,
  columnMeans,
  type Interval,
  quantileSorted,
} from "./bootstrap.ts";
export {
  type BandShares,
  bandShares,
  type BandSharesCI,
  bandSharesCI,
  thirdOf,
  thirdSizes,
} from "./shares.ts";
export {
  type Direction,
  pairedMeanVerdict,
  pairedVerdict,
  type Protocol,
  type Verdict,
  type VerdictKind,
  verdictOf,
  type VerdictSpec,
} from "./verdict.ts";
