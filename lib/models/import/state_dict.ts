/**
 * From an unpickled checkpoint to a flat state_dict, the way each library saves it.
 *
 * - The state_dict is the checkpoint itself when it maps names to tensors, else its `model` or `state_dict`
 *   entry (robustness' train.py writes `{model, optimizer, schedule, epoch}`; RobustBench and most training
 *   scripts `{state_dict, …}` or the bare dict).
 * - A leading `module.` (torch.nn.DataParallel) is removed from every name.
 * - `robustness`: the AttackerModel's `normalizer.new_mean/new_std` ([3,1,1]) give the normaliser, `model.*`
 *   the network, and `attacker.*` (the same network and normaliser again) is ignored.
 * - `robustbench`: the `mu`/`sigma` buffers ([1,3,1,1]) of its model classes give the normaliser.
 * - `plain`: a common leading `model.` is removed; the normaliser, if any, comes from the import options.
 */
import { CheckpointFormatError } from "./errors.ts";
import type { TorchTensor } from "./tensor.ts";

/** The library that wrote the checkpoint, which fixes its key layout. */
export type CheckpointSource = "robustness" | "robustbench" | "plain";

/** Per-channel input normalisation `(x − mean) / std`, applied to images in [0, 1]. */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** The network's tensors by PyTorch name, the normaliser found beside them, and names deliberately skipped. */
export interface StateDict {
  tensors: Map<string, TorchTensor>;
  normalization: Normalization | null;
  /** Keys whose tensors the normaliser needs but the checkpoint lacks (robustness without a normalizer). */
  missing: string[];
  ignored: string[];
}

function isTensor(x: unknown): x is TorchTensor {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x && "data" in x;
}

function isStateDict(x: unknown): x is Map<string, TorchTensor> {
  return x instanceof Map && x.size > 0 && [...x].every(([k, v]) => typeof k === "string" && isTensor(v));
}

function describeTop(root: unknown): string {
  if (root instanceof Map) return `a dict with keys ${JSON.stringify([...root.keys()].slice(0, 20))}`;
  return Array.isArray(root) ? `a list of ${root.length}` : `a ${typeof root}`;
}

/** Finds the state_dict in `root` (see the module doc); throws naming the file and what it found. */
export function findStateDict(root: unknown, file: string): Map<string, TorchTensor> {
  if (isStateDict(root)) return root;
  if (root instanceof Map) {
    for (const key of ["model", "state_dict", "model_state_dict", "net"]) {
      if (isStateDict(root.get(key))) return root.get(key);
    }
  }
  throw new CheckpointFormatError(
    file,
    `no state_dict found: expected a dict of tensors, or one under 'model' or 'state_dict'; got ${
      describeTop(root)
    }`,
  );
}

function stripPrefix(
  names: Map<string, TorchTensor>,
  prefix: string,
  all: boolean,
): Map<string, TorchTensor> {
  if (all && ![...names.keys()].every((k) => k.startsWith(prefix))) return names;
  return new Map([...names].map(([k, v]) => [k.startsWith(prefix) ? k.slice(prefix.length) : k, v]));
}

function channelVector(t: TorchTensor, name: string, file: string): number[] {
  if (t.data.length !== 3) {
    throw new CheckpointFormatError(
      file,
      `normaliser tensor '${name}' has shape [${t.shape}], expected 3 channels`,
    );
  }
  return Array.from(t.data);
}

/** Applies the source's key layout to the state_dict found in `root`. */
export function extractStateDict(root: unknown, source: CheckpointSource, file: string): StateDict {
  let names = stripPrefix(findStateDict(root, file), "module.", false);
  const ignored: string[] = [];
  const missing: string[] = [];
  let normalization: Normalization | null = null;
  const take = (mean: string, std: string) => {
    const m = names.get(mean);
    const s = names.get(std);
    if (m && s) normalization = { mean: channelVector(m, mean, file), std: channelVector(s, std, file) };
    return !!(m && s);
  };
  if (source === "robustness") {
    if (!take("normalizer.new_mean", "normalizer.new_std")) {
      for (const k of ["normalizer.new_mean", "normalizer.new_std"]) if (!names.has(k)) missing.push(k);
    }
    const net = new Map<string, TorchTensor>();
    for (const [k, v] of names) {
      if (k.startsWith("model.")) net.set(k.slice("model.".length), v);
      else if (k.startsWith("attacker.")) ignored.push(k);
      else if (k !== "normalizer.new_mean" && k !== "normalizer.new_std") net.set(k, v);
    }
    names = net;
  } else if (source === "robustbench") {
    if (take("mu", "sigma")) {
      names.delete("mu");
      names.delete("sigma");
    }
  } else {
    names = stripPrefix(names, "model.", true);
  }
  return { tensors: names, normalization, missing, ignored };
}
