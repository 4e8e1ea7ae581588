/**
 * Where freqlens computes on every core. oneDNN's primitives (convolutions and their gradients, batch-norm,
 * the max-pooling gradient: most of a training or attack step) run on the OpenMP thread pool of Debian's
 * `libdnnl2` (libgomp), one thread per core unless `OMP_NUM_THREADS` says otherwise. tfjs-backend-wasm's own
 * pthread pool stays off under Deno — it takes Deno for Node, and its workers start from `blob:` URLs that
 * Deno's `worker_threads` refuse — so the remaining wasm kernels (elementwise ops, matmuls) run on one.
 *
 * OpenMP's idle threads spin before they sleep (libgomp: 300,000 turns by default). When another process
 * holds a core (two stages with `--jobs 2`, tests in parallel, any neighbour), a spinning thread competes
 * with the one doing the work: a ResNet-20 input gradient (batch 128) took 664 ms next to one busy core
 * against 170 ms alone. With 10,000 turns it takes 262 ms there and still 170 ms alone, so
 * {@link settleOpenMpWaiting} sets that unless the user chose a policy.
 */

/** Sets `GOMP_SPINCOUNT=10000` unless `GOMP_SPINCOUNT` or `OMP_WAIT_POLICY` is set. libgomp reads it once,
 * when it is loaded, so this must run before oneDNN is opened. */
export function settleOpenMpWaiting(): void {
  if (Deno.env.get("GOMP_SPINCOUNT") === undefined && Deno.env.get("OMP_WAIT_POLICY") === undefined) {
    Deno.env.set("GOMP_SPINCOUNT", "10000");
  }
}

let cached: number | null | undefined;

/** Threads oneDNN's OpenMP runtime computes with (`omp_get_max_threads`), or undefined when libgomp
 * cannot be opened. */
export function nativeThreads(): number | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    settleOpenMpWaiting();
    const lib = Deno.dlopen("libgomp.so.1", { omp_get_max_threads: { parameters: [], result: "i32" } });
    cached = lib.symbols.omp_get_max_threads();
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}
