/**
 * An objective of the logits and its gradient in the input images, for a model run with batch-norm folded
 * (./folded_inference.ts), without tfjs' gradient tape over the network: what a gradient attack's step
 * needs. The forward pass runs the fused blocks as folded inference does and keeps each block's output; the
 * backward pass walks the layers in reverse calling the gradient kernels the tape's gradient functions
 * call, with the same inputs (`convPostOpsBackward` for a block; for any other layer the layer recomputed
 * under a tape, or the mean's gradient for global average pooling). A gradient reaching a layer from two
 * consumers is one sum of two terms, which does not depend on their order. The forward pass is the untaped
 * one, so the logits are `logits()`'s bit for bit; on freqlens' architectures the value and the gradient are
 * also `tf.valueAndGrad`'s over the folded forward pass, bit for bit (tests/models/folded_gradient_test.ts),
 * without its bookkeeping: every kernel recorded, each block's saved tensors cloned, the tape filtered and
 * walked. On imported checkpoints a taped forward pass (some layers un-fused, ../backend/unfuse.ts) gave
 * logits differing in the last bits, enough to flip a ReLU at its kink once; this pass's gradient matched
 * PyTorch's to < 1e-6 per image on all of them (tests/models/import/parity_test.ts). Only the objective goes
 * through a tape. Timed against the tape in one process, alternating, on a ResNet-20: the tape took 0.99–1.03× as
 * long at batch 128 and 0.96–1.12× (median 1.02×) at batch 32 — most of either is the convolutions.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { convPostOps, convPostOpsBackward } from "../backend/conv_post_ops.ts";
import { meanGradient } from "../backend/gradients.ts";
import { blockAttrs, foldCacheOf, foldingPlan } from "./folded_inference.ts";
import { cls, config, type Layer, layerGraph } from "./layer_graph.ts";
import type { ObjectiveGradient, ObjectiveOfLogits } from "./classifier.ts";

/** One layer (or fused block) of the pass: the layers it reads and its input gradients from its output's. */
interface Step {
  layer: Layer;
  inputs: Layer[];
  backward: (dy: tf.Tensor) => (tf.Tensor | null)[];
}

/** A layer other than a fused block, run as itself; its input gradients by recomputing it on a tape, or
 * for global average pooling, `dy / (H·W)` as the tape's gradient of `Mean` gives it. */
function layerStep(layer: Layer, inputs: Layer[], args: tf.Tensor[]): { y: tf.Tensor; step: Step } {
  const apply = () => layer.apply(args.length === 1 ? args[0] : args, { training: false }) as tf.Tensor;
  const pooling = cls(layer) === "GlobalAveragePooling2D" && config(layer).dataFormat === "channelsLast";
  const backward = pooling
    ? (dy: tf.Tensor) => [meanGradient(dy, args[0].shape, [1, 2])]
    : (dy: tf.Tensor) => tf.engine().gradients(apply, args, dy, true).grads;
  return { y: apply(), step: { layer, inputs, backward } };
}

/**
 * The objective-and-gradient function of `model` (see the module doc), or undefined when its graph is not
 * one folded inference handles. Call it with no tape recording (it does not differentiate through itself).
 */
export function foldedObjectiveGradient(
  model: tfl.LayersModel,
): ((x: tf.Tensor4D, objective: ObjectiveOfLogits) => ObjectiveGradient) | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const p = foldingPlan(model);
  if (!p || p.fused.size === 0) return undefined;
  // A sum of three or more gradients would depend on their order, which the tape's may not match.
  if ([...layerGraph(model)!.consumers.values()].some((c) => c.length > 2)) return undefined;
  const { inputsOf, fused, absorbed } = p;
  const output = model.outputLayers[0] as Layer;
  const cache = foldCacheOf(model);
  return (x, objective) =>
    tf.tidy(() => {
      const values = new Map<Layer, tf.Tensor>();
      const steps: Step[] = [];
      let inputLayer: Layer | undefined;
      for (const layer of model.layers) {
        const block = fused.get(layer);
        if (block) {
          const [filter, bias] = cache.get(block.conv, block.bn);
          const attrs = blockAttrs(block);
          const source = inputsOf.get(block.conv)![0];
          const input = values.get(source) as tf.Tensor4D;
          const residual = block.residual ? values.get(block.residual) as tf.Tensor4D : undefined;
          const y = convPostOps(input, filter, bias, residual, attrs);
          values.set(layer, y);
          steps.push({
            layer,
            inputs: block.residual ? [source, block.residual] : [source],
            backward: (dy) => {
              const { masked, dx } = convPostOpsBackward(dy, y, filter, input.shape, attrs);
              return block.residual ? [dx, masked === dy ? tf.clone(dy) : masked] : [dx];
            },
          });
          continue;
        }
        if (absorbed.has(layer)) continue;
        const ins = inputsOf.get(layer)!;
        if (ins.length === 0) {
          inputLayer = layer;
          values.set(layer, x);
          continue;
        }
        const { y, step } = layerStep(layer, ins, ins.map((l) => values.get(l)!));
        values.set(layer, y);
        steps.push(step);
      }
      const logits = values.get(output) as tf.Tensor2D;
      const { value, grads } = tf.engine().gradients(() => objective(logits), [logits], undefined, true);
      const gradOf = new Map<Layer, tf.Tensor>();
      if (grads[0]) gradOf.set(output, grads[0]);
      for (let i = steps.length - 1; i >= 0; i--) {
        const { layer, inputs, backward } = steps[i];
        const dy = gradOf.get(layer);
        if (!dy) continue;
        const gs = tf.tidy(() =>
          backward(dy) as unknown as tf.TensorContainer
        ) as unknown as (tf.Tensor | null)[];
        gs.forEach((g, k) => {
          if (!g) return;
          const prior = gradOf.get(inputs[k]);
          gradOf.set(inputs[k], prior ? tf.add(prior, g) : g);
          if (prior) tf.dispose([prior, g]);
        });
        gradOf.delete(layer);
        dy.dispose();
      }
      const grad = gradOf.get(inputLayer!) ?? tf.zerosLike(x);
      return { logits, value, grad: grad as tf.Tensor4D };
    });
}
