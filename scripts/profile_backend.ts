/**
 * Per-kernel profile of ResNet-20 or the small CNN (batch 128) on a backend: time and call count per kernel
 * for one forward, one input-gradient and one training step (after warm-up), via `tf.profile`.
 *
 * deno run -A scripts/profile_backend.ts [backend] [batch] [resnet20|small_cnn]   (a table; JSON with --json)
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/backend/mod.ts";
import { resnet20, smallCnn, workloads } from "../bench/suites/backend.ts";

const args = Deno.args.filter((a) => !a.startsWith("--"));
const json = Deno.args.includes("--json");
const backend = await initBackend(args[0]);
const batch = Number(args[1] ?? 128);
const small = args[2] === "small_cnn";
const model = small ? smallCnn() : resnet20();
const x = tf.randomUniform(
  small ? [batch, 28, 28, 1] : [batch, 32, 32, 3],
  0,
  1,
  "float32",
  7,
) as tf.Tensor4D;
const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 8) as tf.Tensor1D, 10) as tf.Tensor2D;
const w = workloads(model, x, labels);
const report: Record<string, unknown> = { backend };
for (const [name, f] of Object.entries(w)) {
  f();
  f();
  const t0 = performance.now();
  const info = await tf.profile(() => {
    f();
  });
  const wall = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0);
  report[name] = { wall_ms: wall, kernel_ms: kernelMs, kernels: Object.fromEntries(rows) };
  if (!json) {
    console.log(
      `\n${name}: wall ${wall.toFixed(0)} ms (profiled), kernels ${
        kernelMs.toFixed(0)
      } ms, ${info.kernels.length} calls`,
    );
    for (const [k, e] of rows.slice(0, 18)) {
      console.log(`  ${k.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(5)} calls`);
    }
  }
}
if (json) console.log(JSON.stringify(report, null, 2));
