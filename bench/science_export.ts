/**
 * Hands a freqlens ResNet (lib/models `cifarResNet`, option-A shortcuts) to the PyTorch reference
 * (`scripts/bench_torch_science.py`) so both run on the same weights: one `.npy` per layer weight, in the
 * layer's own order (conv `kernel` HWIO; batch-norm `gamma, beta, moving_mean, moving_variance`; dense
 * `kernel` [in, out], `bias`), plus the input normaliser's constants, the images, labels and freqlens'
 * logits (for the parity check), described by `manifest.json`.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { writeJsonAtomic, writeNpy } from "../lib/io/mod.ts";
import { Normalize } from "../lib/models/mod.ts";

/** One exported layer: its name, tfjs class and weight files in the order listed in the module doc. */
export interface ExportedLayer {
  name: string;
  className: string;
  files: string[];
}

/** What `manifest.json` holds. */
export interface ScienceManifest {
  layers: ExportedLayer[];
  normalize: { mean: number[]; std: number[] };
  images: string;
  labels: string;
  logits: string;
  /** Anything the reference needs to do the same work (attack params, sizes, freqlens' results). */
  [key: string]: unknown;
}

/** Writes `model`'s weights, `images` `[N, H, W, C]` with `labels`, and the model's logits on them into
 * `dir`; returns the manifest (also written, with `extra` merged in, as `dir/manifest.json`). */
export async function exportForReference(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  labels: Int32Array,
  dir: string,
  extra: Record<string, unknown> = {},
): Promise<ScienceManifest> {
  await Deno.mkdir(dir, { recursive: true });
  const layers: ExportedLayer[] = [];
  let normalize: ScienceManifest["normalize"] | undefined;
  for (const layer of model.layers) {
    if (layer instanceof Normalize) normalize = { mean: layer.mean, std: layer.std };
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    const files: string[] = [];
    for (const [i, w] of weights.entries()) {
      const file = `${layer.name}.${i}.npy`;
      await writeNpy(`${dir}/${file}`, { data: w.dataSync() as Float32Array, shape: w.shape });
      files.push(file);
    }
    layers.push({ name: layer.name, className: layer.getClassName(), files });
  }
  if (!normalize) throw new Error(`model '${model.name}' has no Normalize layer to export`);
  const logits = tf.tidy(() => model.apply(images, { training: false }) as tf.Tensor2D);
  await writeNpy(`${dir}/images.npy`, { data: images.dataSync() as Float32Array, shape: images.shape });
  await writeNpy(`${dir}/labels.npy`, { data: labels, shape: [labels.length] });
  await writeNpy(`${dir}/logits.npy`, { data: logits.dataSync() as Float32Array, shape: logits.shape });
  logits.dispose();
  const manifest: ScienceManifest = {
    ...extra,
    layers,
    normalize,
    images: "images.npy",
    labels: "labels.npy",
    logits: "logits.npy",
  };
  await writeJsonAtomic(`${dir}/manifest.json`, manifest);
  return manifest;
}
