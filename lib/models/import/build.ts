/**
 * Architectures by name, built as tfjs LayersModels over NHWC images in [0, 1], and the mapping of a
 * state_dict onto them.
 *
 * The model is `input [32,32,3] → normalize (when the checkpoint or options give mean/std) → network →
 * features (flatten after the average pool) → logits`, following the freqlens convention
 * (layers_classifier.ts). robustness' InputNormalize also clamps to [0, 1]; the import leaves the clamp
 * out, which is the identity on the ImageClassifier domain [0, 1] and keeps PyTorch's gradient there.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import {
  ArchitectureMismatchError,
  ImportOptionError,
  type MisshapedTensor,
  NonFiniteTensorError,
} from "./errors.ts";
import { type ModuleSpec, normalizeLayer, TorchGraph } from "./arch/graph.ts";
import { preactResnet, resnet, RESNET_LAYOUTS, stageWidths } from "./arch/resnet.ts";
import { wideResnet, WRN_UNUSED_PREFIX } from "./arch/wide_resnet.ts";
import type { Normalization, StateDict } from "./state_dict.ts";
import { toFloat32, type TorchTensor } from "./tensor.ts";

/** The architectures the importer builds. */
export const ARCHITECTURES = ["resnet18", "resnet34", "resnet50", "preact_resnet18", "wide_resnet"] as const;
export type ArchName = typeof ARCHITECTURES[number];

/** Architecture options; each defaults to the published model's value. */
export interface ArchOptions {
  /** Number of classes (10). */
  num_classes?: number;
  /** ResNet / PreActResNet base width, the first stage's channels (64); later stages double it. */
  width?: number;
  /** robustness' `wm`: stage widths `int([64,128,256,512] · wm)` (1); ignored when `width` is given. */
  width_multiplier?: number;
  /** WideResNet depth 6n+4 (28). */
  depth?: number;
  /** WideResNet widen factor (10). */
  widen_factor?: number;
  /** PreActResNet block: RobustBench's PreActBlock ("v1") or PreActBlockV2 ("v2"). */
  preact_block?: "v1" | "v2";
  /** PreActResNet with a batch norm + ReLU (`bn`) before the pooling (false). */
  bn_before_fc?: boolean;
  /** Normaliser mean per channel, when the checkpoint holds none (or to check the one it holds). */
  mean?: number[];
  /** Normaliser std per channel, with `mean`. */
  std?: number[];
}

/** A built, not yet weighted, model with the PyTorch modules its layers stand for. */
export interface BuiltArchitecture {
  model: tfl.LayersModel;
  modules: ModuleSpec[];
  normalizer: tfl.layers.Layer | null;
  /** Key prefixes of checkpoint tensors the architecture knowingly does not use. */
  unusedPrefixes: string[];
}

/** Input shape of every imported architecture (CIFAR-sized NHWC). */
export const IMPORT_INPUT_SHAPE = [32, 32, 3] as const;

/** Builds `arch` with `options`; `normalized` adds the normaliser layer (weights set later). */
export function buildArchitecture(
  arch: ArchName,
  options: ArchOptions,
  normalized: boolean,
): BuiltArchitecture {
  const numClasses = options.num_classes ?? 10;
  const widths = options.width != null
    ? stageWidths(options.width)
    : [64, 128, 256, 512].map((w) => Math.floor(w * (options.width_multiplier ?? 1)));
  const g = new TorchGraph();
  const input = tfl.input({ shape: [...IMPORT_INPUT_SHAPE], name: "images" });
  let x = input;
  let normalizer: tfl.layers.Layer | null = null;
  if (normalized) {
    const n = normalizeLayer(input, IMPORT_INPUT_SHAPE[2]);
    x = n.out;
    normalizer = n.layer;
  }
  let logits: tfl.SymbolicTensor;
  const unusedPrefixes: string[] = [];
  switch (arch) {
    case "resnet18":
    case "resnet34":
    case "resnet50":
      logits = resnet(g, x, { ...RESNET_LAYOUTS[arch], widths, numClasses });
      break;
    case "preact_resnet18":
      logits = preactResnet(g, x, {
        widths,
        numClasses,
        v2: options.preact_block === "v2",
        bnBeforeFc: options.bn_before_fc ?? false,
      });
      break;
    case "wide_resnet":
      logits = wideResnet(g, x, {
        depth: options.depth ?? 28,
        widenFactor: options.widen_factor ?? 10,
        numClasses,
      });
      unusedPrefixes.push(WRN_UNUSED_PREFIX);
      break;
    default:
      throw new RangeError(`unknown architecture '${arch}' (known: ${ARCHITECTURES.join(", ")})`);
  }
  const model = tfl.model({ inputs: input, outputs: logits, name: arch });
  return { model, modules: g.modules, normalizer, unusedPrefixes };
}

/** The tensor a tfjs weight needs from a PyTorch one: conv OIHW → HWIO, linear [out,in] → [in,out]. */
function tfjsWeight(kind: ModuleSpec["kind"], suffix: string, t: TorchTensor): tf.Tensor {
  const values = toFloat32(t);
  return tf.tidy(() => {
    const x = tf.tensor(values, t.shape, "float32");
    if (suffix !== "weight") return x;
    if (kind === "conv") return tf.transpose(x, [2, 3, 1, 0]);
    if (kind === "linear") return tf.transpose(x, [1, 0]);
    return x;
  });
}

/** The normaliser to use: the checkpoint's, or the options', which must agree when both are given. */
export function resolveNormalization(
  file: string,
  fromCheckpoint: Normalization | null,
  options: ArchOptions,
): Normalization | null {
  if ((options.mean == null) !== (options.std == null)) {
    throw new ImportOptionError(file, "give both 'mean' and 'std' for the input normaliser, or neither");
  }
  const fromOptions = options.mean && options.std ? { mean: options.mean, std: options.std } : null;
  if (fromOptions && (fromOptions.mean.length !== 3 || fromOptions.std.length !== 3)) {
    throw new ImportOptionError(file, "'mean' and 'std' need 3 values (RGB)");
  }
  if (fromOptions?.std.some((s) => !(s > 0))) throw new ImportOptionError(file, "'std' values must be > 0");
  if (fromCheckpoint && fromOptions) {
    const close = (a: number[], b: number[]) =>
      a.every((v, i) => Math.abs(v - b[i]) <= 1e-6 * Math.max(1, Math.abs(v)));
    if (!close(fromCheckpoint.mean, fromOptions.mean) || !close(fromCheckpoint.std, fromOptions.std)) {
      throw new ImportOptionError(
        file,
        `the checkpoint's normaliser (mean ${fromCheckpoint.mean}, std ${fromCheckpoint.std}) differs from the ` +
          `options' (mean ${fromOptions.mean}, std ${fromOptions.std})`,
      );
    }
  }
  return fromCheckpoint ?? fromOptions;
}

/** Throws a {@link NonFiniteTensorError} when `t` holds NaN or ±Infinity. */
function checkFiniteTensor(file: string, name: string, t: TorchTensor): void {
  let first = -1;
  let count = 0;
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first >= 0) throw new NonFiniteTensorError(file, name, count, first, t.data[first]);
}

/**
 * Sets the built model's weights from the state_dict. Before touching any weight, compares the
 * checkpoint's tensors with the architecture's and throws an {@link ArchitectureMismatchError} listing
 * every missing, unexpected and mis-shaped tensor. `num_batches_tracked` is optional and unused.
 * Returns the checkpoint keys it ignored (unused sub-modules, `num_batches_tracked`).
 */
export function assignWeights(
  built: BuiltArchitecture,
  sd: StateDict,
  normalization: Normalization | null,
  file: string,
  arch: string,
): string[] {
  const missing = [...sd.missing];
  const misshaped: MisshapedTensor[] = [];
  const expected = new Set<string>();
  for (const m of built.modules) {
    for (const [suffix, shape] of m.tensors) {
      const name = `${m.module}.${suffix}`;
      expected.add(name);
      const t = sd.tensors.get(name);
      if (!t) missing.push(name);
      else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        misshaped.push({ name, expected: shape, actual: [...t.shape] });
      }
    }
  }
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const name of sd.tensors.keys()) {
    if (expected.has(name)) continue;
    if (name.endsWith(".num_batches_tracked") || built.unusedPrefixes.some((p) => name.startsWith(p))) {
      ignored.push(name);
    } else unexpected.push(name);
  }
  if (missing.length || unexpected.length || misshaped.length) {
    throw new ArchitectureMismatchError(file, arch, missing, unexpected, misshaped);
  }
  for (const name of expected) checkFiniteTensor(file, name, sd.tensors.get(name)!);
  for (const m of built.modules) {
    const weights = m.tensors.map(([suffix]) =>
      tfjsWeight(m.kind, suffix, sd.tensors.get(`${m.module}.${suffix}`)!)
    );
    m.layer.setWeights(weights);
    tf.dispose(weights);
  }
  if (built.normalizer && normalization) {
    const { mean, std } = normalization;
    const c = std.length;
    const diagonal = new Float32Array(c * c);
    std.forEach((s, i) => (diagonal[i * c + i] = 1 / s));
    const kernel = tf.tensor4d(diagonal, [1, 1, c, c]);
    const bias = tf.tensor1d(mean.map((m, i) => -m / std[i]));
    built.normalizer.setWeights([kernel, bias]);
    tf.dispose([kernel, bias]);
  }
  return [...sd.ignored, ...ignored];
}
