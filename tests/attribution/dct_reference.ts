/** Brute-force orthonormal 2-D DCT-II of one `[H, W, C]` image, float64 — independent of lib/dct. */
export function bruteDct(x: ArrayLike<number>, h: number, w: number, c: number): Float64Array {
  const out = new Float64Array(h * w * c);
  const a = (k: number, n: number) => Math.sqrt((k === 0 ? 1 : 2) / n);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let p = 0; p < h; p++) {
          for (let q = 0; q < w; q++) {
            s += x[(p * w + q) * c + ch] * Math.cos((Math.PI * (2 * p + 1) * i) / (2 * h)) *
              Math.cos((Math.PI * (2 * q + 1) * j) / (2 * w));
          }
        }
        out[(i * w + j) * c + ch] = a(i, h) * a(j, w) * s;
      }
    }
  }
  return out;
}

/** Brute-force inverse of {@link bruteDct} (the orthonormal DCT-III) of one `[H, W, C]` coefficient array. */
export function bruteIdct(coeffs: ArrayLike<number>, h: number, w: number, c: number): Float64Array {
  const out = new Float64Array(h * w * c);
  const a = (k: number, n: number) => Math.sqrt((k === 0 ? 1 : 2) / n);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < h; p++) {
      for (let q = 0; q < w; q++) {
        let s = 0;
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            s += a(i, h) * a(j, w) * coeffs[(i * w + j) * c + ch] *
              Math.cos((Math.PI * (2 * p + 1) * i) / (2 * h)) *
              Math.cos((Math.PI * (2 * q + 1) * j) / (2 * w));
          }
        }
        out[(p * w + q) * c + ch] = s;
      }
    }
  }
  return out;
}
