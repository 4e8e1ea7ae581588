/**
 * The orthonormal DCT-II basis matrix, the one ingredient of every 2-D DCT in freqlens.
 *
 * `C[k][n] = α_k · cos(π (2n + 1) k / (2N))` with `α_0 = √(1/N)`, `α_k = √(2/N)` for k > 0, so `C · Cᵀ = I`:
 * the DCT of a length-N signal is `C · x` and its inverse (DCT-III) is `Cᵀ · y`. This is
 * `scipy.fft.dct(x, type=2, norm="ortho")`.
 */

const cache64 = new Map<number, Float64Array>();
const cache32 = new Map<number, Float32Array>();

/** Error for a transform size or array layout that cannot be used. */
export class DctShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DctShapeError";
  }
}

/** The N×N orthonormal DCT-II matrix, row-major (`C[k * n + i]`), float64; cached, do not mutate. */
export function dctMatrix(n: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new DctShapeError(`DCT size must be a positive integer, got ${n}`);
  let c = cache64.get(n);
  if (!c) {
    c = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const alpha = Math.sqrt((k === 0 ? 1 : 2) / n);
      for (let i = 0; i < n; i++) c[k * n + i] = alpha * Math.cos((Math.PI * (2 * i + 1) * k) / (2 * n));
    }
    cache64.set(n, c);
  }
  return c;
}

/** {@link dctMatrix} rounded to float32 (what the tfjs ops multiply by); cached, do not mutate. */
export function dctMatrix32(n: number): Float32Array {
  let c = cache32.get(n);
  if (!c) {
    c = Float32Array.from(dctMatrix(n));
    cache32.set(n, c);
  }
  return c;
}
