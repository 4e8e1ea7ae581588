/**
 * Starting tfjs-backend-wasm under Deno: where its `.wasm` files are, how many threads it computes with
 * (one: see `./native/threads.ts` for where the cores are used), and the kernels freqlens registers on it
 * (`./kernels/`).
 */
import * as tf from "@tensorflow/tfjs-core";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { registerWasmKernels, wasmKernelsVersion } from "./kernels/register.ts";

/** Folder holding tfjs-backend-wasm's `.wasm` binaries (the installed npm package's `dist/`). */
export function wasmDistDir(): string {
  const candidates = [
    new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url),
    new URL(`file://${Deno.cwd()}/node_modules/@tensorflow/tfjs-backend-wasm/dist/`),
  ];
  for (const url of candidates) {
    const path = fileURLToPath(url);
    if (existsSync(path + "tfjs-backend-wasm.wasm")) return path;
  }
  throw new Error(
    `tfjs-backend-wasm binaries not found (looked in ${
      candidates.map((u) => u.href).join(", ")
    }); run \`deno install\``,
  );
}

let initialised = false;

/** Points tfjs-backend-wasm at its binaries and registers freqlens' kernels; idempotent. */
export function initWasm(): void {
  if (initialised) return;
  setWasmPaths(wasmDistDir());
  registerWasmKernels();
  initialised = true;
}

/** Threads the wasm backend computes with (after it started). */
export function wasmThreads(): number {
  try {
    return getThreadsCount();
  } catch {
    return 1;
  }
}

/** Version tag of the wasm backend plus freqlens' kernel set, for cache keys. */
export function wasmVersionTag(): string {
  return `tfjs-backend-wasm@${tf.version_core}+${wasmKernelsVersion()}`;
}
