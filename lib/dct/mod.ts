/**
 * The DCT working transform of freqlens: orthonormal 2-D DCT-II and inverse over NHWC batches (typed arrays
 * and differentiable tfjs ops), frequency bands (i + j anti-diagonals, radial or max(i, j) shells) and masks, per-band
 * energy and profiles, band projectors, and the unnormalised 2-D DFT for Proposition 1.
 */
export { dctMatrix, dctMatrix32, DctShapeError } from "./basis.ts";
export { checkNhwc, dct2, dct2Into, type FloatArray, idct2, idct2Into, type Nhwc } from "./array.ts";
export { dct2d, DCT2D_KERNEL, idct2d } from "./tensor.ts";
export {
  BAND_KINDS,
  type BandKind,
  bandMap,
  bandMask,
  bandMaskTensor,
  bandOf,
  bandSizes,
  lowBandMask,
  maskTensor,
  numBands,
  radialBandOf,
  shellBandOf,
} from "./bands.ts";
export { bandEnergy, bandProfile, bandReduce, type BandReduceOptions, meanOverImages } from "./energy.ts";
export { lowBandProject, lowBandProjectTensor, projectBands, projectBandsTensor } from "./project.ts";
export { type Complex2d, dft2, dftDC, proposition1 } from "./dft.ts";
