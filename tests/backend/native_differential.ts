/**
 * Differential suite of the native (oneDNN) kernels: each one, and each gradient that runs one, on the wasm
 * backend against the tfjs cpu backend, over seeded random geometries that include 1×1 stride 2, 3×3 stride
 * 2, 7×7 stride 2 pad 3, odd sizes, batch 1–5 and channel counts off oneDNN's 8/16 blocks (and some on
 * them). oneDNN picks its kernels by the CPU's instruction set, so `native_isa_caps_test.ts` runs this file
 * once per `ONEDNN_MAX_CPU_ISA` cap; it is not named `_test.ts` so that `deno test tests/` does not run it a
 * fourth time in-process. Fails when the native kernels are refused (known-answer check) where oneDNN loads.
 */
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { batchNormTraining } from "../../lib/backend/batch_norm_layer.ts";
import { batchNormTrainingAvailable } from "../../lib/backend/kernels/batch_norm_training.ts";
import { nativeConv, nativeRejection, setNativeKernels } from "../../lib/backend/kernels/native_bridge.ts";
import { maxRelErr, nativeAvailable, seededInt, seededValues } from "./helpers.ts";

/** Relative tolerance (|a − b| / (1 + |b|)): float32 reassociation is ~1e-6 here; a wrong tap is O(1). */
const TOL = 1e-4;

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pad: "same" | "valid" | number;
}

/** Geometries every cap must see, then seeded random ones. */
const FIXED: Case[] = [
  { n: 3, h: 9, w: 7, ci: 5, co: 12, kh: 1, kw: 1, stride: [2, 2], pad: "valid" },
  { n: 2, h: 16, w: 16, ci: 16, co: 64, kh: 1, kw: 1, stride: [2, 2], pad: "valid" },
  { n: 2, h: 11, w: 13, ci: 7, co: 9, kh: 3, kw: 3, stride: [2, 2], pad: "same" },
  { n: 1, h: 8, w: 8, ci: 16, co: 32, kh: 3, kw: 3, stride: [2, 2], pad: 1 },
  { n: 2, h: 15, w: 17, ci: 3, co: 10, kh: 7, kw: 7, stride: [2, 2], pad: 3 },
  { n: 1, h: 32, w: 32, ci: 3, co: 16, kh: 7, kw: 7, stride: [2, 2], pad: 3 },
  { n: 5, h: 7, w: 7, ci: 13, co: 17, kh: 3, kw: 3, stride: [1, 1], pad: "same" },
  { n: 4, h: 8, w: 8, ci: 64, co: 16, kh: 1, kw: 1, stride: [1, 1], pad: "valid" },
];

const GEOMETRIES: Pick<Case, "kh" | "kw" | "stride" | "pad">[] = [
  { kh: 1, kw: 1, stride: [2, 2], pad: "valid" },
  { kh: 3, kw: 3, stride: [2, 2], pad: "same" },
  { kh: 3, kw: 3, stride: [2, 2], pad: 1 },
  { kh: 7, kw: 7, stride: [2, 2], pad: 3 },
  { kh: 3, kw: 3, stride: [1, 1], pad: "same" },
  { kh: 1, kw: 1, stride: [1, 1], pad: "valid" },
  { kh: 5, kw: 3, stride: [1, 2], pad: "valid" },
];

/** `count` seeded cases: batch 1–5, odd and even sizes 5–17, channels 1–40 (blocks of 8 and 16 too). */
function randomCases(count: number, seed: number): Case[] {
  const CHANNELS = [1, 3, 5, 7, 9, 12, 13, 17, 19, 24, 31, 33, 40, 16, 32];
  return Array.from({ length: count }, (_, i) => {
    const r = (k: number, lo: number, hi: number) => seededInt(seed * 1000 + i * 31 + k, lo, hi);
    const geo = GEOMETRIES[r(1, 0, GEOMETRIES.length - 1)];
    const min = geo.pad === "valid" ? Math.max(geo.kh, geo.kw) : 1;
    return {
      n: r(2, 1, 5),
      h: r(3, Math.max(5, min), 17),
      w: r(4, Math.max(5, min), 17),
      ci: CHANNELS[r(5, 0, CHANNELS.length - 1)],
      co: CHANNELS[r(6, 0, CHANNELS.length - 1)],
      ...geo,
    };
  });
}

const CASES = [...FIXED, ...randomCases(14, Number(Deno.env.get("FREQLENS_DIFF_SEED") ?? 16))];

function label(c: Case): string {
  return `x[${c.n},${c.h},${c.w},${c.ci}] f[${c.kh},${c.kw},${c.ci},${c.co}] s${c.stride} pad ${c.pad}`;
}

function outShape(c: Case): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(
    [c.n, c.h, c.w, c.ci],
    [c.kh, c.kw, c.ci, c.co],
    c.stride,
    1,
    c.pad,
  );
  return info.outShape as [number, number, number, number];
}

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

async function flat(ts: tf.Tensor[]): Promise<Float32Array> {
  const parts = await Promise.all(ts.map((t) => t.data()));
  return Float32Array.from(parts.flatMap((p) => [...p]));
}

/** Runs `f` (returning several tensors) on the cpu backend and on wasm with native kernels; compares. */
async function compare(what: string, f: () => tf.Tensor[]): Promise<void> {
  const run = async (name: string) => {
    await initBackend(name);
    const out = tf.tidy(f);
    const data = await flat(out);
    tf.dispose(out);
    return data;
  };
  const want = await run("cpu");
  setNativeKernels(true);
  const got = await run("wasm");
  const err = maxRelErr(got, want);
  assert(err < TOL, `${what}: max relative error ${err.toExponential(2)} (oneDNN ${isaTag()})`);
}

function isaTag(): string {
  return nativeConv()?.isa ?? "off";
}

Deno.test("native kernels are on: oneDNN loaded and passed its known-answer check", async () => {
  await initBackend("wasm");
  if (!nativeAvailable()) {
    console.log("oneDNN is not installed here: the differential suite tests the wasm fallbacks only");
    return;
  }
  assert.equal(nativeRejection(), undefined, `native kernels refused: ${nativeRejection()}`);
  assert(nativeConv(), "oneDNN loaded but the native kernels are off");
  console.log(`freqlens backend: ${backendInfo().version}`);
});

Deno.test("Conv2D and FusedConv2D (bias, relu) forward = cpu backend", async () => {
  for (const [i, c] of CASES.entries()) {
    const x = seededValues(c.n * c.h * c.w * c.ci, 100 + i);
    const f = seededValues(c.kh * c.kw * c.ci * c.co, 200 + i);
    const b = seededValues(c.co, 300 + i);
    await compare(`forward ${label(c)}`, () => {
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), ft = tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]);
      return [
        tf.conv2d(xt, ft, c.stride, c.pad),
        tf.fused.conv2d({
          x: xt,
          filter: ft,
          strides: c.stride,
          pad: c.pad,
          bias: tf.tensor1d(b),
          activation: "relu",
        }),
      ];
    });
  }
});

Deno.test("conv2d input and filter gradients (Conv2DBackpropInput, Conv2DBackpropFilter) = cpu backend", async () => {
  for (const [i, c] of CASES.entries()) {
    const out = outShape(c);
    const x = seededValues(c.n * c.h * c.w * c.ci, 400 + i);
    const f = seededValues(c.kh * c.kw * c.ci * c.co, 500 + i);
    const r = seededValues(size(out), 600 + i);
    await compare(`gradients ${label(c)}`, () => {
      const loss = (xt: tf.Tensor, ft: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(xt as tf.Tensor4D, ft as tf.Tensor4D, c.stride, c.pad), tf.tensor4d(r, out)));
      const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), ft = tf.tensor4d(f, [c.kh, c.kw, c.ci, c.co]);
      // each gradient alone (the tape prunes the other: what attacks and frozen layers run), then both
      return [tf.grad((v) => loss(v, ft))(xt), tf.grad((v) => loss(xt, v))(ft), ...tf.grads(loss)([xt, ft])];
    });
  }
});

/** Activation shapes for the per-channel and elementwise kernels: the conv cases' inputs. */
const MAPS = CASES.map((c) => [c.n, c.h, c.w, c.ci] as [number, number, number, number]);

Deno.test("batch-norm inference (FusedBatchNorm) and its gradient in all five inputs = cpu backend", async () => {
  for (const [i, shape] of MAPS.entries()) {
    const ch = shape[3];
    const x = seededValues(size(shape), 700 + i), r = seededValues(size(shape), 800 + i);
    const positive = (seed: number) => Float32Array.from(seededValues(ch, seed), (v) => 0.2 + Math.abs(v));
    const [mean, variance, scale, offset] = [
      seededValues(ch, 900 + i),
      positive(1000 + i),
      positive(1100 + i),
      seededValues(ch, 1200 + i),
    ];
    await compare(`batch-norm inference [${shape}]`, () => {
      const f = (xt: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.batchNorm4d(
          xt as tf.Tensor4D,
          m as tf.Tensor1D,
          v as tf.Tensor1D,
          o as tf.Tensor1D,
          s as tf.Tensor1D,
          1e-3,
        );
      const args = [tf.tensor4d(x, shape), ...[mean, variance, offset, scale].map((a) => tf.tensor1d(a))];
      const loss = (...a: tf.Tensor[]) =>
        tf.sum(
          tf.mul(f(...(a as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), tf.tensor4d(r, shape)),
        );
      return [
        f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])),
        ...tf.grads(loss)(args),
      ];
    });
  }
});

Deno.test("batch-norm training (batch statistics) and its gradient in x, scale, offset = cpu backend", async () => {
  for (const [i, shape] of MAPS.filter((s) => s[0] * s[1] * s[2] > 1).entries()) {
    const ch = shape[3];
    const x = seededValues(size(shape), 1300 + i), r = seededValues(size(shape), 1400 + i);
    const scale = Float32Array.from(seededValues(ch, 1500 + i), (v) => 0.5 + Math.abs(v));
    const offset = seededValues(ch, 1600 + i);
    await compare(`batch-norm training [${shape}]`, () => {
      const native = tf.getBackend() === "wasm" && batchNormTrainingAvailable();
      const stats: tf.Tensor[] = [];
      const f = (xt: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Tensor => {
        if (native) {
          const [y, m, v] = batchNormTraining(xt as tf.Tensor4D, s as tf.Tensor1D, o as tf.Tensor1D, 1e-3);
          stats.push(m, v);
          return y;
        }
        const { mean, variance } = tf.moments(xt, [0, 1, 2]);
        stats.push(tf.keep(mean), tf.keep(variance));
        return tf.batchNorm4d(
          xt as tf.Tensor4D,
          mean as tf.Tensor1D,
          variance as tf.Tensor1D,
          o as tf.Tensor1D,
          s as tf.Tensor1D,
          1e-3,
        );
      };
      const args = [tf.tensor4d(x, shape), tf.tensor1d(scale), tf.tensor1d(offset)];
      const y = f(args[0], args[1], args[2]);
      const [mean, variance] = stats.map((t) => t.clone());
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(f(a, b, c), tf.tensor4d(r, shape)))
      )(args);
      tf.dispose(stats);
      return [y, mean, variance, ...grads];
    });
  }
});

Deno.test("max-pool gradient (MaxPoolGrad) = cpu backend", async () => {
  const POOLS: [number, number, "same" | "valid"][] = [[3, 2, "same"], [2, 2, "valid"], [3, 1, "same"], [
    3,
    2,
    "valid",
  ]];
  for (const [i, shape] of MAPS.entries()) {
    const [k, s, pad] = POOLS[i % POOLS.length];
    if (pad === "valid" && (shape[1] < k || shape[2] < k)) continue;
    const x = seededValues(size(shape), 1700 + i);
    await compare(`max-pool ${k}×${k} s${s} ${pad} [${shape}]`, () => {
      const xt = tf.tensor4d(x, shape);
      const pooled = tf.maxPool(xt, k, s, pad);
      const r = tf.tensor(seededValues(size(pooled.shape), 1800 + i), pooled.shape);
      return [tf.grad((v) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, k, s, pad), r)))(xt)];
    });
  }
});

Deno.test("ReLU gradient = cpu backend", async () => {
  for (const [i, shape] of MAPS.entries()) {
    const x = seededValues(size(shape), 1900 + i), r = seededValues(size(shape), 2000 + i);
    await compare(
      `relu [${shape}]`,
      () => [tf.grad((v) => tf.sum(tf.mul(tf.relu(v), tf.tensor4d(r, shape))))(tf.tensor4d(x, shape))],
    );
  }
});

Deno.test("an input gradient through conv, batch-norm, relu, max-pool stacks = cpu backend", async () => {
  // ResNet stem and bottleneck shapes: 7×7 s2 p3 → BN → ReLU → 3×3 s2 max-pool → 1×1 → 3×3 s2 → 1×1, and
  // a 1×1 stride-2 projection shortcut; batch 3, 13 channels.
  const x = seededValues(3 * 29 * 27 * 3, 2100);
  const w = (k: number, ci: number, co: number, seed: number) =>
    tf.tensor4d(Float32Array.from(seededValues(k * k * ci * co, seed), (v) => v / Math.sqrt(k * k * ci)), [
      k,
      k,
      ci,
      co,
    ]);
  const vec = (c: number, seed: number, lo: number) =>
    tf.tensor1d(Float32Array.from(seededValues(c, seed), (v) => lo + Math.abs(v)));
  await compare("stem + bottleneck input gradient", () => {
    const [w1, w2, w3, w4, ws] = [
      w(7, 3, 13, 2200),
      w(1, 13, 5, 2201),
      w(3, 5, 5, 2202),
      w(1, 5, 13, 2203),
      w(1, 13, 13, 2204),
    ];
    const bn = (t: tf.Tensor4D, seed: number) => {
      const c = t.shape[3];
      return tf.batchNorm4d(
        t,
        tf.tensor1d(seededValues(c, seed)),
        vec(c, seed + 1, 0.3),
        tf.tensor1d(seededValues(c, seed + 2)),
        vec(c, seed + 3, 0.5),
        1e-5,
      );
    };
    const net = (input: tf.Tensor) => {
      let h = tf.relu(bn(tf.conv2d(input as tf.Tensor4D, w1, 2, 3), 2300));
      h = tf.maxPool(h, 3, 2, "same");
      let b = tf.relu(bn(tf.conv2d(h, w2, 1, "valid"), 2310));
      b = tf.relu(bn(tf.conv2d(b, w3, 2, "same"), 2320));
      b = bn(tf.conv2d(b, w4, 1, "valid"), 2330);
      const out = tf.relu(tf.add(b, bn(tf.conv2d(h, ws, 2, "valid"), 2340)));
      return tf.sum(tf.mul(out, tf.tensor(seededValues(size(out.shape), 2400), out.shape)));
    };
    return [tf.grad(net)(tf.tensor4d(x, [3, 29, 27, 3]))];
  });
});
