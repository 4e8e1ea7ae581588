/**
 * Inference forward passes with batch-norm folded into the convolutions: `conv → BN [→ add] [→ ReLU]`
 * runs as one {@link convPostOps} call (one oneDNN primitive on wasm) with filter `W·γ/√(σ²+ε)` and bias
 * `β − μ·γ/√(σ²+ε)` (+ the conv's own bias, scaled), the residual added and ReLU applied as post-ops;
 * every other layer runs as itself. The forward pass of OF, SimBA queries, filtered accuracy and the
 * gradient attacks (differentiable in the input; weights are constants here — training uses the layers).
 *
 * Works on a functional LayersModel whose layers each sit in one place of the graph with one output
 * (freqlens' architectures); for any other model {@link foldedForward} returns undefined. The folded
 * weights are cached and recomputed when a weight's data changes, so they follow training.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { convPostOps } from "../backend/conv_post_ops.ts";
import type { ConvPostOpsAttrs } from "../backend/kernels/conv_post_ops.ts";
import { tapeOn } from "../backend/gradients.ts";
import { cls, config, isRelu, type Layer, layerGraph } from "./layer_graph.ts";

/** One fused block: the conv layer, its BN, and optionally the add (with its other input) and ReLU. */
export interface Fused {
  conv: Layer;
  bn: Layer;
  residual?: Layer;
  relu: boolean;
  /** The last layer of the block: where its value is stored and when it runs. */
  last: Layer;
}

function foldable(conv: Layer): boolean {
  const c = config(conv);
  const dil = c.dilationRate as number | number[];
  const dilated = Array.isArray(dil) ? dil.some((d) => d !== 1) : dil !== 1;
  return cls(conv) === "Conv2D" && c.activation === "linear" && c.dataFormat === "channelsLast" && !dilated &&
    (c.padding === "same" || c.padding === "valid");
}

/** Plans the graph: layers in order, each with its input layers, and the fused blocks keyed by last layer
 * (undefined for a graph this does not handle). */
export function foldingPlan(model: tfl.LayersModel): FoldingPlan | undefined {
  const graph = layerGraph(model);
  if (!graph) return undefined;
  const { inputsOf, consumers } = graph;
  const order = new Map(model.layers.map((l, i) => [l, i]));
  const only = (l: Layer) => (consumers.get(l)?.length === 1 ? consumers.get(l)![0] : undefined);
  const fused = new Map<Layer, Fused>();
  const absorbed = new Set<Layer>();
  for (const conv of model.layers) {
    if (!foldable(conv)) continue;
    const bn = only(conv);
    const bc = bn && config(bn);
    if (!bn || cls(bn) !== "BatchNormalization" || !(bc!.axis === -1 || bc!.axis === 3)) continue;
    const block: Fused = { conv, bn, relu: false, last: bn };
    let next = only(bn);
    // An add already taken by the other branch's block (1×1-conv shortcuts) ends this block at its BN.
    if (next && absorbed.has(next)) next = undefined;
    if (next && cls(next) === "Add" && inputsOf.get(next)!.length === 2) {
      block.residual = inputsOf.get(next)!.find((l) => l !== bn);
      block.last = next;
      next = only(next);
    }
    if (next && isRelu(next)) {
      block.relu = true;
      block.last = next;
    }
    if (block.residual && order.get(block.residual)! > order.get(block.last)!) continue;
    fused.set(block.last, block);
    for (const l of [conv, bn, block.last]) absorbed.add(l);
    if (block.residual) absorbed.add(only(bn)!);
  }
  return { inputsOf, fused, absorbed };
}

/** A model's fused blocks keyed by their last layer, the layers they absorb, and each layer's inputs. */
export interface FoldingPlan {
  inputsOf: Map<Layer, Layer[]>;
  fused: Map<Layer, Fused>;
  absorbed: Set<Layer>;
}

/** Folded filter and bias of a conv → BN pair from the given weights (see the module doc). */
function foldWeights(conv: Layer, bn: Layer, w: tf.Tensor[], b: tf.Tensor[]): [tf.Tensor4D, tf.Tensor1D] {
  const c = config(bn);
  let k = 0;
  const gamma = c.scale ? b[k++] : undefined;
  const beta = c.center ? b[k++] : undefined;
  const [mean, variance] = [b[k], b[k + 1]];
  const scale = tf.div(gamma ?? 1, tf.sqrt(tf.add(variance, c.epsilon as number)));
  const filter = tf.mul(w[0], scale) as tf.Tensor4D;
  let bias = tf.neg(tf.mul(mean, scale));
  if (beta) bias = tf.add(bias, beta);
  if (config(conv).useBias) bias = tf.add(bias, tf.mul(w[1], scale));
  return [filter, bias as tf.Tensor1D];
}

/** The folded weights of each block, recomputed only when a weight's data changes (a variable that is
 * assigned, as in training, gets a new data id). */
class FoldCache {
  private readonly entries = new Map<Layer, { ids: tf.DataId[]; folded: [tf.Tensor4D, tf.Tensor1D] }>();

  /** The folded filter and bias of `conv` → `bn` from their current weights. */
  get(conv: Layer, bn: Layer): [tf.Tensor4D, tf.Tensor1D] {
    const w = conv.getWeights();
    const b = bn.getWeights();
    const ids = [...w, ...b].map((t) => t.dataId);
    const hit = this.entries.get(conv);
    if (hit && hit.ids.length === ids.length && hit.ids.every((id, i) => id === ids[i])) return hit.folded;
    if (hit) tf.dispose(hit.folded);
    const folded = tf.tidy(() => foldWeights(conv, bn, w, b));
    tf.keep(folded[0]);
    tf.keep(folded[1]);
    this.entries.set(conv, { ids, folded });
    return folded;
  }
}

/** The convolution attributes of a fused block. */
export function blockAttrs(block: Fused): ConvPostOpsAttrs {
  const c = config(block.conv);
  return { strides: c.strides as [number, number], pad: c.padding as "same" | "valid", relu: block.relu };
}

const foldCaches = new WeakMap<tfl.LayersModel, FoldCache>();

/** The folded weights of `model`, one cache shared by its forward pass and its gradient pass. */
export function foldCacheOf(model: tfl.LayersModel): FoldCache {
  let cache = foldCaches.get(model);
  if (!cache) foldCaches.set(model, cache = new FoldCache());
  return cache;
}

/** For each layer, the step of the forward pass that reads its value last (a fused block is a step under
 * its last layer; its reads are the conv's input and the residual). */
function lastReaders(model: tfl.LayersModel, p: FoldingPlan): Map<Layer, Layer> {
  const last = new Map<Layer, Layer>();
  for (const layer of model.layers) {
    const block = p.fused.get(layer);
    const reads = block
      ? [p.inputsOf.get(block.conv)![0], ...(block.residual ? [block.residual] : [])]
      : p.absorbed.has(layer)
      ? []
      : p.inputsOf.get(layer)!;
    for (const l of reads) last.set(l, layer);
  }
  return last;
}

/**
 * A function computing `model`'s output in inference mode with batch-norm folded (see the module doc), or
 * undefined when the model's graph is not one this handles or has nothing to fold.
 */
export function foldedForward(model: tfl.LayersModel): ((x: tf.Tensor) => tf.Tensor) | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const p = foldingPlan(model);
  if (!p || p.fused.size === 0) return undefined;
  const { inputsOf, fused, absorbed } = p;
  const output = model.outputLayers[0];
  const cache = foldCacheOf(model);
  const lastReader = lastReaders(model, p);
  return (x) =>
    tf.tidy(() => {
      const values = new Map<Layer, tf.Tensor>();
      // Without a tape nothing is kept for a backward pass: a residual read for the last time may be
      // overwritten by its block's output. The kernel checks that no other tensor shares its buffer, which
      // also covers a layer passing its input on (tfjs-layers returns a clone, sharing the buffer).
      const mayConsume = !tapeOn();
      for (const layer of model.layers) {
        const block = fused.get(layer);
        if (block) {
          const [filter, bias] = cache.get(block.conv, block.bn);
          const input = values.get(inputsOf.get(block.conv)![0]) as tf.Tensor4D;
          const residual = block.residual ? values.get(block.residual) as tf.Tensor4D : undefined;
          const consumeResidual = mayConsume && residual !== undefined && residual !== x &&
            lastReader.get(block.residual!) === layer && block.residual !== output;
          values.set(
            layer,
            convPostOps(input, filter, bias, residual, { ...blockAttrs(block), consumeResidual }),
          );
          if (consumeResidual) {
            // Its buffer now holds this block's output: drop the old tensor, so that the output is the
            // buffer's only tensor and the next block may write over it in turn.
            values.delete(block.residual!);
            residual!.dispose();
          }
          continue;
        }
        if (absorbed.has(layer)) continue;
        const ins = inputsOf.get(layer)!;
        if (ins.length === 0) {
          values.set(layer, x);
          continue;
        }
        const args = ins.map((l) => values.get(l)!);
        values.set(layer, layer.apply(args.length === 1 ? args[0] : args, { training: false }) as tf.Tensor);
      }
      return values.get(output)!;
    });
}
