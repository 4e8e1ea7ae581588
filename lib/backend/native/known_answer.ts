/**
 * Known-answer check of oneDNN's convolutions, run once when the native kernels are first asked for: the
 * forward pass and both backward passes (data, weights) on a few small geometries whose kernel paths
 * differ (3×3 stride 2 on odd sizes, 1×1 stride 2, 7×7 stride 2 pad 3, channel counts off and on oneDNN's
 * 8/16 blocks), against plain JavaScript loops accumulating in float64. oneDNN picks its kernels by the CPU
 * (`jit:avx2`, `jit:avx512_core`, `x64:gemm:jit` …), so a faulty one shows on some machines only; a
 * mismatch here makes freqlens run without native kernels rather than compute wrong numbers.
 */
import type { ConvPass, ConvShape, OneDnn } from "./onednn.ts";

/** The geometries checked: `[batch, height, width, inChannels, outChannels, kernel, stride, pad]`. */
const CASES: [number, number, number, number, number, number, number, number][] = [
  [3, 7, 9, 5, 6, 3, 2, 1],
  [1, 9, 7, 16, 32, 1, 2, 0],
  [1, 11, 11, 3, 8, 7, 2, 3],
  [1, 5, 5, 16, 16, 3, 1, 1],
];

const PASSES: ConvPass[] = ["forward", "backwardData", "backwardWeights"];

/** Symmetric-padded square convolution geometry in tfjs' `Conv2DInfo` form. */
export function convShape(
  n: number,
  h: number,
  w: number,
  ci: number,
  co: number,
  k: number,
  stride: number,
  pad: number,
): ConvShape {
  return {
    batchSize: n,
    inHeight: h,
    inWidth: w,
    inChannels: ci,
    outHeight: Math.floor((h + 2 * pad - k) / stride) + 1,
    outWidth: Math.floor((w + 2 * pad - k) / stride) + 1,
    outChannels: co,
    filterHeight: k,
    filterWidth: k,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: 1,
    dilationWidth: 1,
    padInfo: { top: pad, left: pad, bottom: pad, right: pad },
  };
}

/** Deterministic values in [-1, 1] (a fixed quadratic sequence; no generator state). */
function values(n: number, salt: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i * 7919 + salt * 104729) % 2003) / 1001.5) - 1);
}

/**
 * One convolution pass by direct loops over NHWC activations and HWIO filters, accumulating in float64:
 * forward `y = conv(x, w)`, backwardData `dx = convᵀ(dy, w)`, backwardWeights `dw = corr(x, dy)`.
 */
export function referenceConv(
  pass: ConvPass,
  g: ConvShape,
  x: Float32Array,
  w: Float32Array,
  dy: Float32Array,
): Float64Array {
  const { inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW, outChannels: CO } = g;
  const size = pass === "forward" ? dy.length : pass === "backwardData" ? x.length : w.length;
  const out = new Float64Array(size);
  const forward = pass === "forward", data = pass === "backwardData";
  for (let n = 0; n < g.batchSize; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        for (let kh = 0; kh < g.filterHeight; kh++) {
          const ih = oh * g.strideHeight - g.padInfo.top + kh * g.dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < g.filterWidth; kw++) {
            const iw = ow * g.strideWidth - g.padInfo.left + kw * g.dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const x0 = ((n * H + ih) * W + iw) * CI, w0 = (kh * g.filterWidth + kw) * CI * CO;
            const y0 = ((n * OH + oh) * OW + ow) * CO;
            for (let ci = 0; ci < CI; ci++) {
              const wc = w0 + ci * CO;
              if (forward) { for (let co = 0; co < CO; co++) out[y0 + co] += x[x0 + ci] * w[wc + co]; }
              else if (data) { for (let co = 0; co < CO; co++) out[x0 + ci] += dy[y0 + co] * w[wc + co]; }
              else for (let co = 0; co < CO; co++) out[wc + co] += x[x0 + ci] * dy[y0 + co];
            }
          }
        }
      }
    }
  }
  return out;
}

/** Largest |got − want| / (1 + max |want|). */
function scaledError(got: Float32Array, want: Float64Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return diff / (1 + scale);
}

/**
 * Runs every checked pass through `dnn` and the reference; returns undefined when all agree within
 * `tolerance` (scaled as above; float32 rounding is ~1e-6 here, a wrong index or tap is O(1)), else a
 * sentence naming the first kernel that disagrees and its geometry.
 */
export function knownAnswerFailure(dnn: OneDnn, tolerance = 1e-4): string | undefined {
  for (const [i, c] of CASES.entries()) {
    const g = convShape(...c);
    const x = values(g.batchSize * g.inHeight * g.inWidth * g.inChannels, 3 * i + 1);
    const w = values(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, 3 * i + 2);
    const dy = values(g.batchSize * g.outHeight * g.outWidth * g.outChannels, 3 * i + 3);
    for (const pass of PASSES) {
      const got = new Float32Array(
        pass === "forward" ? dy.length : pass === "backwardData" ? x.length : w.length,
      );
      const ptrs = pass === "forward" ? [x, w, got] : pass === "backwardData" ? [got, w, dy] : [x, got, dy];
      let err: number;
      try {
        dnn.conv(pass, g, ptrs.map((a) => Deno.UnsafePointer.of(a)));
        err = scaledError(got, referenceConv(pass, g, x, w, dy));
      } catch (e) {
        return `oneDNN convolution ${pass} failed on ${describe(c)}: ${(e as Error).message}`;
      }
      if (!(err <= tolerance)) {
        return `oneDNN convolution ${pass} (${dnn.implementation(pass, g)}, ${dnn.isa}) is wrong on ${
          describe(c)
        }: scaled error ${err.toExponential(2)} against the JavaScript reference`;
      }
    }
  }
  return undefined;
}

function describe([n, h, w, ci, co, k, s, p]: number[]): string {
  return `x[${n},${h},${w},${ci}] filter ${k}×${k}×${ci}→${co} stride ${s} pad ${p}`;
}
