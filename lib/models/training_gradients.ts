/**
 * The loss and its gradients for one training step of a LayersModel: `(x, lossOf) → {value, grads}`, what
 * `tf.variableGrads(() => lossOf(forward(x)), variables)` returns for the model's trainable variables,
 * with the forward pass of `./training_forward.ts` (batch-norm → ReLU and add → ReLU fused).
 *
 * For the graphs freqlens trains (ResNets, the small CNN) on a backend with the fused kernels, it runs
 * without tfjs' gradient tape: the forward pass calls the ops the layers call while a tape records (the
 * un-fused convolution and matmul of ../backend/unfuse.ts) and keeps what each layer's gradient needs; the
 * backward pass calls the same gradient kernels with the same inputs the tape's gradient functions call,
 * layer by layer in reverse, summing a tensor's gradients in the tape's order. Only the loss (`lossOf`,
 * any function of the logits and the variables, e.g. with a weight-decay penalty) goes through the tape.
 * So the values and gradients are the tape's, bit for bit, without its bookkeeping: ~500 kernel calls a
 * ResNet-20 step each recorded, ~200 saved tensors cloned, and the tape filtered and walked.
 *
 * Anything else — another layer, a layer used twice, a tape already recording (a caller differentiating
 * through the step), a backend without the kernels — takes the tape with the same forward pass.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  type BatchNormLayerLike,
  batchNormTrainingBackward,
  batchNormTrainingForward,
  updateMovingStatistics,
} from "../backend/batch_norm_layer.ts";
import { batchNormTrainingAvailable } from "../backend/kernels/batch_norm_training.ts";
import { addRelu, addReluApplies, biasReluApplies } from "../backend/kernels/add_relu.ts";
import { RELU_GRAD, reluGradAvailable } from "../backend/kernels/relu_grad.ts";
import { meanGradient, tapeOn } from "../backend/gradients.ts";
import { cls, config, isRelu, type Layer, type LayerGraph, layerGraph } from "./layer_graph.ts";
import { fusedReluPairs, trainingForward } from "./training_forward.ts";

/** The loss of a batch as a function of the model's logits. */
export type LossOfLogits = (logits: tf.Tensor) => tf.Scalar;

/** The loss and the gradient of each trainable variable, keyed by the variable's name (as
 * `tf.variableGrads` returns them, ready for `optimizer.applyGradients`). */
export interface LossAndGradients {
  value: tf.Scalar;
  grads: tf.NamedTensorMap;
}

/** One training step's loss and gradients for `model` (see the module doc). */
export type TrainingGradients = (x: tf.Tensor, lossOf: LossOfLogits) => LossAndGradients;

/** A layer's output gradient → its inputs' gradients (null where not needed) and its variables', each a
 * tensor of its own (not `dy`, not another input's), so the pass can free each when it is used. */
type Backward = (dy: tf.Tensor, needed: readonly boolean[]) => BackwardResult;

/** The gradients one {@link Backward} returns: its inputs' (in order) and its variables'. */
interface BackwardResult {
  inputs: (tf.Tensor | null)[];
  variables: [tf.Variable, tf.Tensor][];
}

/** One step of the explicit pass: the layer whose value it computes, from the values of `inputs`. */
interface Node {
  out: Layer;
  inputs: Layer[];
  /** Whether a trainable variable is at or before this node (its output gradient is needed). */
  trains: boolean;
  /** For each input, whether its gradient is needed (whether that input's node {@link Node.trains}). */
  needed: boolean[];
  run(ins: tf.Tensor[]): { y: tf.Tensor; backward: Backward };
}

/** Layers without variables whose ops are the same with and without a tape, differentiated by
 * recomputing them under one. */
const RECOMPUTED = new Set(["FreqlensNormalize", "FreqlensPadShortcut", "Flatten", "MaxPooling2D"]);

/** Whether the kernels the explicit pass calls are on the active backend. */
const kernelsPresent = () => batchNormTrainingAvailable() && reluGradAvailable();

/** The ReLU gradient kernel: `dy` where `x > 0`, else 0 (the gradient ../backend/gradients.ts registers). */
const reluGrad = (dy: tf.Tensor, x: tf.Tensor) => tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor;

/** `dy` summed to a bias's shape, as the tape's gradient of `add(y, bias)` gives it. */
function biasGradient(dy: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(bias.shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, bias.shape);
}

/** The activation of a Conv2D or Dense layer: "linear", "relu", or undefined for any other. */
function activationOf(layer: Layer): "linear" | "relu" | undefined {
  const name = (layer as unknown as { activation: { getClassName(): string } }).activation.getClassName();
  return name === "linear" || name === "relu" ? name : undefined;
}

/** `relu?(y + bias?)` as the un-fused layer computes it, with the gradient through both back to `y`. A bias
 * and a ReLU run as one kernel where it applies (`FreqlensAddRelu`): the same sums, and the ReLU gradient
 * taken from the output (positive exactly where the sum is), so the same bits for every sum that is not NaN. */
function biasAndActivation(
  y: tf.Tensor,
  bias: tf.Variable | undefined,
  relu: boolean,
): { z: tf.Tensor; back: (dz: tf.Tensor) => { dy: tf.Tensor; dBias?: tf.Tensor } } {
  if (relu && bias && biasReluApplies(y, bias)) {
    const z = addRelu(y, bias);
    return {
      z,
      back: (dz) => {
        const d = reluGrad(dz, z);
        return { dy: d, dBias: biasGradient(d, bias) };
      },
    };
  }
  const pre = bias ? tf.add(y, bias) : y;
  const z = relu ? tf.relu(pre) : pre;
  return {
    z,
    back: (dz) => {
      const d = relu ? reluGrad(dz, pre) : dz;
      return { dy: d, dBias: bias ? biasGradient(d, bias) : undefined };
    },
  };
}

/** Each ReLU layer that is the only consumer of a Conv2D or Dense layer with a linear activation (not the
 * output): the explicit pass runs the pair as that layer with a ReLU activation, so that its bias and the
 * ReLU are one kernel (the small CNN's convolutions). */
function linearReluPairs(model: tfl.LayersModel, { consumers }: LayerGraph): Map<Layer, Layer> {
  const pairs = new Map<Layer, Layer>();
  for (const layer of model.layers) {
    const kind = cls(layer);
    if ((kind !== "Conv2D" && kind !== "Dense") || activationOf(layer) !== "linear") continue;
    const next = consumers.get(layer);
    if (layer !== model.outputLayers[0] && next?.length === 1 && isRelu(next[0])) pairs.set(next[0], layer);
  }
  return pairs;
}

/** A Conv2D layer's node; with `reluAfter`, the ReLU layer after it runs as its activation. */
function convNode(layer: Layer, reluAfter: boolean): Node["run"] | undefined {
  const c = layer as unknown as {
    rank: number;
    strides: number[];
    padding: string;
    dilationRate: number | number[];
    dataFormat: string;
    kernel: tfl.LayerVariable;
    bias: tfl.LayerVariable | null;
  };
  const dilations = [c.dilationRate].flat();
  const activation = activationOf(layer);
  if (
    c.rank !== 2 || c.dataFormat !== "channelsLast" || !dilations.every((d) => d === 1) ||
    (c.padding !== "same" && c.padding !== "valid") || activation === undefined
  ) return undefined;
  const pad = c.padding as "same" | "valid";
  return ([x]) => {
    const filter = c.kernel.read() as tf.Variable;
    const bias = c.bias?.read() as tf.Variable | undefined;
    const attrs = { strides: c.strides, pad, dataFormat: "NHWC", dimRoundingMode: undefined };
    // The kernel `tf.conv2d` runs for an NHWC batch, without the op's checks and wrapping on every call.
    const y = tf.engine().runKernel(
      tf.Conv2D,
      { x, filter },
      { ...attrs, dilations: [1, 1] } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    const { z, back } = biasAndActivation(y, bias, activation === "relu" || reluAfter);
    return {
      y: z,
      backward: (dz, [xNeeded]) => {
        const { dy, dBias } = back(dz);
        const dFilter = tf.engine().runKernel(
          tf.Conv2DBackpropFilter,
          { x, dy },
          { ...attrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap,
        ) as tf.Tensor;
        const dx = xNeeded
          ? tf.engine().runKernel(
            tf.Conv2DBackpropInput,
            { dy, filter },
            { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor
          : null;
        const variables: [tf.Variable, tf.Tensor][] = [[filter, dFilter]];
        if (bias && dBias) variables.push([bias, dBias]);
        return { inputs: [dx], variables };
      },
    };
  };
}

/** A Dense layer's node; with `reluAfter`, the ReLU layer after it runs as its activation. */
function denseNode(layer: Layer, reluAfter: boolean): Node["run"] | undefined {
  const d = layer as unknown as { kernel: tfl.LayerVariable; bias: tfl.LayerVariable | null };
  const activation = activationOf(layer);
  if (activation === undefined) return undefined;
  return ([x]) => {
    const kernel = d.kernel.read() as tf.Variable;
    const bias = d.bias?.read() as tf.Variable | undefined;
    const { z, back } = biasAndActivation(
      tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D),
      bias,
      activation === "relu" || reluAfter,
    );
    return {
      y: z,
      backward: (dz, [xNeeded]) => {
        const { dy, dBias } = back(dz);
        const variables: [tf.Variable, tf.Tensor][] = [[
          kernel,
          tf.matMul(x as tf.Tensor2D, dy as tf.Tensor2D, true, false),
        ]];
        if (bias && dBias) variables.push([bias, dBias]);
        const dx = xNeeded ? tf.matMul(dy as tf.Tensor2D, kernel as tf.Tensor2D, false, true) : null;
        return { inputs: [dx], variables };
      },
    };
  };
}

function batchNormNode(layer: Layer, relu: boolean): Node["run"] | undefined {
  const bn = layer as unknown as BatchNormLayerLike;
  if ((bn.axis !== -1 && bn.axis !== 3) || bn.gamma == null || bn.beta == null) return undefined;
  return ([x]) => {
    const scale = bn.gamma!.read() as tf.Variable;
    const offset = bn.beta!.read() as tf.Variable;
    const { y, saved } = batchNormTrainingForward(x, scale, offset, bn.epsilon, relu);
    updateMovingStatistics(bn, saved.mean, saved.variance);
    return {
      y,
      backward: (dy) => {
        const [dx, dScale, dOffset] = batchNormTrainingBackward(dy, saved);
        return { inputs: [dx], variables: [[scale, dScale], [offset, dOffset]] };
      },
    };
  };
}

/** A residual sum (then its ReLU when `relu`): tfjs-layers' `Add` (`clone(a) + b + …`), or one fused
 * add+ReLU kernel as ./training_forward.ts runs it. */
function addNode(relu: boolean): Node["run"] {
  return (ins) => {
    if (relu && ins.length === 2 && addReluApplies(ins[0], ins[1])) {
      const y = addRelu(ins[0], ins[1]);
      return {
        y,
        backward: (dy) => {
          const g = reluGrad(dy, y);
          return { inputs: [g, tf.clone(g)], variables: [] };
        },
      };
    }
    const sum = ins.slice(1).reduce((acc, t) => tf.add(acc, t), tf.clone(ins[0]));
    const y = relu ? tf.relu(sum) : sum;
    return {
      y,
      backward: (dy) => {
        const g = relu ? reluGrad(dy, sum) : dy;
        return { inputs: ins.map(() => tf.clone(g)), variables: [] };
      },
    };
  };
}

function reluNode(): Node["run"] {
  return ([x]) => ({ y: tf.relu(x), backward: (dy) => ({ inputs: [reluGrad(dy, x)], variables: [] }) });
}

function globalAveragePoolingNode(layer: Layer): Node["run"] | undefined {
  if (config(layer).dataFormat !== "channelsLast") return undefined;
  return ([x]) => ({
    y: tf.mean(x, [1, 2]),
    backward: (dy) => ({ inputs: [meanGradient(dy, x.shape, [1, 2])], variables: [] }),
  });
}

/** Max pooling as the layer runs it, with the gradient kernel tfjs' `MaxPool` gradient calls (the same
 * inputs and attributes), without recomputing the pooling on a tape. */
function maxPoolingNode(layer: Layer): Node["run"] | undefined {
  const p = layer as unknown as { poolSize: [number, number]; strides: [number, number]; padding: string };
  if (config(layer).dataFormat !== "channelsLast" || (p.padding !== "same" && p.padding !== "valid")) {
    return undefined;
  }
  // tfjs' maxPool passes a 1×1 window with stride 1 through as a copy, without a MaxPool kernel.
  if (p.poolSize.every((k) => k === 1) && p.strides.every((s) => s === 1)) return undefined;
  return ([x]) => {
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    return {
      y,
      backward: (dy) => ({
        inputs: [
          tf.engine().runKernel(
            tf.MaxPoolGrad,
            { dy, input: x, output: y },
            { filterSize: p.poolSize, strides: p.strides, pad: p.padding } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
        ],
        variables: [],
      }),
    };
  };
}

/** A layer without variables, run as itself; its input gradients come from recomputing it on a tape. */
function recomputedNode(layer: Layer): Node["run"] {
  const apply = (ins: tf.Tensor[]) =>
    layer.apply(ins.length === 1 ? ins[0] : ins, { training: true }) as tf.Tensor;
  return (ins) => ({
    y: apply(ins),
    backward: (dy, needed) => {
      const wanted = ins.filter((_, i) => needed[i]);
      const { grads } = tf.engine().gradients(() => apply(ins), wanted, dy, true);
      let k = 0;
      return { inputs: needed.map((n) => (n ? grads[k++] : null)), variables: [] };
    },
  });
}

/** The shape of `layer`'s (single) output, batch dimension included (null). */
const outputShape = (layer: Layer) => (layer.output as tfl.SymbolicTensor).shape;

/** Whether every shape is the first one (no broadcasting). */
const sameShapes = (shapes: (number | null)[][]) =>
  shapes.every((sh) => sh.length === shapes[0].length && sh.every((d, i) => d === shapes[0][i]));

/** The explicit pass's nodes in forward order, or undefined when some layer is not handled. */
function explicitNodes(model: tfl.LayersModel): Node[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const graph = layerGraph(model);
  if (!graph) return undefined;
  const { inputsOf } = graph;
  const before = new Map([...fusedReluPairs(model, graph), ...linearReluPairs(model, graph)]);
  const fused = new Set(before.values());
  const trains = new Map<Layer, boolean>();
  const nodes: Node[] = [];
  for (const layer of model.layers) {
    const ins = inputsOf.get(layer)!;
    if (new Set(ins).size !== ins.length) return undefined;
    if (ins.length === 0) {
      if (cls(layer) !== "InputLayer") return undefined;
      trains.set(layer, false);
      continue;
    }
    if (fused.has(layer)) continue;
    const prior = before.get(layer);
    const source = prior ?? layer;
    const sourceIns = inputsOf.get(source)!;
    const kind = cls(source);
    const hasVariables = source.trainableWeights.length > 0;
    const ranks = sourceIns.map((l) => outputShape(l).length);
    const one = sourceIns.length === 1;
    let run: Node["run"] | undefined;
    if (kind === "Conv2D" && one) run = convNode(source, prior !== undefined);
    else if (kind === "Dense" && one && ranks[0] === 2) run = denseNode(source, prior !== undefined);
    else if (kind === "BatchNormalization" && one && ranks[0] === 4) {
      run = batchNormNode(source, prior !== undefined);
    } else if (kind === "Add" && sourceIns.length >= 2 && sameShapes(sourceIns.map(outputShape))) {
      run = addNode(prior !== undefined);
    } else if (isRelu(source)) run = reluNode();
    else if (kind === "GlobalAveragePooling2D" && one && ranks[0] === 4) {
      run = globalAveragePoolingNode(source);
    } else if (kind === "MaxPooling2D" && one && ranks[0] === 4) run = maxPoolingNode(source);
    if (!run && RECOMPUTED.has(kind) && source.weights.length === 0) run = recomputedNode(source);
    if (!run) return undefined;
    const needed = sourceIns.map((l) => trains.get(l) ?? false);
    const node = { out: layer, inputs: sourceIns, trains: hasVariables || needed.some(Boolean), needed, run };
    trains.set(layer, node.trains);
    nodes.push(node);
  }
  return nodes;
}

/** The explicit pass over `nodes` (see the module doc). */
function explicitStep(
  model: tfl.LayersModel,
  nodes: Node[],
  variables: tf.Variable[],
  x: tf.Tensor,
  lossOf: LossOfLogits,
): LossAndGradients {
  return tf.tidy(() => {
    const values = new Map<Layer, tf.Tensor>([[model.inputLayers[0] as Layer, x]]);
    const backwards: Backward[] = [];
    for (const node of nodes) {
      const { y, backward } = node.run(node.inputs.map((l) => values.get(l)!));
      values.set(node.out, y);
      backwards.push(backward);
    }
    const logits = values.get(model.outputLayers[0] as Layer)!;
    const { value, grads: lossGrads } = tf.engine().gradients(
      () => lossOf(logits),
      [logits, ...variables],
      undefined,
      true,
    );
    if (value.rank !== 0) {
      throw new Error(`the loss must be a scalar, but lossOf returned a rank-${value.rank} tensor`);
    }
    const gradOf = new Map<Layer, tf.Tensor>();
    if (lossGrads[0]) gradOf.set(model.outputLayers[0] as Layer, lossGrads[0]);
    const variableGrads = new Map<tf.Variable, tf.Tensor>();
    const accumulate = <K>(map: Map<K, tf.Tensor>, key: K, g: tf.Tensor) => {
      const prior = map.get(key);
      map.set(key, prior ? tf.add(prior, g) : g);
      if (prior) tf.dispose([prior, g]);
    };
    variables.forEach((v, i) => lossGrads[i + 1] && variableGrads.set(v, lossGrads[i + 1]!));
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      const dy = gradOf.get(node.out);
      if (!dy || !node.trains) continue;
      const result = tf.tidy(() =>
        backwards[i](dy, node.needed) as unknown as tf.TensorContainer
      ) as unknown as BackwardResult;
      result.inputs.forEach((g, k) => g && accumulate(gradOf, node.inputs[k], g));
      for (const [v, g] of result.variables) accumulate(variableGrads, v, g);
      // Every consumer of this layer's output came later in the forward pass: its output and its gradient
      // are no longer needed, and go now rather than at the end (the next allocations reuse warm memory).
      dy.dispose();
      const y = values.get(node.out)!;
      if (y !== x && node.inputs.every((l) => values.get(l) !== y)) y.dispose();
    }
    const grads: tf.NamedTensorMap = {};
    for (const v of variables) {
      const g = variableGrads.get(v);
      if (g) grads[v.name] = g;
    }
    if (Object.keys(grads).length === 0) {
      throw new Error(
        "no trainable variable of the model reaches the loss: lossOf ignores the logits and the weights",
      );
    }
    return { value: value as tf.Scalar, grads };
  });
}

/** The loss-and-gradients function of `model`'s trainable variables (see the module doc). */
export function trainingGradients(model: tfl.LayersModel): TrainingGradients {
  const forward = trainingForward(model);
  const variables = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const taped: TrainingGradients = (x, lossOf) =>
    tf.variableGrads(() => lossOf(forward(x)), variables) as LossAndGradients;
  const nodes = explicitNodes(model);
  if (!nodes) return taped;
  return (x, lossOf) =>
    kernelsPresent() && !tapeOn() ? explicitStep(model, nodes, variables, x, lossOf) : taped(x, lossOf);
}
