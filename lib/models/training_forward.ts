/**
 * Training-mode forward passes with each batch-norm whose only consumer is a ReLU run together with that
 * ReLU as one oneDNN batch-norm with a fused ReLU (`batchNormTrainingOf(layer, x, true)`,
 * ../backend/batch_norm_layer.ts): one pass forward and one backward where the layers take a batch-norm
 * pass, a single-threaded wasm ReLU and a ReLU-gradient pass. The moving statistics are updated as the
 * layer updates them, and every other layer runs as itself in training mode, so values and gradients are
 * the layers' own (a ReLU is exact either way).
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
import { cls, isRelu, type Layer, layerGraph } from "./layer_graph.ts";

/** `model`'s logits in training mode, with batch-norm → ReLU pairs fused (see the module doc). */
export function trainingForward(model: tfl.LayersModel): (x: tf.Tensor) => tf.Tensor {
  const plain = (x: tf.Tensor) => model.apply(x, { training: true }) as tf.Tensor;
  const graph = model.inputs.length === 1 && model.outputs.length === 1 ? layerGraph(model) : undefined;
  if (!graph) return plain;
  const { inputsOf, consumers } = graph;
  const output = model.outputLayers[0];
  /** Each fused ReLU layer with the batch-norm layer before it. */
  const bnBefore = new Map<Layer, Layer>();
  for (const layer of model.layers) {
    const next = consumers.get(layer);
    if (cls(layer) === "BatchNormalization" && layer !== output && next?.length === 1 && isRelu(next[0])) {
      bnBefore.set(next[0], layer);
    }
  }
  if (bnBefore.size === 0) return plain;
  const fusedBn = new Set(bnBefore.values());
  return (x) => {
    const values = new Map<Layer, tf.Tensor>();
    const run = (layer: Layer, args: tf.Tensor[]) =>
      layer.apply(args.length === 1 ? args[0] : args, { training: true }) as tf.Tensor;
    for (const layer of model.layers) {
      const ins = inputsOf.get(layer)!;
      if (ins.length === 0) {
        values.set(layer, x);
      } else if (fusedBn.has(layer)) {
        continue; // runs with its ReLU
      } else if (bnBefore.has(layer)) {
        const bn = bnBefore.get(layer)!;
        const input = values.get(inputsOf.get(bn)![0])!;
        const like = bn as unknown as BatchNormLayerLike;
        values.set(
          layer,
          fastBatchNormApplies(like, input)
            ? batchNormTrainingOf(like, input as tf.Tensor4D, true)
            : run(layer, [run(bn, [input])]),
        );
      } else {
        values.set(layer, run(layer, ins.map((l) => values.get(l)!)));
      }
    }
    return values.get(output)!;
  };
}
