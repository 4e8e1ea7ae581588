import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { BackendError, backendInfo, initBackend } from "../../lib/backend/mod.ts";

Deno.test("initBackend starts the named backend and backendInfo describes it", async () => {
  assert.deepStrictEqual(await initBackend("cpu"), { name: "cpu", threads: 1 });
  assert.strictEqual(tf.getBackend(), "cpu");
  assert.strictEqual(backendInfo().name, "cpu");
  const wasm = await initBackend("wasm");
  assert.strictEqual(wasm.name, "wasm");
  assert.strictEqual(tf.getBackend(), "wasm");
  const info = backendInfo();
  assert.ok(info.threads >= 1);
  assert.match(info.version, /tfjs-backend-wasm@4\.22\.0\+freqlens-kernels@\d+/);
});

Deno.test("initBackend reads FREQLENS_BACKEND when no name is given", async () => {
  const before = Deno.env.get("FREQLENS_BACKEND");
  try {
    Deno.env.set("FREQLENS_BACKEND", "cpu");
    assert.strictEqual((await initBackend()).name, "cpu");
    Deno.env.set("FREQLENS_BACKEND", "wasm");
    assert.strictEqual((await initBackend()).name, "wasm");
  } finally {
    if (before === undefined) Deno.env.delete("FREQLENS_BACKEND");
    else Deno.env.set("FREQLENS_BACKEND", before);
  }
});

Deno.test("initBackend rejects unknown names and an absent tfjs-node with a BackendError", async () => {
  await assert.rejects(
    () => initBackend("tpu"),
    (e) => e instanceof BackendError && /unknown backend 'tpu'/.test(e.message),
  );
  let tensorflowLoaded = false;
  try {
    await initBackend("tensorflow");
    tensorflowLoaded = true;
  } catch (e) {
    assert.ok(e instanceof BackendError && /tfjs-node/.test(e.message));
  }
  if (tensorflowLoaded) assert.strictEqual(backendInfo().name, "tensorflow");
});

Deno.test("a wasm training step computes gradients for every conv weight (Conv2DBackpropFilter exists)", async () => {
  await initBackend("wasm");
  const grads = tf.tidy(() => {
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.1, "float32", 2));
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x, w as tf.Tensor4D, 2, "same"))));
    return Object.values(grads).map((g) => g.shape);
  });
  assert.deepStrictEqual(grads, [[3, 3, 3, 4]]);
});
