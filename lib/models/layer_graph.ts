/**
 * The layer graph of a functional tfjs LayersModel as the fused forward passes walk it
 * (./folded_inference.ts, ./training_forward.ts): each layer's input layers and consumers, for models
 * whose layers each sit in one place of the graph with one output (freqlens' architectures).
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** A layer of a LayersModel. */
export type Layer = tfl.layers.Layer;

/** The layer's class name (`Conv2D`, `BatchNormalization`, …). */
export const cls = (l: Layer) => l.getClassName();
/** The layer's config. */
export const config = (l: Layer) => l.getConfig() as Record<string, unknown>;

/** Whether `l` is a plain ReLU (a `ReLU` layer without a cap, or `Activation("relu")`). */
export function isRelu(l: Layer): boolean {
  const c = config(l);
  return (cls(l) === "ReLU" && c.maxValue == null) || (cls(l) === "Activation" && c.activation === "relu");
}

/** Each layer's input layers and its consumers (in `model.layers` order). */
export interface LayerGraph {
  inputsOf: Map<Layer, Layer[]>;
  consumers: Map<Layer, Layer[]>;
}

/** The {@link LayerGraph} of `model`, or undefined when a layer is used in more than one place or reads
 * another output than a layer's first. */
export function layerGraph(model: tfl.LayersModel): LayerGraph | undefined {
  const inputsOf = new Map<Layer, Layer[]>();
  const consumers = new Map<Layer, Layer[]>();
  for (const layer of model.layers) {
    if (layer.inboundNodes.length !== 1) return undefined;
    const ins = layer.inboundNodes[0].inboundLayers;
    if (layer.inboundNodes[0].tensorIndices.some((t) => t !== 0)) return undefined;
    inputsOf.set(layer, ins);
    for (const i of ins) consumers.set(i, [...(consumers.get(i) ?? []), layer]);
  }
  return { inputsOf, consumers };
}
