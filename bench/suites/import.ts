/**
 * Checkpoint import at full size: the robustness library's CIFAR ResNet-50 (23.5 M weights, random, saved
 * with `torch.save` by `scripts/torch_fixtures.py --full` into the git-ignored `outputs/fixtures/`) is
 * imported (seconds, and its logits' relative error against PyTorch's on the fixture inputs), then its
 * forward pass is timed on the default backend (images/s, batch 32). With `--reference`, PyTorch's
 * forward of the same checkpoint (same batch and thread count) and the ratio. Without the checkpoint the
 * suite records a skip with the command that writes it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/backend/mod.ts";
import { readNpy } from "../../lib/io/npy.ts";
import { importCheckpoint } from "../../lib/models/import/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHECKPOINT = `${ROOT}outputs/fixtures/robustness_resnet50_full.pt`;
const MODEL = "robustness_resnet50_cifar";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function pytorchForward(batch: number, threads: number, reps: number): Promise<number | string> {
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [
        `${ROOT}scripts/torch_fixtures.py`,
        "--bench",
        CHECKPOINT,
        "--batch",
        String(batch),
        "--threads",
        String(threads),
        "--reps",
        String(reps),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      return `torch_fixtures.py --bench failed: ${new TextDecoder().decode(out.stderr).slice(-400)}`;
    }
    return JSON.parse(new TextDecoder().decode(out.stdout)).images_per_s;
  } catch (e) {
    return `PyTorch reference unavailable: ${(e as Error).message}`;
  }
}

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  if (!(await exists(CHECKPOINT))) {
    const note =
      `skipped: ${CHECKPOINT} is absent; write it with /usr/bin/python3 scripts/torch_fixtures.py --full`;
    console.error(`  ${note}`);
    return [{ suite: "import", case: "skipped", model: MODEL, extra: { note } }];
  }
  const { name: backend, threads } = await initBackend();
  const t0 = performance.now();
  const { model, info } = await importCheckpoint(CHECKPOINT, { arch: "resnet50", source: "robustness" });
  const importSeconds = (performance.now() - t0) / 1000;
  const records: BenchRecord[] = [];
  try {
    const extra: Record<string, unknown> = {
      parameters: info.parameters,
      bytes: (await Deno.stat(CHECKPOINT)).size,
      format: info.format,
      rss_after_import_mb: Deno.memoryUsage().rss / 2 ** 20,
    };
    const refPath = CHECKPOINT.replace(/\.pt$/, ".logits.npy");
    if (await exists(refPath)) {
      const x = await readNpy(`${ROOT}tests/fixtures/torch/inputs.npy`, "float32");
      const ref = await readNpy(refPath, "float32");
      const got = tf.tidy(() =>
        (model.predict(tf.tensor4d(x.data, x.shape as [number, number, number, number])) as tf.Tensor)
          .dataSync()
      );
      const scale = Math.max(...Array.from(ref.data, Math.abs));
      extra.logits_rel_error_vs_pytorch = Math.max(...Array.from(ref.data, (v, i) => Math.abs(v - got[i]))) /
        scale;
    }
    records.push({
      suite: "import",
      case: "import",
      model: MODEL,
      backend,
      threads,
      seconds: importSeconds,
      extra,
    });

    const batch = options.quick ? 8 : 32;
    const reps = options.quick ? 1 : 3;
    const images = tf.randomUniform([batch, 32, 32, 3], 0, 1, "float32", 7);
    const forward = () => tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync());
    forward(); // warm-up: kernel compilation, weight upload
    const t1 = performance.now();
    for (let i = 0; i < reps; i++) forward();
    const seconds = (performance.now() - t1) / 1000 / reps;
    images.dispose();
    const record: BenchRecord = {
      suite: "import",
      case: "forward",
      model: MODEL,
      backend,
      threads,
      batch,
      images_per_s: batch / seconds,
    };
    records.push(record);
    if (options.reference) {
      // every core for PyTorch: freqlens' oneDNN convolutions use every core whatever wasm's thread count
      const cores = navigator.hardwareConcurrency;
      const torch = await pytorchForward(batch, cores, reps);
      if (typeof torch === "string") console.error(`  ${torch}`);
      else {
        records.push({
          suite: "import",
          case: "forward",
          model: MODEL,
          backend: "pytorch",
          threads: cores,
          batch,
          images_per_s: torch,
        });
        record.ratio_to_pytorch = record.images_per_s! / torch;
      }
    }
  } finally {
    model.dispose();
  }
  return records;
}

const suite: BenchSuite = { name: "import", run };
export default suite;
