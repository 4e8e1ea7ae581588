/**
 * What decides the speed figures besides the CPU model: the default backend and its threads, and oneDNN's
 * version, the ISA cap asked for (`ONEDNN_MAX_CPU_ISA`, "default" when unset) and the implementation it
 * picks for a ResNet-20 3×3 convolution (e.g. `brg:avx512_core`, `jit:avx2`): the code path measured; and
 * how long its OpenMP threads spin before sleeping (lib/backend/native/threads.ts).
 */
import { backendInfo, initBackend } from "../lib/backend/mod.ts";
import { loadOneDnn } from "../lib/backend/native/onednn.ts";

/** The backend and oneDNN part of `latest.json`'s `machine`. */
export async function nativeMachine(): Promise<Record<string, unknown>> {
  await initBackend();
  const info = backendInfo();
  const dnn = loadOneDnn();
  const conv = {
    batchSize: 128,
    inHeight: 32,
    inWidth: 32,
    inChannels: 16,
    outHeight: 32,
    outWidth: 32,
    outChannels: 16,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padInfo: { top: 1, left: 1, bottom: 1, right: 1 },
  };
  return {
    backend: info.name,
    threads: info.threads,
    backend_version: info.version,
    ...(dnn
      ? {
        onednn: {
          version: dnn.version,
          max_cpu_isa: Deno.env.get("ONEDNN_MAX_CPU_ISA") ?? "default",
          conv3x3_implementation: dnn.implementation("forward", conv),
          openmp_wait: Deno.env.get("OMP_WAIT_POLICY") ??
            `spin ${Deno.env.get("GOMP_SPINCOUNT") ?? "300000"}`,
        },
      }
      : {}),
  };
}
