/**
 * The orthonormal 2-D DCT-II (or its inverse) of an NHWC float32 batch over (H, W) as oneDNN matrix
 * products on raw memory (the wasm heap for the `FreqlensDct2d` kernel, a typed array for lib/dct's
 * `dct2` on float32), a chunk of images per call. With `L = C` forward and `L = Cᵀ` inverse (C the
 * orthonormal DCT-II matrix of lib/dct), three ways ({@link DctPath}), each row-major operands oneDNN's
 * fast kernels take:
 * - `kronecker` (C ≤ 8 where oneDNN's matmul runs on brgemm, and C = 1 always): along W, the rows
 *   `[N·H, W·C]` times `Lᵀ ⊗ I_C` (`[W·C, W·C]`: C-fold redundant work, one large plain product); along H,
 *   `L_H` (broadcast) times each image's `[H, W·C]`;
 * - `transposed-source` (2 ≤ C ≤ 8 where it runs on its gemm kernel, i.e. AVX2 and older): each image read
 *   as the transposed source `[W·C, H]` times `L_Hᵀ` (gemm reads a transposed operand in place; brgemm first
 *   copies it, which is why that ISA keeps the Kronecker), giving `[W, C, H]`, read the same way times `L_Wᵀ`
 *   into `[C, H, W]`, and one oneDNN reorder back to `[H, W, C]`: no redundant work, and 36 % less time
 *   than the Kronecker under `ONEDNN_MAX_CPU_ISA=AVX2` (37 % under SSE4.1) on this project's VM;
 * - `channels-last` (C > 8): `L_W` (broadcast) times each row's `[W, C]`, then the H pass as above.
 * Float32 throughout, like `scipy.fft.dctn(norm="ortho")` on float32.
 */
import { dctMatrix } from "../../dct/basis.ts";
import { loadOneDnnMatmul, type MatrixView, type OneDnnMatmul } from "./onednn_matmul.ts";
import { largeFloat32Array } from "./huge_pages.ts";

/** Channels up to which the W pass multiplies by a Kronecker product or reads transposed images (see the
 * module doc); above, the images' `[W, C]` rows are wide enough for a plain product. */
const SMALL_CHANNELS = 8;

/** How {@link separableDct} multiplies (see the module doc). */
export type DctPath = "kronecker" | "transposed-source" | "channels-last";

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

/** The batch, rows and columns of an image `[h, w·c]` read transposed (`[w·c, h]`), `m` images. */
const transposedImages = (m: number, rows: number, cols: number): MatrixView =>
  view([m, cols, rows], [rows * cols, 1, cols]);

/** The {@link DctPath} for `shape` with this oneDNN: what the module doc says, the matmul implementation
 * oneDNN reports for a transposed source deciding between the two small-channel paths. */
export function dctPath(dnn: OneDnnMatmul, shape: readonly [number, number, number, number]): DctPath {
  const [n, h, w, c] = shape;
  if (c > SMALL_CHANNELS) return "channels-last";
  if (c === 1) return "kronecker";
  const m = Math.min(n, CHUNK_IMAGES);
  const impl = dnn.implementation(transposedImages(m, h, w * c), plainView(1, h, h), plainView(m, w * c, h));
  return impl.startsWith("brg") ? "kronecker" : "transposed-source";
}

const plainView = (b: number, rows: number, cols: number) => view([b, rows, cols], [rows * cols, cols, 1]);

/**
 * Separable 2-D DCT (or inverse) of NHWC float32 `[n, h, w, c]` at `x` into `y` by `path` (default
 * {@link dctPath}), through `tmp` (room for {@link dctScratchLength} floats; all three raw pointers to
 * float32 memory that stays put during the call).
 */
export function separableDct(
  dnn: OneDnnMatmul,
  shape: readonly [number, number, number, number],
  inverse: boolean,
  x: Deno.PointerValue,
  tmp: Deno.PointerValue,
  y: Deno.PointerValue,
  path: DctPath = dctPath(dnn, shape),
): void {
  const [n, h, w, c] = shape;
  const wc = w * c;
  const image = h * wc;
  const plain = plainView;
  const lh = Deno.UnsafePointer.of(leftFactor(h, inverse));
  const weightsW = path === "kronecker"
    ? Deno.UnsafePointer.of(kroneckerFactor(w, c, inverse))
    : Deno.UnsafePointer.of(leftFactor(w, path === "transposed-source" ? !inverse : inverse));
  const lhT = Deno.UnsafePointer.of(leftFactor(h, !inverse));
  const second = Deno.UnsafePointer.offset(tmp!, Math.min(n, CHUNK_IMAGES) * image * 4);
  for (let start = 0; start < n; start += CHUNK_IMAGES) {
    const m = Math.min(CHUNK_IMAGES, n - start);
    const xs = Deno.UnsafePointer.offset(x!, start * image * 4);
    const ys = Deno.UnsafePointer.offset(y!, start * image * 4);
    if (path === "transposed-source") {
      // [h, w, c] read as [w·c, h] times L_Hᵀ → [w, c, h'] read as [c·h', w] times L_Wᵀ → [c, h', w'].
      dnn.matmul(transposedImages(m, h, wc), plain(1, h, h), plain(m, wc, h), [xs, lhT, tmp]);
      dnn.matmul(transposedImages(m, w, c * h), plain(1, w, w), plain(m, c * h, w), [tmp, weightsW, second]);
      const planar = { dims: [m, h, w, c], strides: [image, w, 1, h * w] };
      dnn.copy(planar, { dims: [m, h, w, c], strides: [image, wc, c, 1] }, [second, ys]);
      continue;
    }
    if (path === "kronecker") {
      dnn.matmul(plain(1, m * h, wc), plain(1, wc, wc), plain(1, m * h, wc), [xs, weightsW, tmp]);
    } else {
      dnn.matmul(plain(1, w, w), plain(m * h, w, c), plain(m * h, w, c), [weightsW, xs, tmp]);
    }
    dnn.matmul(plain(1, h, h), plain(m, h, wc), plain(m, h, wc), [lh, tmp, ys]);
  }
}

/** Float32 elements {@link separableDct} needs in `tmp` for an NHWC `shape` (two chunks of images). */
export function dctScratchLength(shape: readonly [number, number, number, number]): number {
  const [n, h, w, c] = shape;
  return 2 * Math.min(n, CHUNK_IMAGES) * h * w * c;
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
