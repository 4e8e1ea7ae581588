/**
 * The unnormalised 2-D discrete Fourier transform, for Proposition 1: for images x, x′ and their DFTs X, X′,
 * `‖x − x′‖₁ ≥ |X₀ − X′₀|` where `X₀ = Σ x` is the DC term (per channel). Definition, per image and channel:
 * `X[k, l] = Σ_{m<H, n<W} x[m, n] · exp(−2πi (k·m/H + l·n/W))` (NumPy's `fft2`, norm "backward").
 * Arrays are NHWC; results are float64.
 */
import { checkNhwc } from "./array.ts";

/** Real and imaginary parts of a 2-D DFT, NHWC `[N, H, W, C]`, float64. */
export interface Complex2d {
  re: Float64Array;
  im: Float64Array;
}

/** `cos(2π·k·m/n)` and `sin(2π·k·m/n)` tables, `[n·n]` row-major over (k, m); k·m reduced mod n. */
function twiddles(n: number): [Float64Array, Float64Array] {
  const cos = new Float64Array(n * n);
  const sin = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    for (let m = 0; m < n; m++) {
      const angle = (2 * Math.PI * ((k * m) % n)) / n;
      cos[k * n + m] = Math.cos(angle);
      sin[k * n + m] = Math.sin(angle);
    }
  }
  return [cos, sin];
}

/** Full unnormalised 2-D DFT of every image and channel of an NHWC batch (separable, O(HW(H+W))). */
export function dft2(x: ArrayLike<number>, shape: readonly number[]): Complex2d {
  const [n, h, w, c] = checkNhwc(shape, x.length);
  const re = new Float64Array(x.length);
  const im = new Float64Array(x.length);
  const [cosW, sinW] = twiddles(w);
  const [cosH, sinH] = twiddles(h);
  const tRe = new Float64Array(h * w);
  const tIm = new Float64Array(h * w);
  for (let img = 0; img < n; img++) {
    const base = img * h * w * c;
    for (let ch = 0; ch < c; ch++) {
      // Along W: T[m, l] = Σ_n x[m, n] e^{−2πi l n / W}.
      for (let m = 0; m < h; m++) {
        for (let l = 0; l < w; l++) {
          let sr = 0;
          let si = 0;
          for (let q = 0; q < w; q++) {
            const v = x[base + (m * w + q) * c + ch];
            sr += v * cosW[l * w + q];
            si -= v * sinW[l * w + q];
          }
          tRe[m * w + l] = sr;
          tIm[m * w + l] = si;
        }
      }
      // Along H: X[k, l] = Σ_m T[m, l] e^{−2πi k m / H}.
      for (let k = 0; k < h; k++) {
        for (let l = 0; l < w; l++) {
          let sr = 0;
          let si = 0;
          for (let m = 0; m < h; m++) {
            const cs = cosH[k * h + m];
            const sn = sinH[k * h + m];
            sr += tRe[m * w + l] * cs + tIm[m * w + l] * sn;
            si += tIm[m * w + l] * cs - tRe[m * w + l] * sn;
          }
          re[base + (k * w + l) * c + ch] = sr;
          im[base + (k * w + l) * c + ch] = si;
        }
      }
    }
  }
  return { re, im };
}

/** The DC term `X₀ = Σ_{m,n} x[m, n]` of every image and channel: `[N, C]` row-major, float64. */
export function dftDC(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [n, h, w, c] = checkNhwc(shape, x.length);
  const out = new Float64Array(n * c);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) out[img * c + ch] += x[(img * h * w + p) * c + ch];
    }
  }
  return out;
}

/**
 * Both sides of Proposition 1 per image and channel, `[N, C]` each: `l1 = Σ_{m,n} |x − x′|` and
 * `dcGap = |X₀ − X′₀|`; the proposition says `l1 ≥ dcGap` everywhere (triangle inequality on the DC sum).
 */
export function proposition1(x: ArrayLike<number>, xAdv: ArrayLike<number>, shape: readonly number[]): {
  l1: Float64Array;
  dcGap: Float64Array;
} {
  const [n, h, w, c] = checkNhwc(shape, x.length);
  checkNhwc(shape, xAdv.length);
  const l1 = new Float64Array(n * c);
  const diff = new Float64Array(n * c);
  for (let img = 0; img < n; img++) {
    for (let p = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++) {
        const d = x[(img * h * w + p) * c + ch] - xAdv[(img * h * w + p) * c + ch];
        l1[img * c + ch] += Math.abs(d);
        diff[img * c + ch] += d;
      }
    }
  }
  return { l1, dcGap: diff.map(Math.abs) };
}
