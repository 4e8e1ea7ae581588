/**
 * Child process of `known_answer_test.ts`: breaks one oneDNN convolution pass (named by the first argument)
 * with an off-by-one (its output shifted by one element), starts the wasm backend as freqlens does, and
 * prints the backend tag and a conv2d input gradient computed through the kernels that are left.
 */
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { type ConvPass, type ConvShape, OneDnn } from "../../lib/backend/native/onednn.ts";

const broken = Deno.args[0] as ConvPass;
const conv = OneDnn.prototype.conv;
OneDnn.prototype.conv = function (this: OneDnn, pass: ConvPass, g: ConvShape, ptrs: Deno.PointerValue[]) {
  conv.call(this, pass, g, ptrs);
  if (pass !== broken) return;
  const at = { forward: 2, backwardData: 0, backwardWeights: 1 }[pass];
  const n = pass === "forward"
    ? g.batchSize * g.outHeight * g.outWidth * g.outChannels
    : pass === "backwardData"
    ? g.batchSize * g.inHeight * g.inWidth * g.inChannels
    : g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
  const out = new Float32Array(new Deno.UnsafePointerView(ptrs[at]!).getArrayBuffer(4 * n));
  out.copyWithin(1, 0, n - 1);
};

await initBackend("wasm");
const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 5, 3]);
const f = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.conv2d(v as tf.Tensor4D, f, 2, "same"))))(x);
console.log(JSON.stringify({ version: backendInfo().version, grad: Array.from(await grad.data()) }));
