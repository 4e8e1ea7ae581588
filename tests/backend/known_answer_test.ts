import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { knownAnswerFailure, referenceConv } from "../../lib/backend/native/known_answer.ts";
import { type ConvPass, type ConvShape, loadOneDnn, type OneDnn } from "../../lib/backend/native/onednn.ts";
import { maxRelErr, nativeAvailable, onBackend, seededValues } from "./helpers.ts";

const PASSES: ConvPass[] = ["forward", "backwardData", "backwardWeights"];

/** Shifts the output of a convolution pass by one element (an off-by-one write). */
function shiftByOne(pass: ConvPass, g: ConvShape, ptrs: Deno.PointerValue[]): void {
  const [at, n] = pass === "forward"
    ? [2, g.batchSize * g.outHeight * g.outWidth * g.outChannels]
    : pass === "backwardData"
    ? [0, g.batchSize * g.inHeight * g.inWidth * g.inChannels]
    : [1, g.filterHeight * g.filterWidth * g.inChannels * g.outChannels];
  new Float32Array(new Deno.UnsafePointerView(ptrs[at]!).getArrayBuffer(4 * n)).copyWithin(1, 0, n - 1);
}

Deno.test("the JavaScript reference convolution equals the cpu backend's conv2d and both its gradients", async () => {
  const g = tf.backend_util.computeConv2DInfo([2, 9, 7, 5], [7, 7, 5, 6], 2, 1, 3);
  const x = seededValues(2 * 9 * 7 * 5, 1), w = seededValues(7 * 7 * 5 * 6, 2);
  const dy = seededValues(tf.util.sizeFromShape(g.outShape), 3);
  const want = await onBackend("cpu", () => {
    const xt = tf.tensor4d(x, [2, 9, 7, 5]), wt = tf.tensor4d(w, [7, 7, 5, 6]);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 3), tf.tensor(dy, g.outShape)));
    return tf.concat([tf.conv2d(xt, wt, 2, 3), ...tf.grads(loss)([xt, wt])].map((t) => tf.reshape(t, [-1])));
  });
  const got = Float32Array.from(PASSES.flatMap((p) => [...referenceConv(p, g as ConvShape, x, w, dy)]));
  assert(maxRelErr(got, want.data) < 1e-5, `${maxRelErr(got, want.data)}`);
});

Deno.test({
  name: "oneDNN passes the known-answer check on this machine (its instruction set as capped)",
  ignore: !nativeAvailable(),
  fn: () => assert.equal(knownAnswerFailure(loadOneDnn()!), undefined),
});

Deno.test({
  name: "the known-answer check names a convolution pass whose output is off by one element",
  ignore: !nativeAvailable(),
  fn: () => {
    const dnn = loadOneDnn()!;
    for (const broken of PASSES) {
      const faulty = Object.create(dnn) as OneDnn;
      faulty.conv = (pass: ConvPass, g: ConvShape, ptrs: Deno.PointerValue[]) => {
        dnn.conv(pass, g, ptrs);
        if (pass !== broken) return;
        shiftByOne(pass, g, ptrs);
      };
      const failure = knownAnswerFailure(faulty);
      assert(failure, `a broken ${broken} passed`);
      assert.match(failure, new RegExp(`^oneDNN convolution ${broken} \\(`), failure);
    }
  },
});

Deno.test({
  name: "a broken native convolution pass: the backend warns once, naming it, and computes without oneDNN",
  ignore: !nativeAvailable(),
  fn: async () => {
    const want = await onBackend("cpu", () => {
      const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 5, 3]);
      const f = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
      return tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.conv2d(v as tf.Tensor4D, f, 2, "same"))))(x);
    });
    for (const broken of PASSES) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./broken_native_child.ts", import.meta.url).pathname, broken],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const warnings = stderr.split("\n").filter((l) => l.startsWith("freqlens: "));
      assert.equal(warnings.length, 1, stderr);
      assert.match(
        warnings[0],
        new RegExp(`^freqlens: oneDNN convolution ${broken} .*; running without native kernels$`),
      );
      const { version, grad } = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
      assert.doesNotMatch(version, /onednn/, `${broken}: backend tag ${version}`);
      const err = maxRelErr(Float32Array.from(grad), want.data);
      assert(err < 1e-4, `${broken}: input gradient off by ${err} without oneDNN`);
    }
  },
});
