/**
 * Training-mode forward passes with each ReLU fused into the layer before it where that layer's only
 * consumer is the ReLU:
 * - a batch-norm runs with it as one oneDNN batch-norm with a fused ReLU (`batchNormTrainingOf(layer, x,
 *   true)`, ../backend/batch_norm_layer.ts): one pass forward and one backward where the layers take a
 *   batch-norm pass, a single-threaded wasm ReLU and a ReLU-gradient pass; the moving statistics are
 *   updated as the layer updates them;
 * - a two-input `Add` (a residual block's sum) runs with it as one oneDNN add with a ReLU post-op
 *   (../backend/kernels/add_relu.ts).
 * Every other layer runs as itself in training mode, so values and gradients are the layers' own (a ReLU
 * is exact either way).
 *
 * The training loop differentiates it without tfjs' tape where it can (./training_gradients.ts).
 *
 * For a model whose graph this does not handle (./layer_graph.ts), one without such a pair, or a backend
 * without the fused kernels, the function {@link trainingForward} returns is the model's own `apply` in
 * training mode.
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  type BatchNormLayerLike,
  batchNormTrainingOf,
  fastBatchNormApplies,
} from "../backend/batch_norm_layer.ts";
import { addRelu, addReluApplies } from "../backend/kernels/add_relu.ts";
import { cls, isRelu, type Layer, type LayerGraph, layerGraph } from "./layer_graph.ts";

/** Each ReLU layer fused into the layer before it, with that layer: a batch-norm or a two-input `Add` (not the
 * output) whose only consumer is the ReLU. */
export function fusedReluPairs(
  model: tfl.LayersModel,
  { inputsOf, consumers }: LayerGraph,
): Map<Layer, Layer> {
  const before = new Map<Layer, Layer>();
  for (const layer of model.layers) {
    const next = consumers.get(layer);
    const fusable = cls(layer) === "BatchNormalization" ||
      (cls(layer) === "Add" && inputsOf.get(layer)!.length === 2);
    if (fusable && layer !== model.outputLayers[0] && next?.length === 1 && isRelu(next[0])) {
      before.set(next[0], layer);
    }
  }
  return before;
}

/** `model`'s logits in training mode, with batch-norm → ReLU and add → ReLU pairs fused (see the module
 * doc). */
export function trainingForward(model: tfl.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const plain = (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
  const graph = model.inputs.length === 1 && model.outputs.length === 1 ? layerGraph(model) : undefined;
  if (!graph) return plain;
  const { inputsOf } = graph;
  const output = model.outputLayers[0];
  const before = fusedReluPairs(model, graph);
  if (before.size === 0) return plain;
  const fused = new Set(before.values());
  return (x) => {
    const values = new Map<Layer, tf.Tensor>();
    const run = (layer: Layer, args: tf.Tensor[]) =>
      layer.apply(args.length === 1 ? args[0] : args, { training: true }) as tf.Tensor;
    /** The ReLU `relu` of the layer `prior` before it, on that layer's inputs: one fused kernel where it
     * applies, else the two layers. */
    const withRelu = (relu: Layer, prior: Layer, ins: tf.Tensor[]): tf.Tensor => {
      if (cls(prior) === "Add" && addReluApplies(ins[0], ins[1])) return addRelu(ins[0], ins[1]);
      const bn = prior as unknown as BatchNormLayerLike;
      if (cls(prior) === "BatchNormalization" && fastBatchNormApplies(bn, ins[0])) {
        return batchNormTrainingOf(bn, ins[0] as tf.Tensor4D, true);
      }
      return run(relu, [run(prior, ins)]);
    };
    for (const layer of model.layers) {
      const ins = inputsOf.get(layer)!;
      if (ins.length === 0) {
        values.set(layer, x);
      } else if (fused.has(layer)) {
        continue; // runs with its ReLU
      } else if (before.has(layer)) {
        const prior = before.get(layer)!;
        values.set(layer, withRelu(layer, prior, inputsOf.get(prior)!.map((l) => values.get(l)!)));
      } else {
        values.set(layer, run(layer, ins.map((l) => values.get(l)!)));
      }
    }
    return values.get(output)!;
  };
}
