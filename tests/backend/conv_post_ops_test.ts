import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { convPostOps, convPostOpsFused } from "../../lib/backend/conv_post_ops.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { loadOneDnnPostOps } from "../../lib/backend/native/onednn_postops.ts";
import { nativeConv } from "../../lib/backend/kernels/native_bridge.ts";
import { cifarResNet, classifierFromLayersModel, smallCnn } from "../../lib/models/mod.ts";
import { foldedForward } from "../../lib/models/folded_inference.ts";
import { maxRelErr, onBackend, randomizeBatchNorm, seededInt, seededValues } from "./helpers.ts";

const native = loadOneDnnPostOps() !== undefined;

Deno.test({
  name: "wasm FreqlensConvPostOps and its input/residual gradients match the cpu backend's plain ops",
  ignore: !native,
  fn: async () => {
    await initBackend("wasm");
    const sse41 = nativeConv()?.isa === "sse41";
    assert.ok(
      convPostOpsFused() !== sse41,
      "fused kernel active on wasm with oneDNN, except its SSE4.1 path",
    );
    for (let i = 0; i < 8; i++) {
      const [n, h, w, cin, cout] = [1, 3, 3, 1, 1].map((lo, j) =>
        seededInt(10 * i + j, lo, [3, 11, 11, 9, 12][j])
      );
      const k = seededInt(100 + i, 1, 3);
      const stride = seededInt(200 + i, 1, 2);
      const pad = i % 3 === 2 ? "valid" : "same";
      const relu = i % 2 === 0;
      const xs = [n, h, w, cin] as [number, number, number, number];
      const fs = [k, k, cin, cout] as [number, number, number, number];
      const x = seededValues(tf.util.sizeFromShape(xs), 300 + i);
      const f = seededValues(tf.util.sizeFromShape(fs), 400 + i);
      const b = seededValues(cout, 500 + i);
      const outShape = tf.backend_util.computeConv2DInfo(xs, fs, stride, 1, pad).outShape;
      const withResidual = i % 4 < 2;
      const r = seededValues(tf.util.sizeFromShape(outShape), 600 + i);
      const wts = seededValues(r.length, 700 + i);
      const op = (xt: tf.Tensor4D, rt?: tf.Tensor4D) =>
        convPostOps(xt, tf.tensor4d(f, fs), tf.tensor1d(b), rt, { strides: [stride, stride], pad, relu });
      const residual = () => (withResidual ? tf.tensor4d(r, outShape) : undefined);
      const fwd = () => op(tf.tensor4d(x, xs), residual());
      const loss = (xt: tf.Tensor, rt?: tf.Tensor) =>
        tf.sum(tf.mul(op(xt as tf.Tensor4D, rt as tf.Tensor4D | undefined), tf.tensor4d(wts, outShape)));
      const dx = () => tf.grad((xt: tf.Tensor) => loss(xt, residual()))(tf.tensor4d(x, xs));
      const dr = () => tf.grad((rt: tf.Tensor) => loss(tf.tensor4d(x, xs), rt))(tf.tensor4d(r, outShape));
      const tag = `${xs} ${fs} s${stride} ${pad} relu=${relu} residual=${withResidual}`;
      for (const [name, f2] of [["y", fwd], ["dx", dx], ...(withResidual ? [["dr", dr]] : [])] as const) {
        const got = await onBackend("wasm", f2 as () => tf.Tensor);
        const want = await onBackend("cpu", f2 as () => tf.Tensor);
        assert.deepStrictEqual(got.shape, want.shape);
        assert.ok(maxRelErr(got.data, want.data) < 1e-5, `${name} ${tag}`);
      }
    }
  },
});

Deno.test({
  name: "folded inference of freqlens' models (ResNet A/B shortcuts, small CNN) matches model.apply on cpu",
  ignore: !native,
  fn: async () => {
    await initBackend("cpu");
    const models = [
      cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "A", seed: 1 }),
      cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "B", seed: 2 }),
      smallCnn({ inputShape: [12, 12, 1], numClasses: 4, seed: 3 }),
    ];
    for (const [i, model] of models.entries()) {
      randomizeBatchNorm(model, 50 * i);
      const [, h, w, c] = model.inputs[0].shape as number[];
      const x = seededValues(3 * h * w * c, 900 + i).map((v) => (v + 1) / 2);
      const shape = [3, h, w, c] as [number, number, number, number];
      const folded = foldedForward(model);
      if (model.name.startsWith("resnet")) assert.ok(folded, `${model.name} folds`);
      if (!folded) continue;
      const want = await onBackend(
        "cpu",
        () => model.apply(tf.tensor4d(x, shape), { training: false }) as tf.Tensor,
      );
      const got = await onBackend("wasm", () => folded(tf.tensor4d(x, shape)));
      assert.ok(maxRelErr(got.data, want.data) < 1e-4, `${model.name} logits`);
      // Gradient of a weighted sum of the logits (weights 0, 1, 2, … so every class counts differently).
      const grad = (f: (t: tf.Tensor) => tf.Tensor) => () =>
        tf.grad((t: tf.Tensor) => {
          const y = f(t);
          return tf.sum(tf.mul(y, tf.reshape(tf.range(0, y.size), y.shape)));
        })(tf.tensor4d(x, shape));
      const gWant = await onBackend("cpu", grad((t) => model.apply(t, { training: false }) as tf.Tensor));
      const gGot = await onBackend("wasm", grad(folded));
      assert.ok(maxRelErr(gGot.data, gWant.data) < 1e-3, `${model.name} input gradient`);
      // The classifier's features (penultimate layer) fold too; on cpu they run unfolded.
      const features = () => classifierFromLayersModel(model).features(tf.tensor4d(x, shape));
      const fWant = await onBackend("cpu", features);
      const fGot = await onBackend("wasm", features);
      assert.ok(maxRelErr(fGot.data, fWant.data) < 1e-4, `${model.name} features`);
      // Folded weights are cached; new weights (as training writes them) must be folded again.
      randomizeBatchNorm(model, 50 * i + 7);
      const want2 = await onBackend(
        "cpu",
        () => model.apply(tf.tensor4d(x, shape), { training: false }) as tf.Tensor,
      );
      const got2 = await onBackend("wasm", () => folded(tf.tensor4d(x, shape)));
      assert.ok(maxRelErr(got2.data, want2.data) < 1e-4, `${model.name} logits after new weights`);
      assert.ok(maxRelErr(want2.data, want.data) > 1e-3, "the new weights change the logits");
      model.dispose();
    }
  },
});

Deno.test({
  name:
    "wasm FreqlensConvPostOps with consumeResidual: same bits, written over a sole residual, never over a shared one",
  ignore: !native || nativeConv()?.isa === "sse41",
  fn: async () => {
    await initBackend("wasm");
    const xs = [2, 6, 6, 4] as [number, number, number, number];
    const fs = [3, 3, 4, 4] as [number, number, number, number];
    const [x, f, b, r] = [xs, fs, [4], xs].map((s, i) => seededValues(tf.util.sizeFromShape(s), 40 + i));
    const attrs = { strides: [1, 1] as [number, number], pad: "same" as const, relu: true };
    const filter = tf.tensor4d(f, fs), bias = tf.tensor1d(b), xt = tf.tensor4d(x, xs);
    const copied = convPostOps(xt, filter, bias, tf.tensor4d(r, xs), attrs);
    const sole = tf.tensor4d(r, xs);
    const inPlace = convPostOps(xt, filter, bias, sole, { ...attrs, consumeResidual: true });
    assert.deepStrictEqual(Array.from(inPlace.dataSync()), Array.from(copied.dataSync()));
    assert.strictEqual(inPlace.dataId, sole.dataId, "a residual no other tensor shares is written over");
    // A residual sharing its buffer with another tensor (a clone) is left as it was.
    const shared = tf.tensor4d(r, xs);
    const other = tf.clone(shared);
    const out = convPostOps(xt, filter, bias, shared, { ...attrs, consumeResidual: true });
    assert.notStrictEqual(out.dataId, shared.dataId);
    assert.deepStrictEqual(Array.from(out.dataSync()), Array.from(copied.dataSync()));
    assert.deepStrictEqual(Array.from(other.dataSync()), Array.from(Float32Array.from(r)));
    // The input as residual is never overwritten while it is read.
    const self = convPostOps(xt, filter, bias, xt, { ...attrs, consumeResidual: true });
    assert.notStrictEqual(self.dataId, xt.dataId);
    assert.deepStrictEqual(Array.from(xt.dataSync()), Array.from(Float32Array.from(x)));
    tf.dispose([filter, bias, xt, copied, sole, inPlace, shared, other, out, self]);
  },
});

Deno.test({
  name: "folded inference without a tape (residuals overwritten in place) gives the taped forward's bits",
  ignore: !native || nativeConv()?.isa === "sse41",
  fn: async () => {
    await initBackend("wasm");
    const model = cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth: 8, shortcut: "A", seed: 4 });
    randomizeBatchNorm(model, 11);
    const folded = foldedForward(model)!;
    const shape = [3, 16, 16, 3] as [number, number, number, number];
    const x = seededValues(3 * 16 * 16 * 3, 77).map((v) => (v + 1) / 2);
    const xt = tf.tensor4d(x, shape);
    tf.tidy(() => folded(xt)); // folds and caches the weights
    const before = tf.memory().numTensors;
    const plain = tf.tidy(() => folded(xt).dataSync());
    assert.strictEqual(tf.memory().numTensors, before, "no tensor leaks");
    let taped: Float32Array = new Float32Array();
    tf.tidy(() =>
      tf.grad((t: tf.Tensor) => {
        const y = folded(t);
        taped = Float32Array.from(y.dataSync());
        return tf.sum(y);
      })(xt)
    );
    assert.deepStrictEqual(Array.from(plain), Array.from(taped));
    assert.deepStrictEqual(Array.from(xt.dataSync()), Array.from(Float32Array.from(x)), "input untouched");
    xt.dispose();
    model.dispose();
  },
});

Deno.test({
  name: "folded inference without a tape writes every residual block of a stage over its residual",
  ignore: !native || nativeConv()?.isa === "sse41",
  fn: async () => {
    await initBackend("wasm");
    const backend = tf.backend() as unknown as { wasm: { _malloc(n: number): number } };
    const x = tf.tensor4d(seededValues(3 * 16 * 16 * 3, 5).map((v) => (v + 1) / 2), [3, 16, 16, 3]);
    // Heap allocations of at least an activation's size in one forward pass.
    const bigAllocations = (depth: number) => {
      const model = cifarResNet({ inputShape: [16, 16, 3], numClasses: 10, depth, shortcut: "A", seed: 4 });
      const folded = foldedForward(model)!;
      tf.tidy(() => folded(x).dataSync()); // folds and caches the weights
      const malloc = backend.wasm._malloc;
      let count = 0;
      backend.wasm._malloc = (n: number) => {
        if (n >= 3 * 4 * 4 * 64 * 4) count++;
        return malloc(n);
      };
      try {
        tf.tidy(() => folded(x).dataSync());
      } finally {
        backend.wasm._malloc = malloc;
      }
      model.dispose();
      return count;
    };
    // Two more blocks per stage (depth 8 → 20) add only their first convolutions' outputs: 2 × 3 stages.
    // (Were a block's output, itself written in place, not consumable by the next, each stage would add a
    // copy of the residual: 9.)
    assert.strictEqual(bigAllocations(20) - bigAllocations(8), 6);
    x.dispose();
  },
});
