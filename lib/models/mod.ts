/**
 * Models: the {@link ImageClassifier} interface, freqlens' architectures (small CNN, CIFAR ResNet 6n+2,
 * VGG-style) with input normalisation inside the model and a `features` layer, seeded initialisation,
 * and saving/loading in the TensorFlow.js LayersModel format.
 */
export {
  type ImageClassifier,
  type ObjectiveGradient,
  objectiveGradient,
  type ObjectiveOfLogits,
  tapedObjectiveGradient,
} from "./classifier.ts";
export { predictedClasses } from "./predict.ts";
export { classifierFromLayersModel, FEATURES_LAYER } from "./layers_classifier.ts";
export { trainingForward } from "./training_forward.ts";
export {
  type LossAndGradients,
  type LossOfLogits,
  type TrainingGradients,
  trainingGradients,
} from "./training_gradients.ts";
export {
  LayerConfigError,
  Normalize,
  type NormalizeArgs,
  PadShortcut,
  type PadShortcutArgs,
} from "./layers.ts";
export { ArchitectureError, type BaseArchOptions } from "./arch_common.ts";
export { smallCnn, type SmallCnnOptions } from "./small_cnn.ts";
export { cifarResNet, type ResNetOptions } from "./resnet.ts";
export { VGG_CONVS, VGG_HIDDEN, VGG_WIDTHS, vggLayout, vggNet, type VggOptions } from "./vgg.ts";
export {
  ARCH_NAMES,
  type ArchName,
  type ArchSpec,
  buildModel,
  countTrainableParams,
} from "./architectures.ts";
export {
  fileSystemHandler,
  loadModel,
  MODEL_JSON,
  ModelFormatError,
  resolveModelDir,
  saveModel,
  WEIGHTS_BIN,
} from "./io.ts";
export {
  assertFiniteWeights,
  findNonFiniteWeight,
  type NonFiniteWeight,
  NonFiniteWeightsError,
} from "./finite.ts";
export {
  checkClassifierConvention,
  loadClassifier,
  loadClassifierModel,
  type LoadedClassifier,
} from "./load.ts";
