/**
 * Statistics shared by every analysis: the seeded PRNG (xoshiro128**, Box–Muller normals), percentile
 * bootstrap intervals, and low / middle / high band shares with intervals over images.
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
