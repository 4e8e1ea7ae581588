/**
 * Backend throughput: forward, input-gradient and training-step images/s (batch 128) of the small CNN
 * (Fashion-MNIST shape) and ResNet-20 (CIFAR shape) on every backend that loads here, each the median
 * of several repetitions with the spread in `extra.spread` (15; with `--reference`, 8 rounds of 3 in which
 * each case alternates with PyTorch's, pooled); with `--reference` the same models in PyTorch
 * (`scripts/bench_torch.py`, Debian's python3-torch, same batch and thread count) in both memory layouts
 * (NCHW and channels_last, forwards under `inference_mode`), one record per layout, and each ratio
 * freqlens / PyTorch at its best (the faster layout's median); the peak resident size of a 100-step
 * training run in `extra`.
 *
 * Until `lib/models` provides them, the two models are built here with tfjs-layers, layer for layer the
 * same as `scripts/bench_torch.py` builds them in PyTorch.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { availableBackends, initBackend } from "../../lib/backend/mod.ts";
import { classifierFromLayersModel, objectiveGradient, trainingGradients } from "../../lib/models/mod.ts";
import { createOptimizer } from "../../lib/training/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";
import { type Spread, throughputSpread, timeReps } from "../spread.ts";
import { REFERENCE_MALLOC_ENV, ReferenceWorker } from "../reference_worker.ts";

/** The small CNN: conv32-3×3-relu, maxpool 2, conv64-3×3-relu, maxpool 2, dense 128-relu, dense 10. */
export function smallCnn(seed = 1): tfl.LayersModel {
  const init = (k: number) => tfl.initializers.glorotUniform({ seed: seed * 100 + k });
  const input = tfl.input({ shape: [28, 28, 1] });
  let y = tfl.layers.conv2d({
    filters: 32,
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    kernelInitializer: init(1),
  })
    .apply(input) as tfl.SymbolicTensor;
  y = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.conv2d({
    filters: 64,
    kernelSize: 3,
    padding: "same",
    activation: "relu",
    kernelInitializer: init(2),
  })
    .apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.flatten().apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.dense({ units: 128, activation: "relu", kernelInitializer: init(3), name: "features" })
    .apply(y) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, kernelInitializer: init(4) }).apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: "small_cnn" });
}

/** ResNet-20 of He et al. 2016 for 32×32×3: 16/32/64 channels, 3 stages × 3 basic blocks, batch-norm,
 * option-B (1×1 conv) shortcuts where the shape changes, global average pooling, dense 10. */
export function resnet20(seed = 1): tfl.LayersModel {
  let k = 0;
  const init = () => tfl.initializers.heNormal({ seed: seed * 1000 + k++ });
  const conv = (x: tfl.SymbolicTensor, filters: number, size: number, stride: number) =>
    tfl.layers.conv2d({
      filters,
      kernelSize: size,
      strides: stride,
      padding: "same",
      useBias: false,
      kernelInitializer: init(),
    })
      .apply(x) as tfl.SymbolicTensor;
  const bn = (x: tfl.SymbolicTensor) =>
    tfl.layers.batchNormalization({ axis: 3, momentum: 0.9 }).apply(x) as tfl.SymbolicTensor;
  const relu = (x: tfl.SymbolicTensor) => tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = relu(bn(conv(input, 16, 3, 1)));
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < 3; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let y = relu(bn(conv(x, filters, 3, stride)));
      y = bn(conv(y, filters, 3, 1));
      const shortcut = stride !== 1 || x.shape[3] !== filters ? bn(conv(x, filters, 1, stride)) : x;
      x = relu(tfl.layers.add().apply([y, shortcut]) as tfl.SymbolicTensor);
    }
  }
  const features = tfl.layers.globalAveragePooling2d({ name: "features" }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, kernelInitializer: init() }).apply(
    features,
  ) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: "resnet20" });
}

/** SGD with momentum 0.9 at learning rate 0.01, as lib/training makes it. */
const sgd = () => createOptimizer({ kind: "sgd", momentum: 0.9, nesterov: false }, 0.01);

/**
 * The three workloads, each a function of one batch that finishes its work before returning. Every backend
 * freqlens runs on computes synchronously (the kernels have finished when an op returns), so the forward
 * pass and the input gradient leave their result in memory and free it, as the PyTorch reference does;
 * copying the input gradient out to JavaScript (`dataSync`, up to the ninth stop) was work the reference
 * does not do: 1.5 MB per batch of 128, ~3 % of a ResNet-20 input gradient with its page faults. The
 * training step reads its loss, as the training loop does.
 */
export function workloads(
  model: tfl.LayersModel,
  x: tf.Tensor4D,
  labels: tf.Tensor2D,
  optimizer: tf.Optimizer = sgd().optimizer,
) {
  // Inference goes through the classifier, as attacks, OF and SimBA do (batch-norm folded where the
  // backend fuses convolutions with post-ops); training as lib/training does (`trainingGradients`:
  // batch-norm → ReLU and add → ReLU fused, no gradient tape where the layers allow).
  const classifier = classifierFromLayersModel(model);
  const gradients = trainingGradients(model);
  const loss = (logits: tf.Tensor2D) => tf.losses.softmaxCrossEntropy(labels, logits);
  return {
    forward: () => tf.dispose(tf.tidy(() => classifier.logits(x))),
    // As the gradient attacks take it (lib/models `objectiveGradient`: no tape over a folded network).
    input_gradient: () => {
      const { logits, value, grad } = objectiveGradient(classifier, x, loss);
      tf.dispose([logits, value, grad]);
    },
    training_step: () => {
      const { value, grads } = gradients(x, (l) => tf.losses.softmaxCrossEntropy(labels, l) as tf.Scalar);
      optimizer.applyGradients(grads);
      tf.dispose(grads);
      value.dataSync();
      value.dispose();
    },
  };
}

/** Peak and per-phase resident size (bytes) of `steps` training steps. */
function residentDuring(step: () => void, steps: number): Record<string, number> {
  const rss: number[] = [];
  for (let i = 0; i < steps; i++) {
    step();
    rss.push(Deno.memoryUsage().rss);
  }
  const warm = rss[Math.min(9, rss.length - 1)];
  return {
    steps,
    peak_rss_mb: Math.max(...rss) / 2 ** 20,
    rss_after_warmup_mb: warm / 2 ** 20,
    rss_end_mb: rss[rss.length - 1] / 2 ** 20,
    growth_after_warmup_mb: (rss[rss.length - 1] - warm) / 2 ** 20,
  };
}

const MODELS = {
  small_cnn: { build: smallCnn, shape: [28, 28, 1] as const },
  resnet20: { build: resnet20, shape: [32, 32, 3] as const },
};

/** One PyTorch figure: a model, case and memory layout, with the seconds of each timed call (batch 128). */
interface TorchFigure {
  model: string;
  case: string;
  layout: string;
  images_per_s: number;
  threads: number;
  spread: Spread;
  seconds: number[];
}

/** The PyTorch reference (`scripts/bench_torch.py`, Debian's python3-torch, same batch and threads)
 * running and ready for requests, or why it is not. */
function startPytorch(batch: number, threads: number): Promise<ReferenceWorker | string> {
  const script = new URL("../../scripts/bench_torch.py", import.meta.url).pathname;
  return ReferenceWorker.start("/usr/bin/python3", [
    script,
    "--batch",
    String(batch),
    "--threads",
    String(threads),
  ], REFERENCE_MALLOC_ENV);
}

/**
 * Measures the three workloads of one model on the active backend: median images/s over repetitions,
 * with the spread in `extra.spread`. With the PyTorch reference `torch`, in rounds: each case is timed on
 * freqlens, then at once in PyTorch (each layout), with the same warm-up on both sides, so that the drift
 * of a shared machine over minutes reaches both sides alike; every figure pools its rounds.
 */
async function measure(
  modelName: keyof typeof MODELS,
  backend: string,
  threads: number,
  quick: boolean,
  slow: boolean,
  torch: ReferenceWorker | undefined,
) {
  const { build, shape } = MODELS[modelName];
  const batch = 128;
  const [warmup, reps, rounds] = slow ? [1, 1, 1] : quick ? [1, 3, 1] : torch ? [1, 3, 8] : [3, 15, 1];
  const model = build();
  const x = tf.randomUniform(
    [batch, ...shape] as [number, number, number, number],
    0,
    1,
    "float32",
    7,
  ) as tf.Tensor4D;
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 10, "int32", 8) as tf.Tensor1D, 10) as tf.Tensor2D;
  const { optimizer, dispose: disposeOptimizer } = sgd();
  const w = workloads(model, x, labels, optimizer);
  const seconds = new Map<string, number[]>();
  const theirs = new Map<string, { case: string; layout: string; seconds: number[] }>();
  let torchError: string | undefined;
  for (let round = 0; round < rounds; round++) {
    for (const [caseName, f] of Object.entries(w)) {
      seconds.set(caseName, [...(seconds.get(caseName) ?? []), ...await timeReps(f, warmup, reps)]);
      for (const layout of torch && !torchError ? torch.hello.layouts as string[] : []) {
        try {
          const r = await torch!.request({ model: modelName, case: caseName, layout, warmup, reps });
          const key = `${caseName}|${layout}`;
          const into = theirs.get(key) ?? { case: caseName, layout, seconds: [] };
          into.seconds.push(...r.seconds as number[]);
          theirs.set(key, into);
        } catch (e) {
          torchError = (e as Error).message;
        }
      }
    }
  }
  const torchFigures: TorchFigure[] = [...theirs.values()].map((t) => {
    const spread = throughputSpread(batch, t.seconds);
    return {
      ...t,
      model: modelName,
      images_per_s: spread.median,
      threads: torch!.hello.threads as number,
      spread,
    };
  });
  const records: BenchRecord[] = [...seconds].map(([caseName, secs]) => {
    const spread = throughputSpread(batch, secs);
    return {
      suite: "backend",
      case: caseName,
      model: modelName,
      backend,
      threads,
      batch,
      images_per_s: spread.median,
      extra: { spread, rounds, seconds: secs },
    };
  });
  return {
    records,
    torch: torchError ?? (torch ? torchFigures : undefined),
    w,
    dispose: () => {
      tf.dispose([x, labels]);
      disposeOptimizer();
      model.dispose();
    },
  };
}

/** PyTorch records (one per layout) and, on each freqlens record of the same case, the ratio to the
 * faster layout's median. */
function torchRecords(torch: TorchFigure[], mine: BenchRecord[]): BenchRecord[] {
  const out: BenchRecord[] = torch.map((t) => ({
    suite: "backend",
    case: t.case,
    model: t.model,
    backend: `pytorch-${t.layout}`,
    threads: t.threads,
    batch: 128,
    images_per_s: t.images_per_s,
    extra: { layout: t.layout, spread: t.spread, seconds: t.seconds },
  }));
  for (const r of mine) {
    const best = torch.filter((t) => t.case === r.case).sort((a, b) => b.images_per_s - a.images_per_s)[0];
    if (!best) continue;
    r.ratio_to_pytorch = r.images_per_s! / best.images_per_s;
    r.extra = {
      ...r.extra,
      pytorch_best_layout: best.layout,
      pytorch_images_per_s: best.images_per_s,
      pytorch_by_layout: Object.fromEntries(
        torch.filter((t) => t.case === r.case).map((t) => [t.layout, t.images_per_s]),
      ),
    };
  }
  return out;
}

/** The backends to measure: `$FREQLENS_BENCH_BACKENDS` (comma-separated, e.g. `wasm,cpu`), else every
 * backend that starts here except the plain-JavaScript `cpu` one, the numeric reference, whose ResNet-20
 * training step alone takes minutes. */
async function benchedBackends(): Promise<string[]> {
  const available: string[] = await availableBackends();
  const wanted = Deno.env.get("FREQLENS_BENCH_BACKENDS")?.split(",").map((s) => s.trim()).filter(Boolean);
  if (!wanted) return available.filter((name) => name !== "cpu");
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length) throw new Error(`FREQLENS_BENCH_BACKENDS: ${unknown.join(", ")} not available here`);
  return wanted;
}

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const defaultBackend = (await initBackend()).name;
  // PyTorch gets every core, as freqlens' oneDNN convolutions (OpenMP) use every core whatever wasm's count.
  const started = options.reference ? await startPytorch(128, navigator.hardwareConcurrency) : undefined;
  if (typeof started === "string") console.error(`  PyTorch reference: ${started}`);
  const torch = typeof started === "string" ? undefined : started;
  for (const name of await benchedBackends()) {
    let threads: number;
    try {
      threads = (await initBackend(name)).threads;
    } catch (e) {
      console.error(`  backend ${name}: ${(e as Error).message}`);
      continue;
    }
    for (const modelName of Object.keys(MODELS) as (keyof typeof MODELS)[]) {
      // the reference cpu backend takes minutes per ResNet-20 figure: one repetition
      const m = await measure(
        modelName,
        name,
        threads,
        options.quick,
        name === "cpu" && modelName === "resnet20",
        name === defaultBackend ? torch : undefined,
      );
      for (const r of m.records) r.extra = { ...r.extra, default_backend: name === defaultBackend };
      records.push(...m.records);
      if (name === defaultBackend && modelName === "resnet20") {
        const memory = residentDuring(m.w.training_step, options.quick ? 20 : 100);
        records.push({
          suite: "backend",
          case: "training_memory",
          model: modelName,
          backend: name,
          threads,
          batch: 128,
          extra: memory,
        });
      }
      m.dispose();
      if (typeof m.torch === "string") console.error(`  ${m.torch}`);
      else if (m.torch) records.push(...torchRecords(m.torch, m.records));
    }
  }
  await torch?.close();
  await initBackend(defaultBackend);
  return records;
}

const suite: BenchSuite = { name: "backend", run };
export default suite;
