import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../../lib/backend/mod.ts";
import { LayerConfigError, Normalize, PadShortcut, smallCnn } from "../../lib/models/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import { setNativeKernels } from "../../lib/backend/kernels/native_bridge.ts";
import { kernelPaths, onBackend } from "../backend/helpers.ts";

await initBackend("cpu");

Deno.test("Normalize computes (x − mean[c]) / std[c] per channel, checked by hand", () => {
  const mean = [0.25, 0.5, 0.125];
  const std = [0.5, 0.25, 2];
  const x = new Rng(1).uniformArray(2 * 3 * 4 * 3);
  const layer = new Normalize({ mean, std });
  const y = tf.tidy(() => (layer.apply(tf.tensor4d(x, [2, 3, 4, 3])) as tf.Tensor).dataSync());
  for (let i = 0; i < x.length; i++) {
    const c = i % 3;
    assert.ok(Math.abs(y[i] - (x[i] - mean[c]) / std[c]) < 1e-6, `element ${i}`);
  }
});

Deno.test("the normaliser is inside a built model: its output is the hand-normalised input", () => {
  const mean = [0.3];
  const std = [0.2];
  const model = smallCnn({
    inputShape: [6, 6, 1],
    numClasses: 3,
    channels: [2],
    hidden: 4,
    mean,
    std,
    seed: 1,
  });
  const layer = model.getLayer("normalize");
  assert.ok(layer instanceof Normalize);
  const probe = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
  const x = new Rng(2).uniformArray(36);
  const y = tf.tidy(() => (probe.predict(tf.tensor4d(x, [1, 6, 6, 1])) as tf.Tensor).dataSync());
  x.forEach((v, i) => assert.ok(Math.abs(y[i] - (v - 0.3) / 0.2) < 1e-5));
  // The gradient flows through it: d/dx of sum(normalised) is 1/std everywhere.
  const g = tf.tidy(() =>
    tf.grad((t: tf.Tensor) => tf.sum(probe.apply(t) as tf.Tensor))(tf.tensor4d(x, [1, 6, 6, 1]))
  );
  g.dataSync().forEach((v) => assert.ok(Math.abs(v - 5) < 1e-4));
  g.dispose();
});

Deno.test("Normalize rejects non-positive std and mismatched lengths", () => {
  assert.throws(() => new Normalize({ mean: [0], std: [0] }), LayerConfigError);
  assert.throws(() => new Normalize({ mean: [0, 1], std: [1] }), LayerConfigError);
});

/** Backends and kernel paths the option-A shortcut is checked on: it is a strided 1×1 convolution, which
 * on wasm runs in oneDNN when it loaded (forward and input gradient) and in the stock kernels otherwise. */
const shortcutPaths = [
  { name: "cpu", backend: "cpu", use: () => {} },
  ...kernelPaths().map((p) => ({ name: `wasm ${p.name}`, backend: "wasm", use: p.use })),
];

for (const path of shortcutPaths) {
  Deno.test(`${path.name}: PadShortcut subsamples by the stride and zero-pads channels (option A), brute force`, async () => {
    path.use();
    const [n, h, w, c, out, s] = [2, 5, 4, 3, 8, 2];
    const x = new Rng(3).uniformArray(n * h * w * c);
    const layer = new PadShortcut({ stride: s, outChannels: out });
    const { data: y, shape } = await onBackend(
      path.backend,
      () => layer.apply(tf.tensor4d(x, [n, h, w, c])) as tf.Tensor,
    );
    await initBackend("cpu");
    setNativeKernels(true);
    const [ho, wo] = [Math.ceil(h / s), Math.ceil(w / s)];
    assert.deepEqual(shape, [n, ho, wo, out]);
    assert.deepEqual(layer.computeOutputShape([null, h, w, c]), [null, ho, wo, out]);
    const before = Math.floor((out - c) / 2);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          for (let k = 0; k < out; k++) {
            const inside = k >= before && k < before + c;
            const want = inside ? x[((b * h + i * s) * w + j * s) * c + (k - before)] : 0;
            assert.equal(y[((b * ho + i) * wo + j) * out + k], want);
          }
        }
      }
    }
  });

  Deno.test(`${path.name}: PadShortcut's input gradient routes each output's weight back to its sampled pixel, stride 3`, async () => {
    path.use();
    const [n, h, w, c, out, s] = [2, 7, 5, 2, 5, 3];
    const [ho, wo] = [Math.ceil(h / s), Math.ceil(w / s)];
    const r = new Rng(5).uniformArray(n * ho * wo * out);
    const layer = new PadShortcut({ stride: s, outChannels: out });
    const { data: g } = await onBackend(
      path.backend,
      () =>
        tf.grad((x: tf.Tensor) =>
          tf.sum(tf.mul(layer.apply(x) as tf.Tensor, tf.tensor4d(r, [n, ho, wo, out])))
        )(
          tf.zeros([n, h, w, c]),
        ),
    );
    await initBackend("cpu");
    setNativeKernels(true);
    const before = Math.floor((out - c) / 2);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          for (let k = 0; k < c; k++) {
            const sampled = i % s === 0 && j % s === 0;
            const want = sampled ? r[((b * ho + i / s) * wo + j / s) * out + k + before] : 0;
            assert.equal(g[((b * h + i) * w + j) * c + k], want);
          }
        }
      }
    }
  });
}
