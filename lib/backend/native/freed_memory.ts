/**
 * glibc malloc told to keep freed memory for reuse (`mallopt`: no `mmap` per large block, no trimming), as
 * the PyTorch reference runs (bench/reference_worker.ts) and as PyTorch's CPU tuning guide gets by
 * preloading jemalloc or tcmalloc. V8 takes the backing store of every typed array from malloc; with
 * glibc's defaults each large one (a batch's `dataSync`, a DCT result, a dataset split) was a fresh `mmap`
 * whose pages faulted in on first touch and went back to the kernel when collected. Allocating, touching and
 * collecting a 123 MB Float32Array (10,000 CIFAR images) took 420–470 ms that way on this project's VMs and
 * 4–10 ms with this. The process keeps its peak heap, as the wasm heap already does.
 */

/** glibc `mallopt` parameters. */
const M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3;

/** Environment variables through which the user set glibc's malloc tuning already (then left alone). */
const USER_TUNING = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"];

let done = false;

/** Applies the settings once per process; a no-op where libc or FFI is unavailable or the user tuned
 * malloc through its environment variables. Returns whether the settings are in force. */
export function keepFreedMemory(): boolean {
  if (done) return true;
  if (USER_TUNING.some((v) => Deno.env.get(v) !== undefined)) return false;
  try {
    const { mallopt } = Deno.dlopen("libc.so.6", {
      mallopt: { parameters: ["i32", "i32"], result: "i32" },
    }).symbols;
    done = mallopt(M_MMAP_THRESHOLD, 2 ** 30) === 1 && mallopt(M_TRIM_THRESHOLD, 2 ** 30) === 1 &&
      mallopt(M_TOP_PAD, 2 ** 26) === 1;
  } catch {
    done = false;
  }
  return done;
}
