import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { movingAverage } from "../../lib/backend/kernels/moving_average.ts";
import type { WasmBackendLike } from "../../lib/backend/kernels/wasm_call.ts";
import { FusedMomentumOptimizer } from "../../lib/training/fused_momentum.ts";
import { seededValues } from "../backend/helpers.ts";

/** Variables and accumulators (as bits) after three updates with seeded gradients of widely spread
 * magnitudes and a learning rate changed between steps. */
let runs = 0;

function threeSteps(opt: tf.MomentumOptimizer): number[][] {
  runs++;
  const shapes = [[3, 3, 4, 5], [7], [10, 3]];
  const vars = shapes.map((s, i) =>
    tf.variable(
      tf.tensor(seededValues(tf.util.sizeFromShape(s), 10 + i), s),
      true,
      `momentum_test_${runs}_${i}`,
    )
  );
  for (const [step, lr] of [0.1, 0.03, 0.3].entries()) {
    opt.setLearningRate(lr);
    const grads = vars.map((v, i) =>
      tf.tensor(seededValues(v.size, 100 * step + i).map((g, j) => g * 10 ** ((j % 7) - 3)), v.shape)
    );
    opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: grads[i] })));
    tf.dispose(grads);
  }
  const acc = (opt as unknown as { accumulations: { variable: tf.Variable }[] }).accumulations;
  const bits = [...vars, ...acc.map((a) => a.variable)].map((t) =>
    Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer))
  );
  tf.dispose(vars);
  opt.dispose();
  return bits;
}

Deno.test("the fused momentum optimiser gives tfjs' MomentumOptimizer's bits (plain and Nesterov)", async () => {
  await initBackend("wasm");
  for (const nesterov of [false, true]) {
    const want = threeSteps(tf.train.momentum(0.1, 0.9, nesterov));
    const got = threeSteps(new FusedMomentumOptimizer(0.1, 0.9, nesterov));
    assert.deepStrictEqual(got, want, `nesterov ${nesterov}`);
  }
});

Deno.test("the moving-average update gives the bits of tfjs' moving − (moving − batch)·decay", async () => {
  await initBackend("wasm");
  for (const [i, decay] of [0.1, 0.01, 1 - 0.99, 0.3333].entries()) {
    const moving = tf.tensor1d(seededValues(64, 300 + i).map((v, j) => v * 10 ** ((j % 9) - 4)));
    const batch = tf.tensor1d(seededValues(64, 400 + i).map((v, j) => v * 10 ** ((j % 5) - 2)));
    const want = tf.sub(moving, tf.mul(tf.sub(moving, batch), decay));
    const got = tf.engine().makeTensorFromTensorInfo(
      movingAverage(tf.backend() as WasmBackendLike, moving, batch, decay),
    );
    assert.deepStrictEqual(Array.from(got.dataSync()), Array.from(want.dataSync()), `decay ${decay}`);
    tf.dispose([moving, batch, want, got]);
  }
});

Deno.test("the momentum update writes the accumulation in place only where no other tensor shares it", async () => {
  await initBackend("wasm");
  const start = seededValues(40, 7);
  const grad = tf.tensor(seededValues(40, 8));
  const v = tf.variable(tf.tensor(start), true, "momentum_in_place_test");
  const w = tf.variable(tf.tensor(start), true, "momentum_in_place_reference");
  const opt = new FusedMomentumOptimizer(0.1, 0.9);
  const stock = tf.train.momentum(0.1, 0.9);
  const accumulation = () =>
    (opt as unknown as { accumulations: { variable: tf.Variable }[] }).accumulations[0].variable;
  const step = () => {
    const value = v.dataId;
    opt.applyGradients([{ name: v.name, tensor: grad }]);
    stock.applyGradients([{ name: w.name, tensor: grad }]);
    assert.notStrictEqual(v.dataId, value, "the value moves to a new buffer every step");
    assert.deepStrictEqual(Array.from(v.dataSync()), Array.from(w.dataSync()));
  };
  step();
  const own = accumulation().dataId;
  step();
  assert.strictEqual(accumulation().dataId, own, "an unshared accumulation is written in place");
  const held = tf.clone(accumulation());
  const before = Array.from(held.dataSync());
  step();
  assert.notStrictEqual(accumulation().dataId, own, "a shared accumulation moves to a new buffer");
  assert.deepStrictEqual(Array.from(held.dataSync()), before, "and the tensor sharing it keeps its values");
  tf.dispose([grad, v, w, held]);
  opt.dispose();
  stock.dispose();
});
