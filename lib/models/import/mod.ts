/**
 * Import of PyTorch checkpoints (MadryLab robustness, RobustBench, plain state_dicts) as tfjs LayersModels
 * whose logits equal PyTorch's: formats (torch.save zip and legacy, safetensors), a restricted unpickler,
 * the libraries' key layouts, ResNet-18/34/50, PreActResNet-18 and WideResNet architectures.
 */
export * from "./errors.ts";
export type { TorchDtype, TorchTensor } from "./tensor.ts";
export { type CheckpointFormat, parseCheckpoint, type ParsedCheckpoint } from "./formats.ts";
export {
  type CheckpointSource,
  extractStateDict,
  findStateDict,
  type Normalization,
  type StateDict,
} from "./state_dict.ts";
export {
  ARCHITECTURES,
  type ArchName,
  type ArchOptions,
  buildArchitecture,
  type BuiltArchitecture,
  IMPORT_INPUT_SHAPE,
} from "./build.ts";
export {
  cachePathFor,
  type CheckpointBytes,
  defaultCheckpointCache,
  type FetchOptions,
  readCheckpointBytes,
  sha256Hex,
} from "./fetch.ts";
export {
  importCheckpoint,
  importCheckpointBytes,
  type ImportedModel,
  type ImportInfo,
  type ImportSpec,
} from "./import_checkpoint.ts";
