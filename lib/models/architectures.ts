/**
 * freqlens' own architectures by name, as a tagged spec the `train` task and scripts build from, plus
 * parameter counting.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { ArchitectureError, type BaseArchOptions } from "./arch_common.ts";
import { smallCnn, type SmallCnnOptions } from "./small_cnn.ts";
import { cifarResNet, type ResNetOptions } from "./resnet.ts";
import { vggNet, type VggOptions } from "./vgg.ts";

/** The architecture names {@link buildModel} knows. */
export const ARCH_NAMES = ["small_cnn", "resnet", "vgg"] as const;
/** One of {@link ARCH_NAMES}. */
export type ArchName = typeof ARCH_NAMES[number];

/** An architecture with its options (the base options — shape, classes, normalisation, seed — included). */
export type ArchSpec =
  | ({ arch: "small_cnn" } & SmallCnnOptions)
  | ({ arch: "resnet" } & ResNetOptions)
  | ({ arch: "vgg" } & VggOptions);

/** Builds the architecture `spec` names. */
export function buildModel(spec: ArchSpec): tfl.LayersModel {
  switch (spec.arch) {
    case "small_cnn":
      return smallCnn(spec);
    case "resnet":
      return cifarResNet(spec);
    case "vgg":
      return vggNet(spec);
    default:
      throw new ArchitectureError(
        `unknown architecture '${(spec as { arch: string }).arch}': expected ${ARCH_NAMES.join(", ")}`,
      );
  }
}

/** Number of trainable parameters (scalars) of a model. */
export function countTrainableParams(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    0,
  );
}

export type { BaseArchOptions };
