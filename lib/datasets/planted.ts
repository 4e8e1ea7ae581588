/**
 * The synthetic "planted-frequency" dataset: images whose class is carried by one chosen DCT band, so that
 * a frequency attribution has a known right answer, and tests run in seconds.
 *
 * What is planted, per image of class c (H×W×C, all channels alike in law, independent in draw), built in
 * the orthonormal DCT domain and mapped to pixels by the inverse DCT (lib/dct):
 * 1. background: DC coefficient `0.5·√(HW)` (mean pixel 0.5) plus smooth low-frequency noise, every
 *    coefficient of bands 1 … `lowBands − 1` drawn N(0, σ²/m) (m = the number of such coefficients per
 *    channel; σ = `lowNoise`, so its expected energy per channel is σ²);
 * 2. signal: every coefficient of band `bands[c]` is set to `s · a / √|b|` (|b| = the band's size, a =
 *    `amplitude` times a per-image factor uniform in [1 − `jitter`, 1 + `jitter`]), so the band's energy is
 *    a² per channel; the sign pattern s ∈ {±1}^|b| is fixed per class and channel (drawn once from the
 *    seed) with `signs: "class"` (default), or drawn afresh per image with `signs: "image"` (then only the
 *    band's energy, not a template, carries the class);
 * 3. white pixel noise N(0, `pixelNoise`²), then clipping to [0, 1].
 * Default class bands are spread evenly over the bands from `lowBands` to `numBands − 2`, distinct per class.
 * Ablating band `bands[c]` removes all class evidence (up to clipping and white noise), so occlusion recovers it.
 */
import { bandMap, idct2, numBands } from "../dct/mod.ts";
import { deriveSeed, Rng } from "../stats/mod.ts";
import type { Dataset, LabelledImages } from "./types.ts";

/** Options of {@link plantedDataset}. */
export interface PlantedOptions {
  /** Image height = width (default 16). */
  size?: number;
  /** Channels (default 1). */
  channels?: number;
  /** Number of classes (default 4). */
  numClasses?: number;
  /** The band that carries each class (length numClasses); default: spread evenly (see the module doc). */
  bands?: number[];
  /** Images per class in the train / test split (defaults 250 / 100). */
  trainPerClass?: number;
  testPerClass?: number;
  /** Band energy a (√energy per channel) of the planted signal (default 2). */
  amplitude?: number;
  /** Relative per-image spread of the amplitude (default 0.25). */
  jitter?: number;
  /** Bands 1 … lowBands−1 carry the smooth background noise (default 3). */
  lowBands?: number;
  /** √energy per channel of the background noise (default 1.5). */
  lowNoise?: number;
  /** Standard deviation of the white pixel noise (default 0.02). */
  pixelNoise?: number;
  /** Sign patterns fixed per class (default) or drawn per image. */
  signs?: "class" | "image";
  /** Seed of everything random (default 0). */
  seed?: number;
}

/** Resolved planted parameters (what {@link plantedDataset} stores in `info.planted`). */
export type PlantedParams = Required<PlantedOptions>;

/** The default class bands: `numClasses` distinct bands spread evenly over [lowBands, numBands − 2]. */
export function defaultPlantedBands(size: number, numClasses: number, lowBands: number): number[] {
  const top = numBands(size, size) - 2;
  if (top - lowBands + 1 < numClasses) {
    throw new RangeError(
      `${numClasses} classes do not fit in bands ${lowBands}..${top} of a ${size}×${size} grid`,
    );
  }
  if (numClasses === 1) return [Math.round((lowBands + top) / 2)];
  return Array.from(
    { length: numClasses },
    (_, c) => Math.round(lowBands + (c * (top - lowBands)) / (numClasses - 1)),
  );
}

/** Fills in defaults and validates the options. */
export function plantedParams(options: PlantedOptions = {}): PlantedParams {
  const size = options.size ?? 16;
  const numClasses = options.numClasses ?? 4;
  const lowBands = options.lowBands ?? 3;
  const bands = options.bands ?? defaultPlantedBands(size, numClasses, lowBands);
  const p: PlantedParams = {
    size,
    channels: options.channels ?? 1,
    numClasses,
    bands,
    trainPerClass: options.trainPerClass ?? 250,
    testPerClass: options.testPerClass ?? 100,
    amplitude: options.amplitude ?? 2,
    jitter: options.jitter ?? 0.25,
    lowBands,
    lowNoise: options.lowNoise ?? 1.5,
    pixelNoise: options.pixelNoise ?? 0.02,
    signs: options.signs ?? "class",
    seed: options.seed ?? 0,
  };
  const nb = numBands(size, size);
  if (bands.length !== numClasses) {
    throw new RangeError(`bands has ${bands.length} entries for ${numClasses} classes`);
  }
  for (const b of bands) {
    if (!Number.isInteger(b) || b < 1 || b >= nb) {
      throw new RangeError(`planted band ${b} outside 1..${nb - 1}`);
    }
  }
  if (new Set(bands).size !== bands.length) {
    throw new RangeError(`planted bands must be distinct, got [${bands}]`);
  }
  if (lowBands < 1 || lowBands > nb) throw new RangeError(`lowBands ${lowBands} outside 1..${nb}`);
  if (p.jitter < 0 || p.jitter >= 1) throw new RangeError(`jitter must be in [0, 1), got ${p.jitter}`);
  return p;
}

/** Coefficient indices (row-major over the H×W grid) of each band. */
function bandMembers(size: number): number[][] {
  const members: number[][] = Array.from({ length: numBands(size, size) }, () => []);
  bandMap(size, size).forEach((b, p) => members[b].push(p));
  return members;
}

function makeSplit(
  p: PlantedParams,
  perClass: number,
  seed: number,
  patterns: Float64Array[][],
): LabelledImages {
  const { size, channels: c } = p;
  const hw = size * size;
  const n = perClass * p.numClasses;
  const rng = new Rng(seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % p.numClasses;
  rng.shuffle(labels);
  const members = bandMembers(size);
  const low = members.slice(1, p.lowBands).flat();
  const coeffs = new Float64Array(n * hw * c);
  for (let i = 0; i < n; i++) {
    const cls = labels[i];
    const band = members[p.bands[cls]];
    const a = p.amplitude * (1 + p.jitter * (2 * rng.uniform() - 1));
    for (let ch = 0; ch < c; ch++) {
      const at = (q: number) => (i * hw + q) * c + ch;
      coeffs[at(0)] = 0.5 * size;
      for (const q of low) coeffs[at(q)] = (p.lowNoise / Math.sqrt(low.length)) * rng.normal();
      band.forEach((q, k) => {
        const s = p.signs === "class" ? patterns[cls][ch][k] : rng.sign();
        coeffs[at(q)] = (s * a) / Math.sqrt(band.length);
      });
    }
  }
  const pixels = idct2(coeffs, [n, size, size, c]);
  const images = new Float32Array(pixels.length);
  for (let k = 0; k < pixels.length; k++) {
    images[k] = Math.min(1, Math.max(0, pixels[k] + p.pixelNoise * rng.normal()));
  }
  return { images, labels, shape: [n, size, size, c] };
}

/**
 * Generates the planted-frequency dataset (see the module doc). Classes are named `band<b>`; `info.planted`
 * holds the resolved parameters, including `bands` (the right answer of a band attribution per class).
 * Deterministic: same options, same bytes.
 */
export function plantedDataset(options: PlantedOptions = {}): Dataset {
  const p = plantedParams(options);
  const members = bandMembers(p.size);
  const patternRng = new Rng(deriveSeed(p.seed, "planted-signs"));
  const patterns = p.bands.map((b) =>
    Array.from({ length: p.channels }, () => Float64Array.from(members[b], () => patternRng.sign()))
  );
  return {
    name: "planted",
    classNames: p.bands.map((b) => `band${b}`),
    train: makeSplit(p, p.trainPerClass, deriveSeed(p.seed, "planted-train"), patterns),
    test: makeSplit(p, p.testPerClass, deriveSeed(p.seed, "planted-test"), patterns),
    info: { planted: p },
  };
}
