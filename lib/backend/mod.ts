/**
 * Backend choice and initialisation for every numeric part of freqlens.
 *
 * `initBackend(name?)` picks the tfjs backend by argument, else the `FREQLENS_BACKEND` environment variable,
 * else automatically: `tensorflow` (`@tensorflow/tfjs-node`, when the user has installed it), then `webgpu`
 * (when Deno finds a real, non-fallback GPU adapter), then `wasm` (the default on CPU-only machines), and
 * registers the kernels freqlens adds or replaces (`./kernels/`). `backendInfo()` describes the active
 * backend for stage manifests and cache keys: numbers computed on different backends, thread counts or
 * oneDNN instruction sets (its version tag names the one in use, e.g. `onednn@2.6.3:avx2`) may differ in
 * the last bits, so they must not share a cache entry.
 */
import * as tf from "@tensorflow/tfjs-core";
// tfjs-layers' bundle registers every gradient of tfjs-core (tfjs-core alone registers none), so that
// `tf.grad` works for any importer of lib/backend.
import "@tensorflow/tfjs-layers";
import { installFastBatchNorm } from "./batch_norm_layer.ts";
import { installGradients } from "./gradients.ts";
import { installUnfusedGradients } from "./unfuse.ts";
import { initWasm, wasmThreads, wasmVersionTag } from "./wasm.ts";
import { nativeConv } from "./kernels/native_bridge.ts";
import { nativeThreads } from "./native/threads.ts";
import { keepFreedMemory } from "./native/freed_memory.ts";

/** The backends freqlens knows how to start. */
export const BACKEND_NAMES = ["tensorflow", "wasm", "cpu", "webgpu"] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = typeof BACKEND_NAMES[number];

/** What {@link initBackend} started. */
export interface BackendStart {
  name: BackendName;
  /** Threads the backend computes with (1 when single-threaded; for wasm with oneDNN, oneDNN's). */
  threads: number;
}

/** What {@link backendInfo} reports: the backend, its threads, and a version string of everything that
 * decides its numbers (tfjs version, freqlens kernels, native libraries). */
export interface BackendInfo extends BackendStart {
  version: string;
}

/** A backend was asked for that is unknown or cannot start here. */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackendError";
  }
}

let active: BackendInfo | undefined;
let starting: Promise<BackendStart> | undefined;

/** Module name of the optional native TensorFlow backend; computed so that type checking and
 * `deno install` never need it. Users enable it with `deno add npm:@tensorflow/tfjs-node`. */
const TFJS_NODE = ["@tensorflow", "tfjs-node"].join("/");

async function tryTensorflow(): Promise<BackendInfo | undefined> {
  try {
    const mod = await import(TFJS_NODE);
    if (!(await tf.setBackend("tensorflow"))) return undefined;
    const version = String(mod?.version?.["tfjs-node"] ?? mod?.version_node ?? "unknown");
    return {
      name: "tensorflow",
      threads: navigator.hardwareConcurrency ?? 1,
      version: `tfjs-node@${version}`,
    };
  } catch {
    return undefined;
  }
}

interface GpuLike {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean; description?: string } } | null>;
}

async function gpuAdapter(allowFallback: boolean): Promise<boolean> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return false;
    return allowFallback || !adapter.info?.isFallbackAdapter;
  } catch {
    return false;
  }
}

async function tryWebgpu(allowFallback: boolean): Promise<BackendInfo | undefined> {
  if (!(await gpuAdapter(allowFallback))) return undefined;
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) return undefined;
  return { name: "webgpu", threads: 1, version: `tfjs-backend-webgpu@${tf.version_core}` };
}

async function startCpu(): Promise<BackendInfo> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) throw new BackendError("the tfjs cpu backend failed to start");
  return { name: "cpu", threads: 1, version: `tfjs-backend-cpu@${tf.version_core}` };
}

async function startWasm(): Promise<BackendInfo> {
  initWasm();
  if (!(await tf.setBackend("wasm"))) throw new BackendError("the tfjs wasm backend failed to start");
  // With oneDNN, the heavy kernels run on its thread pool (./native/threads.ts); it decides the bits.
  const threads = (nativeConv() && nativeThreads()) || wasmThreads();
  return { name: "wasm", threads, version: wasmVersionTag() };
}

async function start(name: BackendName | "auto"): Promise<BackendInfo> {
  switch (name) {
    case "tensorflow": {
      const info = await tryTensorflow();
      if (!info) {
        throw new BackendError(
          "backend 'tensorflow' needs @tensorflow/tfjs-node: install it with `deno add npm:@tensorflow/tfjs-node`",
        );
      }
      return info;
    }
    case "webgpu": {
      const info = await tryWebgpu(true);
      if (!info) throw new BackendError("backend 'webgpu': Deno found no GPU adapter (navigator.gpu)");
      return info;
    }
    case "wasm":
      return await startWasm();
    case "cpu":
      return await startCpu();
    case "auto":
      return (await tryTensorflow()) ?? (await tryWebgpu(false)) ?? (await startWasm());
  }
}

/** The backends that would start here for real work, fastest first: `tensorflow` when tfjs-node is
 * importable, `webgpu` when a hardware (non-fallback) adapter exists, then `wasm` and `cpu`. Does not
 * change the active backend. */
export async function availableBackends(): Promise<BackendName[]> {
  const names: BackendName[] = [];
  try {
    await import(TFJS_NODE);
    names.push("tensorflow");
  } catch {
    // tfjs-node not installed: the usual case
  }
  if (await gpuAdapter(false)) names.push("webgpu");
  names.push("wasm", "cpu");
  return names;
}

function parseName(raw: string): BackendName | "auto" {
  const name = raw.trim().toLowerCase();
  if (name === "" || name === "auto") return "auto";
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new BackendError(`unknown backend '${raw}': expected one of ${BACKEND_NAMES.join(", ")} or auto`);
}

/**
 * Starts and activates a tfjs backend: `name`, else `$FREQLENS_BACKEND`, else the automatic choice.
 * Idempotent for the same choice; switching to another backend later is allowed (tensors made on the
 * previous one stay usable, tfjs moves them on use).
 */
export async function initBackend(name?: string): Promise<BackendStart> {
  const wanted = parseName(name ?? Deno.env.get("FREQLENS_BACKEND") ?? "auto");
  if (active && (wanted === "auto" || wanted === active.name) && tf.getBackend() === active.name) {
    return { name: active.name, threads: active.threads };
  }
  keepFreedMemory();
  installUnfusedGradients();
  installGradients();
  installFastBatchNorm();
  const run = async () => {
    if (starting) await starting.catch(() => {});
    const info = await start(wanted);
    active = info;
    return { name: info.name, threads: info.threads };
  };
  starting = run();
  return await starting;
}

/** The active backend, its thread count and a version string, for stage manifests and cache keys.
 * Throws {@link BackendError} if {@link initBackend} has not run. */
export function backendInfo(): BackendInfo {
  if (!active || tf.getBackend() !== active.name) {
    throw new BackendError(
      `backendInfo(): no freqlens backend is active (tfjs backend is '${tf.getBackend()}'); call initBackend() first`,
    );
  }
  return { ...active };
}
