/**
 * Random convolution geometries for kernel tests (odd sizes, strides, padding modes, 1×1 to 5×5 filters),
 * drawn from fixed seeds so failures reproduce.
 */
import * as tf from "@tensorflow/tfjs-core";
import { seededInt } from "./helpers.ts";

/** One convolution case. */
export interface ConvCase {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: [number, number];
  dilation: [number, number];
  pad: "same" | "valid";
  outShape: [number, number, number, number];
}

/** `count` cases from `seed`; dilation > 1 only when `dilated` (tfjs differentiates only dilation 1). */
export function convCases(count: number, seed: number, dilated = false): ConvCase[] {
  const cases: ConvCase[] = [];
  for (let i = 0; cases.length < count; i++) {
    const r = (k: number, lo: number, hi: number) => seededInt(seed * 1000 + i * 17 + k, lo, hi);
    const kh = r(1, 1, 5), kw = r(2, 1, 4);
    const stride: [number, number] = [r(3, 1, 3), r(4, 1, 2)];
    const dilation: [number, number] = dilated && stride[0] === 1 && stride[1] === 1
      ? [r(5, 1, 3), r(6, 1, 2)]
      : [1, 1];
    const pad = r(7, 0, 1) ? "same" : "valid";
    const h = r(8, kh * dilation[0], 13), w = r(9, kw * dilation[1], 12);
    const c: Omit<ConvCase, "outShape"> = {
      n: r(10, 1, 3),
      h,
      w,
      ci: r(11, 1, 7),
      co: r(12, 1, 6),
      kh,
      kw,
      stride,
      dilation,
      pad,
    };
    const info = tf.backend_util.computeConv2DInfo(
      [c.n, h, w, c.ci],
      [kh, kw, c.ci, c.co],
      stride,
      dilation,
      pad,
    );
    if (info.outHeight < 1 || info.outWidth < 1) continue;
    cases.push({ ...c, outShape: info.outShape as [number, number, number, number] });
  }
  return cases;
}

/** Human-readable label of a case, for assertion messages. */
export function label(c: ConvCase): string {
  return `x[${c.n},${c.h},${c.w},${c.ci}] f[${c.kh},${c.kw},${c.ci},${c.co}] s${c.stride} d${c.dilation} ${c.pad}`;
}
