/**
 * The orthonormal 2-D DCT-II (or its inverse) of an NHWC float32 batch over (H, W) as two oneDNN matrix
 * products on raw memory (the wasm heap for the `FreqlensDct2d` kernel, a typed array for lib/dct's
 * `dct2` on float32), every image and channel in one call each, no transposes. With `L = C` forward and `L = Cᵀ` inverse (C the orthonormal DCT-II
 * matrix of lib/dct):
 * - along W, the batch viewed as rows `[N·H, W·C]` times `Lᵀ ⊗ I_C` (`[W·C, W·C]`) when C ≤ 8 (C-fold
 *   redundant work, but one large plain product), else `L_W` (broadcast) times each row's `[W, C]`;
 * - along H, `L_H` (broadcast) times each image's `[H, W·C]`.
 * Every operand is plain row-major, the layouts oneDNN's brgemm kernels take (transposed strided views
 * fall back to its reference kernel, ~1,000× slower). Float32 throughout, like
 * `scipy.fft.dctn(norm="ortho")` on float32.
 */
import { dctMatrix } from "../../dct/basis.ts";
import { loadOneDnnMatmul, type MatrixView, type OneDnnMatmul } from "./onednn_matmul.ts";
import { largeFloat32Array } from "./huge_pages.ts";

/** Channels up to which the W pass multiplies by the Kronecker product (see the module doc). */
const KRONECKER_MAX_CHANNELS = 8;

const matrices = new Map<string, Float32Array>();

/** `L` of the module doc for size n (`[n, n]` row-major), float32; cached. */
function leftFactor(n: number, inverse: boolean): Float32Array {
  const key = `${n}|${inverse}`;
  let m = matrices.get(key);
  if (!m) {
    const c = dctMatrix(n);
    m = new Float32Array(n * n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        m[k * n + i] = inverse ? c[i * n + k] : c[k * n + i];
      }
    }
    matrices.set(key, m);
  }
  return m;
}

/** `L_Wᵀ ⊗ I_C` (`[W·C, W·C]`, entry `((j, c'), (l, c)) = L[l][j]·δ(c, c')`), float32; cached. */
function kroneckerFactor(w: number, c: number, inverse: boolean): Float32Array {
  const key = `${w}|${c}|${inverse}|kron`;
  let k = matrices.get(key);
  if (!k) {
    const m = leftFactor(w, inverse);
    const wc = w * c;
    k = new Float32Array(wc * wc);
    for (let j = 0; j < w; j++) {
      for (let l = 0; l < w; l++) {
        for (let ch = 0; ch < c; ch++) k[(j * c + ch) * wc + l * c + ch] = m[l * w + j];
      }
    }
    matrices.set(key, k);
  }
  return k;
}

const view = (dims: [number, number, number], strides: [number, number, number]): MatrixView => ({
  dims,
  strides,
});

/**
 * Images per pair of matrix products: the W pass's output of one chunk (128 × 12 KiB for CIFAR) stays in
 * cache for the H pass, so the batch crosses memory once in and once out instead of twice each way.
 */
const CHUNK_IMAGES = 128;

/**
 * Separable 2-D DCT (or inverse) of NHWC float32 `[n, h, w, c]` at `x` into `y`, through `tmp` (room for
 * one chunk of {@link CHUNK_IMAGES} images; all three raw pointers to float32 memory that stays put during
 * the call).
 */
export function separableDct(
  dnn: OneDnnMatmul,
  shape: readonly [number, number, number, number],
  inverse: boolean,
  x: Deno.PointerValue,
  tmp: Deno.PointerValue,
  y: Deno.PointerValue,
): void {
  const [n, h, w, c] = shape;
  const wc = w * c;
  const plain = (b: number, rows: number, cols: number) => view([b, rows, cols], [rows * cols, cols, 1]);
  const along = c <= KRONECKER_MAX_CHANNELS
    ? { weights: Deno.UnsafePointer.of(kroneckerFactor(w, c, inverse)) }
    : { weights: Deno.UnsafePointer.of(leftFactor(w, inverse)) };
  const lh = Deno.UnsafePointer.of(leftFactor(h, inverse));
  const bytesPerImage = h * wc * 4;
  for (let start = 0; start < n; start += CHUNK_IMAGES) {
    const m = Math.min(CHUNK_IMAGES, n - start);
    const xs = Deno.UnsafePointer.offset(x!, start * bytesPerImage);
    const ys = Deno.UnsafePointer.offset(y!, start * bytesPerImage);
    if (c <= KRONECKER_MAX_CHANNELS) {
      dnn.matmul(plain(1, m * h, wc), plain(1, wc, wc), plain(1, m * h, wc), [xs, along.weights, tmp]);
    } else {
      dnn.matmul(plain(1, w, w), plain(m * h, w, c), plain(m * h, w, c), [along.weights, xs, tmp]);
    }
    dnn.matmul(plain(1, h, h), plain(m, h, wc), plain(m, h, wc), [lh, tmp, ys]);
  }
}

/** Float32 elements {@link separableDct} needs in `tmp` for an NHWC `shape`. */
export function dctScratchLength(shape: readonly [number, number, number, number]): number {
  const [n, h, w, c] = shape;
  return Math.min(n, CHUNK_IMAGES) * h * w * c;
}

let scratch: Float32Array = new Float32Array(0);

/** Orthonormal 2-D DCT (or inverse) of a float32 NHWC batch in float32 through oneDNN, into `out` when
 * given (same length, not overlapping `x`) or a new array; undefined when oneDNN is not available (the
 * caller computes it another way). The intermediate buffer is kept between calls; large new arrays go on
 * huge pages (./huge_pages.ts). */
export function nativeDct2(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  inverse: boolean,
  out?: Float32Array,
): Float32Array | undefined {
  const dnn = loadOneDnnMatmul();
  if (!dnn) return undefined;
  const y = out ?? largeFloat32Array(x.length);
  if (x.length === 0) return y;
  const need = dctScratchLength(shape);
  if (scratch.length < need) scratch = new Float32Array(need);
  const p = Deno.UnsafePointer.of;
  separableDct(dnn, shape, inverse, p(x), p(scratch), p(y));
  return y;
}
