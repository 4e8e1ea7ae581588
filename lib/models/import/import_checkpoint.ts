/**
 * PyTorch checkpoint → tfjs LayersModel with the same logits: read the bytes (path or cached URL),
 * parse the container (zip / legacy torch.save / safetensors) with the restricted unpickler, find the
 * state_dict and normaliser the way the source library saved them, build the architecture, check every
 * tensor name and shape, and set the weights.
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  type ArchName,
  type ArchOptions,
  assignWeights,
  buildArchitecture,
  resolveNormalization,
} from "./build.ts";
import { type FetchOptions, readCheckpointBytes } from "./fetch.ts";
import { type CheckpointFormat, parseCheckpoint } from "./formats.ts";
import { type CheckpointSource, extractStateDict, type Normalization } from "./state_dict.ts";

/** What to import: the architecture, the library that saved it, and the architecture's options. */
export interface ImportSpec extends ArchOptions {
  arch: ArchName;
  source: CheckpointSource;
}

/** What an import did, for `model_info.json`. */
export interface ImportInfo {
  arch: ArchName;
  source: CheckpointSource;
  options: ArchOptions;
  format: CheckpointFormat;
  /** The local file read (the cache file for a URL). */
  file: string;
  sha256: string;
  normalization: Normalization | null;
  /** Number of weights in the tfjs model. */
  parameters: number;
  /** Checkpoint tensors deliberately not used (robustness' `attacker.*`, `num_batches_tracked`, …). */
  ignoredTensors: string[];
  inputShape: number[];
  numClasses: number;
}

/** An imported model and its provenance. */
export interface ImportedModel {
  model: tfl.LayersModel;
  info: ImportInfo;
}

/**
 * Builds the model from checkpoint bytes already in memory (`file` names them in errors). Throws the
 * typed errors of `errors.ts`; on any error no model is returned and nothing is written anywhere.
 */
export function importCheckpointBytes(
  bytes: Uint8Array,
  file: string,
  spec: ImportSpec,
  sha256 = "",
): ImportedModel {
  const parsed = parseCheckpoint(bytes, file);
  const sd = extractStateDict(parsed.root, spec.source, file);
  const normalization = resolveNormalization(file, sd.normalization, spec);
  const { arch, source, ...options } = spec;
  const built = buildArchitecture(arch, options, normalization != null);
  try {
    const ignoredTensors = assignWeights(built, sd, normalization, file, arch);
    const outShape = built.model.outputs[0].shape;
    return {
      model: built.model,
      info: {
        arch,
        source,
        options,
        format: parsed.format,
        file,
        sha256,
        normalization,
        parameters: built.model.countParams(),
        ignoredTensors,
        inputShape: built.model.inputs[0].shape.slice(1) as number[],
        numClasses: outShape[outShape.length - 1] as number,
      },
    };
  } catch (err) {
    built.model.dispose();
    throw err;
  }
}

/** Imports the checkpoint at `location` (path or http(s) URL, see {@link readCheckpointBytes}). */
export async function importCheckpoint(
  location: string,
  spec: ImportSpec,
  fetchOptions: FetchOptions = {},
): Promise<ImportedModel> {
  const { bytes, file, sha256 } = await readCheckpointBytes(location, fetchOptions);
  return importCheckpointBytes(bytes, file, spec, sha256);
}
