/**
 * Where freqlens computes on every core. oneDNN's primitives (convolutions and their gradients, batch-norm,
 * the max-pooling gradient: most of a training or attack step) run on the OpenMP thread pool of Debian's
 * `libdnnl2` (libgomp), one thread per core unless `OMP_NUM_THREADS` says otherwise. tfjs-backend-wasm's own
 * pthread pool stays off under Deno — it takes Deno for Node, and its workers start from `blob:` URLs that
 * Deno's `worker_threads` refuse — so the remaining wasm kernels (elementwise ops, matmuls) run on one.
 *
 * OpenMP's idle threads spin before they sleep (libgomp: 300,000 turns by default, what PyTorch runs with).
 * freqlens calls oneDNN between stretches of JavaScript (tfjs' bookkeeping, tens of µs each): with too short a
 * spin the second thread falls asleep in every gap and each of a training step's ~200 oneDNN calls waits for
 * it to wake. When another process holds a core (two stages with `--jobs 2`, any neighbour), a long spin
 * competes with the thread doing the work instead. Measured on this project's 2-core VM (ResNet-20, batch
 * 128, medians of alternating runs): alone, a training step took ~7 % longer with 10,000 turns than with
 * 30,000 or 300,000; next to one busy core, an input gradient took 230–250 ms with 10,000 turns, 310–330 with
 * 30,000 and 330–370 with 300,000. So {@link settleOpenMpWaiting} sets 30,000 unless the user chose a policy,
 * and the local scheduler gives the stages it runs side by side {@link CONTENDED_SPIN_COUNT}
 * ({@link contendedOpenMpEnv}).
 */

/** libgomp's spin count for a process that shares the machine's cores with others. */
export const CONTENDED_SPIN_COUNT = "10000";
/** libgomp's spin count for a process that has the cores to itself (see the module doc). */
export const DEFAULT_SPIN_COUNT = "30000";

/** Set beside `GOMP_SPINCOUNT` when freqlens chose it, so that child processes, which inherit both, do not
 * take freqlens' choice for the user's. */
const SPIN_SET_BY_FREQLENS = "FREQLENS_GOMP_SPINCOUNT_DEFAULT";

/** Whether the user chose OpenMP's waiting (read at load, before {@link settleOpenMpWaiting} sets any): a
 * wait policy, or a spin count that no freqlens process set. */
const userChoseWaiting = Deno.env.get("OMP_WAIT_POLICY") !== undefined ||
  (Deno.env.get("GOMP_SPINCOUNT") !== undefined && Deno.env.get(SPIN_SET_BY_FREQLENS) === undefined);

/** Environment for a child process that will run next to others on the same cores: the contended spin
 * count (marked as freqlens' choice), unless the user chose a waiting policy (then nothing: the child
 * inherits the user's). */
export function contendedOpenMpEnv(): Record<string, string> {
  return userChoseWaiting ? {} : { GOMP_SPINCOUNT: CONTENDED_SPIN_COUNT, [SPIN_SET_BY_FREQLENS]: "1" };
}

/** Sets `GOMP_SPINCOUNT` to {@link DEFAULT_SPIN_COUNT} unless `GOMP_SPINCOUNT` or `OMP_WAIT_POLICY` is set.
 * libgomp reads it once, when it is loaded, so this must run before oneDNN is opened. */
export function settleOpenMpWaiting(): void {
  if (!userChoseWaiting && Deno.env.get("GOMP_SPINCOUNT") === undefined) {
    Deno.env.set("GOMP_SPINCOUNT", DEFAULT_SPIN_COUNT);
    Deno.env.set(SPIN_SET_BY_FREQLENS, "1");
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
