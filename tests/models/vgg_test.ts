/**
 * The paper's VGG configurations (`vggNet({depth})`) against an independent count: parameters and weight
 * layers from tests/fixtures/models/vgg_params.json (scripts/fixtures_vgg.py, walking the authors'
 * configuration lists with PyTorch's module shapes), plus the textbook anchor 20,040,522 of the common
 * CIFAR VGG-19-BN (conv bias, 512 → 10 head), and the shapes a 32×32 batch takes through the net.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  ArchitectureError,
  buildModel,
  classifierFromLayersModel,
  countTrainableParams,
  VGG_CONVS,
  vggNet,
} from "../../lib/models/mod.ts";

import { archSpecOf, trainParams } from "../../tasks/train.ts";

await initBackend("cpu");

interface Row {
  depth: 11 | 13 | 16 | 19;
  width_multiplier: number;
  params: number;
  params_with_conv_bias: number;
  weight_layers: number;
}
const rows: Row[] = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/models/vgg_params.json", import.meta.url)),
);

Deno.test("VGG fixture: VGG-19-BN with conv bias is the textbook CIFAR net re-headed 512-512-512-10", () => {
  const full = rows.find((r) => r.depth === 19 && r.width_multiplier === 1)!;
  // 20,040,522: the common CIFAR VGG-19-BN (conv bias, Linear(512, 10)); the authors' head replaces its
  // 5,130 parameters with 512·512+512 twice and 512·10+10.
  assert.equal(full.params_with_conv_bias, 20040522 - 5130 + 2 * (512 * 512 + 512) + 5130);
  // No conv bias in freqlens (batch-norm follows): one bias per conv channel less.
  assert.equal(full.params_with_conv_bias - full.params, 2 * 64 + 2 * 128 + 4 * 256 + 8 * 512);
});

Deno.test("vggNet(depth): parameters and weight layers match the independent count", () => {
  for (const r of rows.filter((r) => r.width_multiplier < 1 || r.depth === 19)) {
    const model = vggNet({
      inputShape: [32, 32, 3],
      numClasses: 10,
      depth: r.depth,
      widthMultiplier: r.width_multiplier,
    });
    const what = `vgg${r.depth} ×${r.width_multiplier}`;
    assert.equal(countTrainableParams(model), r.params, what);
    const weighted = model.layers.filter((l) => ["Conv2D", "Dense"].includes(l.getClassName()));
    assert.equal(weighted.length, r.weight_layers, what);
    assert.equal(weighted.length, r.depth, what);
    assert.equal(model.layers.filter((l) => l.getClassName() === "MaxPooling2D").length, 5, what);
    assert.equal(model.layers.filter((l) => l.getClassName() === "BatchNormalization").length, r.depth - 3);
    assert.equal(model.name, `vgg${r.depth}`);
    model.dispose();
  }
});

Deno.test("VGG-19 ×0.25 on a 32×32 batch: five poolings reach 1×1, features 128-d, logits [N, 10]", () => {
  const model = buildModel({
    arch: "vgg",
    inputShape: [32, 32, 3],
    numClasses: 10,
    depth: 19,
    widthMultiplier: 0.25,
  });
  const flatten = model.getLayer("flatten");
  assert.deepEqual(flatten.outputShape, [null, 128]);
  assert.deepEqual(model.getLayer("stage5_pool").outputShape, [null, 1, 1, 128]);
  const convs = Object.values(VGG_CONVS[19]).reduce((a, b) => a + b, 0);
  assert.equal(convs, 16);
  const clf = classifierFromLayersModel(model);
  const x = tf.randomUniform([3, 32, 32, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const logits = clf.logits(x), features = clf.features(x);
  assert.deepEqual(logits.shape, [3, 10]);
  assert.deepEqual(features.shape, [3, 128]);
  // The logits are the last dense layer applied to the features.
  const [kernel, bias] = model.getLayer("logits").getWeights();
  const expected = tf.add(tf.matMul(features, kernel as tf.Tensor2D), bias);
  assert.ok(tf.max(tf.abs(tf.sub(expected, logits))).dataSync()[0] < 1e-4);
  tf.dispose([x, logits, features, expected]);
  model.dispose();
});

Deno.test("vggNet rejects depths without a configuration and a multiplier without a depth", () => {
  const base = { inputShape: [32, 32, 3] as const, numClasses: 10 };
  assert.throws(() => vggNet({ ...base, depth: 12 }), ArchitectureError);
  assert.throws(() => vggNet({ ...base, depth: 19, widthMultiplier: 0 }), ArchitectureError);
  assert.throws(() => vggNet({ ...base, widths: [4, 8], widthMultiplier: 0.5 }), ArchitectureError);
  assert.throws(() => vggNet({ ...base, widths: [4, 8], convsPerStage: [1, 2, 3] }), ArchitectureError);
});

Deno.test("train params: `arch: vgg, depth: 19, width_multiplier` builds the paper's net; resnet keeps depth 20", () => {
  const norm = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  const vgg = archSpecOf(
    trainParams.parse({ arch: "vgg", depth: 19, width_multiplier: 0.25 }),
    [32, 32, 3],
    10,
    norm,
    1,
  );
  assert.deepEqual(vgg, {
    arch: "vgg",
    inputShape: [32, 32, 3],
    numClasses: 10,
    ...norm,
    seed: 1,
    depth: 19,
    widthMultiplier: 0.25,
  });
  const model = buildModel(vgg);
  assert.equal(
    countTrainableParams(model),
    rows.find((r) => r.depth === 19 && r.width_multiplier === 0.25)!.params,
  );
  model.dispose();
  const resnet = archSpecOf(trainParams.parse({ arch: "resnet" }), [32, 32, 3], 10, norm, 1);
  assert.equal(resnet.arch === "resnet" && resnet.depth, 20);
  const custom = archSpecOf(trainParams.parse({ arch: "vgg", widths: [8, 16] }), [32, 32, 3], 10, norm, 1);
  assert.equal(custom.arch === "vgg" && custom.depth, undefined);
});
