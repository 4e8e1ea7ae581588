/**
 * Bridge from wasm-backend tensors to native kernels: raw pointers to tensor data inside the wasm heap
 * (zero-copy; valid until the next wasm allocation may grow the heap, so take them right before a native
 * call), and the conv geometry in the form `../native/onednn.ts` takes.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { knownAnswerFailure } from "../native/known_answer.ts";
import { loadOneDnn, type OneDnn } from "../native/onednn.ts";
import type { WasmBackendLike } from "./wasm_call.ts";

let cachedHeap: Uint8Array | undefined;
let cachedBase: Deno.PointerValue = null;

/** Pointer to the first element of `t` in the wasm heap of `backend`. */
export function heapPointer(backend: WasmBackendLike, t: tf.TensorInfo): Deno.PointerValue {
  const heap = backend.wasm.HEAPU8;
  if (heap !== cachedHeap) {
    cachedHeap = heap;
    cachedBase = Deno.UnsafePointer.of(heap);
  }
  return Deno.UnsafePointer.offset(cachedBase!, backend.dataIdMap.get(t.dataId).memoryOffset);
}

/** The output of a native elementwise kernel: a new float32 tensor shaped like its input `names[0]`, written
 * by `run` from the element count and the pointers of the inputs `names` (each of that size) followed by
 * the output's; nothing runs when it is empty. */
export function nativeElementwise(
  args: Parameters<tf.KernelFunc>[0],
  names: [string, string],
  run: (size: number, ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue]) => void,
): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const [a, b] = names.map((n) => (args.inputs as Record<string, tf.TensorInfo>)[n]);
  const out = backend.makeOutput(a.shape, "float32");
  const size = a.shape.reduce((x, y) => x * y, 1);
  if (size > 0) run(size, [heapPointer(backend, a), heapPointer(backend, b), heapPointer(backend, out)]);
  return out;
}

let enabled = true;
/** Why oneDNN was refused (its known-answer check failed); "" once it passed; undefined before the check. */
let rejection: string | undefined;

/** oneDNN when it loaded, passed its known-answer check (`../native/known_answer.ts`, run on the first
 * call: a mismatch warns once, naming the kernel, and leaves every native kernel off for the process) and
 * native kernels are enabled; else undefined (use the wasm fallback). */
export function nativeConv(): OneDnn | undefined {
  if (!enabled) return undefined;
  const dnn = loadOneDnn();
  if (!dnn) return undefined;
  if (rejection === undefined) {
    rejection = knownAnswerFailure(dnn) ?? "";
    if (rejection) console.warn(`freqlens: ${rejection}; running without native kernels`);
  }
  return rejection ? undefined : dnn;
}

/** Why the native kernels were refused on this machine (the known-answer check's finding), or undefined
 * when they passed, are absent or were not asked for yet. */
export function nativeRejection(): string | undefined {
  return rejection || undefined;
}

/** Turns the native kernels off or on (tests compare both paths; `FREQLENS_NATIVE=0` disables at load). */
export function setNativeKernels(on: boolean): void {
  enabled = on;
}

const constants = new Map<string, Float32Array>();

/** Pointer to a persistent vector of `n` copies of `value` (stand-in for an absent scale or offset). */
export function constantVector(n: number, value: number): Deno.PointerValue {
  const key = `${n}:${value}`;
  let v = constants.get(key);
  if (!v) constants.set(key, v = new Float32Array(n).fill(value));
  return Deno.UnsafePointer.of(v);
}
