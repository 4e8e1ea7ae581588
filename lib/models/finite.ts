/**
 * Non-finite weights: a diverged training run or a corrupt checkpoint leaves NaN or ±Infinity in a
 * layer's weights, and every number computed from such a model is meaningless. Models are checked when
 * saved and when loaded, so none reaches a store entry or a downstream stage.
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** Where the first non-finite weight of a model sits. */
export interface NonFiniteWeight {
  /** Layer name, e.g. `conv2d_1`. */
  layer: string;
  /** Weight (tensor) name, e.g. `conv2d_1/kernel`. */
  weight: string;
  /** Flat (C-order) index of the first bad element, and how many elements are bad. */
  index: number;
  count: number;
  value: number;
}

/** A model whose weights hold NaN or ±Infinity; names the layer and tensor. */
export class NonFiniteWeightsError extends Error {
  constructor(readonly source: string, readonly where: NonFiniteWeight) {
    super(
      `${source}: layer '${where.layer}' weight '${where.weight}' holds ${where.count} non-finite value(s) ` +
        `(first: ${where.value} at flat index ${where.index}); the model diverged or the file is corrupt`,
    );
    this.name = "NonFiniteWeightsError";
  }
}

/** The first non-finite weight of `model` (layers in order), or undefined when all are finite. */
export function findNonFiniteWeight(model: tfl.LayersModel): NonFiniteWeight | undefined {
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const data = w.read().dataSync() as Float32Array;
      let first = -1;
      let count = 0;
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) {
          if (first < 0) first = i;
          count++;
        }
      }
      if (first >= 0) return { layer: layer.name, weight: w.name, index: first, count, value: data[first] };
    }
  }
  return undefined;
}

/** Throws a {@link NonFiniteWeightsError} naming `source` when a weight of `model` is not finite. */
export function assertFiniteWeights(model: tfl.LayersModel, source: string): void {
  const bad = findNonFiniteWeight(model);
  if (bad) throw new NonFiniteWeightsError(source, bad);
}
