/**
 * Seeded weight initialisation: every layer of a freqlens architecture gets its own initialiser seed,
 * derived from the model seed and the layer's name, so the same seed gives the same weight bytes (on the
 * same backend) and no two layers share a random stream.
 */
import * as tfl from "@tensorflow/tfjs-layers";

/** A tfjs-layers weight initialiser. */
export type Initializer = ReturnType<typeof tfl.initializers.heNormal>;
import { deriveSeed } from "../stats/mod.ts";

/** tfjs initialisers take seeds below 2³¹ (seedrandom's string seed); keep derived seeds in that range. */
function layerSeed(seed: number, name: string): number {
  return deriveSeed(seed, "init", name) % 2147483647;
}

/** He (Kaiming) normal for a conv/dense kernel followed by ReLU: N(0, 2/fan_in), truncated at 2σ. */
export function heInit(seed: number, layerName: string): Initializer {
  return tfl.initializers.heNormal({ seed: layerSeed(seed, layerName) });
}

/** Glorot uniform for the final (logit) layer: U(±√(6/(fan_in+fan_out))). */
export function glorotInit(seed: number, layerName: string): Initializer {
  return tfl.initializers.glorotUniform({ seed: layerSeed(seed, layerName) });
}
