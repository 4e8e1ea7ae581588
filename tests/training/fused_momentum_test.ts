import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { initBackend } from "../../lib/backend/mod.ts";
import { MOVING_AVERAGE } from "../../lib/backend/kernels/moving_average.ts";
import { type BatchNormLayerLike, updateMovingStatistics } from "../../lib/backend/batch_norm_layer.ts";
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

Deno.test("the moving-average kernel gives the bits of tfjs' moving − (moving − batch)·decay", async () => {
  await initBackend("wasm");
  for (const [i, decay] of [0.1, 0.01, 1 - 0.99, 0.3333].entries()) {
    const moving = tf.tensor1d(seededValues(64, 300 + i).map((v, j) => v * 10 ** ((j % 9) - 4)));
    const batch = tf.tensor1d(seededValues(64, 400 + i).map((v, j) => v * 10 ** ((j % 5) - 2)));
    const want = tf.sub(moving, tf.mul(tf.sub(moving, batch), decay));
    const got = tf.engine().runKernel(MOVING_AVERAGE, { moving, batch }, { decay }) as tf.Tensor;
    assert.deepStrictEqual(Array.from(got.dataSync()), Array.from(want.dataSync()), `decay ${decay}`);
    tf.dispose([moving, batch, want, got]);
  }
});

Deno.test("the momentum update writes in place only where no other tensor shares a buffer", async () => {
  await initBackend("wasm");
  const start = seededValues(40, 7);
  const grad = tf.tensor(seededValues(40, 8));
  const v = tf.variable(tf.tensor(start), true, "momentum_in_place_test");
  const opt = new FusedMomentumOptimizer(0.1, 0.9);
  const stock = tf.train.momentum(0.1, 0.9);
  const w = tf.variable(tf.tensor(start), true, "momentum_in_place_reference");
  const step = () => {
    opt.applyGradients([{ name: v.name, tensor: grad }]);
    stock.applyGradients([{ name: w.name, tensor: grad }]);
  };
  step(); // the tensor v was made from still shares its buffer: a new one
  const own = v.dataId;
  step(); // now v's and its accumulation's buffers are their own: written in place
  assert.strictEqual(v.dataId, own);
  const held = tf.clone(v);
  const before = Array.from(held.dataSync());
  step(); // shared again (held): held keeps its values, v moves to a new buffer
  assert.notStrictEqual(v.dataId, own);
  assert.deepStrictEqual(Array.from(held.dataSync()), before);
  assert.deepStrictEqual(Array.from(v.dataSync()), Array.from(w.dataSync()));
  tf.dispose([grad, v, w, held]);
  opt.dispose();
  stock.dispose();
});

Deno.test("batch-norm moving statistics update in place only where no other tensor shares the buffer", async () => {
  await initBackend("wasm");
  const variable = (values: Float32Array) => {
    const v = tf.tidy(() => tf.variable(tf.tensor1d(values), false)); // the only holder of its buffer
    return { v, read: () => v, write: (t: tf.Tensor) => v.assign(t as tf.Tensor1D) };
  };
  const [m0, v0] = [seededValues(16, 21), seededValues(16, 22).map(Math.abs)];
  const mean = tf.tensor1d(seededValues(16, 23)), variance = tf.tensor1d(seededValues(16, 24).map(Math.abs));
  const want = (moving: Float32Array, batch: tf.Tensor) =>
    Array.from(tf.sub(tf.tensor1d(moving), tf.mul(tf.sub(tf.tensor1d(moving), batch), 1 - 0.99)).dataSync());
  for (const shared of [false, true]) {
    const movingMean = variable(m0), movingVariance = variable(v0);
    const layer = {
      axis: -1,
      epsilon: 1e-3,
      momentum: 0.99,
      gamma: null,
      beta: null,
      movingMean,
      movingVariance,
    };
    const held = shared ? tf.clone(movingMean.v) : undefined;
    const ids = [movingMean.v.dataId, movingVariance.v.dataId];
    updateMovingStatistics(layer as unknown as BatchNormLayerLike, mean, variance);
    assert.deepStrictEqual(Array.from(movingMean.v.dataSync()), want(m0, mean), `shared ${shared}`);
    assert.deepStrictEqual(Array.from(movingVariance.v.dataSync()), want(v0, variance), `shared ${shared}`);
    assert.strictEqual(movingMean.v.dataId === ids[0], !shared, "the mean is written in place iff unshared");
    assert.strictEqual(movingVariance.v.dataId, ids[1]);
    if (held) assert.deepStrictEqual(Array.from(held.dataSync()), Array.from(new Float32Array(m0)));
    tf.dispose([movingMean.v, movingVariance.v, ...(held ? [held] : [])]);
  }
  tf.dispose([mean, variance]);
});
