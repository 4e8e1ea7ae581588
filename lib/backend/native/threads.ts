/**
 * Where freqlens computes on every core. oneDNN's primitives (convolutions and their gradients, batch-norm,
 * the max-pooling gradient: most of a training or attack step) run on the OpenMP thread pool of Debian's
 * `libdnnl2` (libgomp), one thread per core unless `OMP_NUM_THREADS` says otherwise. tfjs-backend-wasm's own
 * pthread pool stays off under Deno — it takes Deno for Node, and its workers start from `blob:` URLs that
 * Deno's `worker_threads` refuse — so the remaining wasm kernels (elementwise ops, matmuls) run on one.
 */

let cached: number | null | undefined;

/** Threads oneDNN's OpenMP runtime computes with (`omp_get_max_threads`), or undefined when libgomp
 * cannot be opened. */
export function nativeThreads(): number | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    const lib = Deno.dlopen("libgomp.so.1", { omp_get_max_threads: { parameters: [], result: "i32" } });
    cached = lib.symbols.omp_get_max_threads();
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}
