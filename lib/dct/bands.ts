/**
 * Frequency bands of the DCT grid and masks over them.
 *
 * Diagonal bands (the paper's): coefficient (i, j) of an H×W grid lies in band `bandOf(i, j) = i + j`, so
 * there are H + W − 1 bands (2H − 1 for square images), band 0 the DC term (top-left) and band H + W − 2 the
 * highest frequency (bottom-right). Radial bands (an option): band `⌊√(i² + j²)⌋`, so
 * `⌊√((H−1)² + (W−1)²)⌋ + 1` bands. Shell bands (the authors' code, `frequency_utils.py`): band
 * `max(i, j)`, so max(H, W) bands, square shells around the DC term (band k of a square grid holds 2k + 1
 * coefficients). Maps and masks are row-major over (i, j) and shared by all channels.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DctShapeError } from "./basis.ts";

/** The band groupings, for option schemas: anti-diagonals, rings, square shells. */
export const BAND_KINDS = ["diagonal", "radial", "shell"] as const;

/**
 * How coefficients are grouped into bands: anti-diagonals `i + j` (default), rings `⌊√(i² + j²)⌋` or
 * square shells `max(i, j)`.
 */
export type BandKind = (typeof BAND_KINDS)[number];

/** Diagonal band of DCT coefficient (i, j): `i + j`. */
export function bandOf(i: number, j: number): number {
  return i + j;
}

/** Radial band of DCT coefficient (i, j): `⌊√(i² + j²)⌋`. */
export function radialBandOf(i: number, j: number): number {
  return Math.floor(Math.sqrt(i * i + j * j));
}

/** Shell band of DCT coefficient (i, j): `max(i, j)` (the authors' occlusion bands). */
export function shellBandOf(i: number, j: number): number {
  return Math.max(i, j);
}

const BAND_OF: Record<BandKind, (i: number, j: number) => number> = {
  diagonal: bandOf,
  radial: radialBandOf,
  shell: shellBandOf,
};

function checkGrid(h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h < 1 || w < 1) {
    throw new DctShapeError(`band grid must be positive integers, got ${h}×${w}`);
  }
}

/**
 * Number of bands of an H×W grid: H + W − 1 (diagonal), `⌊√((H−1)² + (W−1)²)⌋ + 1` (radial), max(H, W)
 * (shell) — in each case the band of the last coefficient (H − 1, W − 1), plus one.
 */
export function numBands(h: number, w: number, kind: BandKind = "diagonal"): number {
  checkGrid(h, w);
  const of = BAND_OF[kind];
  if (!of) throw new DctShapeError(`unknown band kind '${kind}' (expected ${BAND_KINDS.join(", ")})`);
  return of(h - 1, w - 1) + 1;
}

/** Band index of every coefficient of an H×W grid, row-major `[H·W]`. */
export function bandMap(h: number, w: number, kind: BandKind = "diagonal"): Int32Array {
  checkGrid(h, w);
  const of = BAND_OF[kind];
  if (!of) throw new DctShapeError(`unknown band kind '${kind}' (expected ${BAND_KINDS.join(", ")})`);
  const map = new Int32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) map[i * w + j] = of(i, j);
  return map;
}

/** Number of coefficients in each band of an H×W grid (`[numBands]`; a radial band may be empty). */
export function bandSizes(h: number, w: number, kind: BandKind = "diagonal"): Int32Array {
  const sizes = new Int32Array(numBands(h, w, kind));
  for (const b of bandMap(h, w, kind)) sizes[b]++;
  return sizes;
}

function checkBands(bands: readonly number[], total: number): void {
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 0 || b >= total) {
      throw new DctShapeError(`band ${b} out of range: the grid has bands 0..${total - 1}`);
    }
  }
}

/** Row-major `[H·W]` mask, 1 on coefficients in any of `bands`, 0 elsewhere. */
export function bandMask(
  h: number,
  w: number,
  bands: number | readonly number[],
  kind: BandKind = "diagonal",
): Float32Array {
  const list = typeof bands === "number" ? [bands] : bands;
  checkBands(list, numBands(h, w, kind));
  const selected = new Set(list);
  const map = bandMap(h, w, kind);
  return Float32Array.from(map, (b) => (selected.has(b) ? 1 : 0));
}

/** Row-major `[H·W]` mask of the lowest `k` bands (band index < k); `k` = 0 gives all zeros. */
export function lowBandMask(h: number, w: number, k: number, kind: BandKind = "diagonal"): Float32Array {
  const total = numBands(h, w, kind);
  if (!Number.isInteger(k) || k < 0 || k > total) {
    throw new DctShapeError(`number of low bands must be in 0..${total}, got ${k}`);
  }
  return Float32Array.from(bandMap(h, w, kind), (b) => (b < k ? 1 : 0));
}

/** A `[H·W]` mask as a `[1, H, W, 1]` tensor that broadcasts over an NHWC batch of coefficients (caller disposes). */
export function maskTensor(mask: Float32Array, h: number, w: number): tf.Tensor4D {
  if (mask.length !== h * w) {
    throw new DctShapeError(`mask has ${mask.length} entries, grid ${h}×${w} needs ${h * w}`);
  }
  return tf.tensor4d(mask, [1, h, w, 1]);
}

/** {@link bandMask} as a `[1, H, W, 1]` tensor (broadcasts over an NHWC batch; caller disposes). */
export function bandMaskTensor(
  h: number,
  w: number,
  bands: number | readonly number[],
  kind: BandKind = "diagonal",
): tf.Tensor4D {
  return maskTensor(bandMask(h, w, bands, kind), h, w);
}
