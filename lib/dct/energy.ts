/**
 * Per-band summaries of DCT-domain arrays: band energy of coefficients and mean-per-band profiles of maps
 * such as the RCT map. Input is NHWC (a batch of coefficient grids, or of any per-coefficient map); every
 * channel's coefficient (i, j) counts towards band `bandMap(H, W)[i·W + j]`.
 */
import { type BandKind, bandMap, numBands } from "./bands.ts";
import { checkNhwc, type FloatArray } from "./array.ts";

/** Options of the band reductions. */
export interface BandReduceOptions {
  /** Band grouping (default `diagonal`: band = i + j). */
  kind?: BandKind;
}

/**
 * Reduces an NHWC array per image and band: `reduce: "sum"` adds the values of each band (over its
 * coefficients and all channels), `"mean"` divides by the number of values in the band (coefficients ×
 * channels; an empty radial band gives 0). Returns `[N, B]` row-major, float64.
 */
export function bandReduce(
  values: ArrayLike<number>,
  shape: readonly number[],
  reduce: "sum" | "mean",
  options: BandReduceOptions = {},
): Float64Array {
  const [n, h, w, c] = checkNhwc(shape, values.length);
  const kind = options.kind ?? "diagonal";
  const map = bandMap(h, w, kind);
  const nb = numBands(h, w, kind);
  const out = new Float64Array(n * nb);
  const counts = new Float64Array(nb);
  for (const b of map) counts[b] += c;
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let p = 0; p < h * w; p++) {
      let s = 0;
      for (let ch = 0; ch < c; ch++) s += values[base + p * c + ch];
      out[img * nb + map[p]] += s;
    }
    if (reduce === "mean") {
      for (let b = 0; b < nb; b++) out[img * nb + b] = counts[b] > 0 ? out[img * nb + b] / counts[b] : 0;
    }
  }
  return out;
}

/**
 * Energy per image and band of DCT coefficients: `E[n, b] = Σ_{(i,j) in b, c} Y[n,i,j,c]²` (`[N, B]`).
 * By orthonormality the energies of an image sum to its pixel energy `Σ x²` (Parseval).
 */
export function bandEnergy(
  coeffs: FloatArray,
  shape: readonly number[],
  options: BandReduceOptions = {},
): Float64Array {
  const sq = new Float64Array(coeffs.length);
  for (let i = 0; i < coeffs.length; i++) sq[i] = coeffs[i] * coeffs[i];
  return bandReduce(sq, shape, "sum", options);
}

/**
 * Mean-per-band profile of a per-coefficient map (e.g. an RCT map `[H, W, C]`, passed as shape
 * `[1, H, W, C]`, or a batch): the mean of the values in each band, `[N, B]`.
 */
export function bandProfile(
  values: ArrayLike<number>,
  shape: readonly number[],
  options: BandReduceOptions = {},
): Float64Array {
  return bandReduce(values, shape, "mean", options);
}

/** Averages `[N, B]` rows into one `[B]` profile (the mean over images). */
export function meanOverImages(rows: Float64Array, n: number): Float64Array {
  if (n < 1 || rows.length % n !== 0) {
    throw new RangeError(`cannot split ${rows.length} values into ${n} rows`);
  }
  const nb = rows.length / n;
  const out = new Float64Array(nb);
  for (let i = 0; i < n; i++) for (let b = 0; b < nb; b++) out[b] += rows[i * nb + b] / n;
  return out;
}
