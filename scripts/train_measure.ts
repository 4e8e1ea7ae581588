/**
 * Must-show measurements: runs the `train` task and then the `evaluate` task exactly as the pipeline would,
 * with the tasks' default params plus the JSON overrides given on the command line, on Fashion-MNIST
 * (Debian's copy, found by lib/datasets) or the CIFAR-10 subset in `../shared/data/cifar10-subset`, and
 * writes the figures with wall times to `outputs/train_<dataset>/<name>/result.json`.
 *
 *   deno run -A scripts/train_measure.ts <fmnist|cifar-subset> <name> '<train params JSON>' '<evaluate JSON>'
 *   e.g. natural:  ... fmnist natural '{}' '{"pgd": null}'
 *        PGD:      ... fmnist pgd_defaults '{"adversarial": {"method": "pgd"}}' '{}'
 *        backends: FREQLENS_BACKEND=cpu FREQLENS_TRAIN_LIMIT=10000 ... fmnist natural_cpu '{"epochs": 2}' '{"pgd": null}'
 *        ResNet-20 ... cifar-subset resnet20 '{"arch": "resnet", "optimizer": "sgd", ...}' '{"pgd": null}'
 */
import { join } from "node:path";
import { initBackend } from "../lib/backend/mod.ts";
import { loadMnistLike } from "../lib/datasets/mnist.ts";
import { loadCifar10 } from "../lib/datasets/cifar10.ts";
import { writeJsonAtomic } from "../lib/io/mod.ts";
import { readEvaluate, readModelInfo, writeData } from "../lib/stages/mod.ts";
import { createProgress } from "../pipeline/progress.ts";
import type { StageInput, TaskContext, TaskDefinition } from "../pipeline/task.ts";
import trainTask from "../tasks/train.ts";
import evaluateTask from "../tasks/evaluate.ts";

const [dataset = "fmnist", name = "natural", trainJson = "{}", evalJson = "{}"] = Deno.args;
if (dataset !== "fmnist" && dataset !== "cifar-subset") throw new Error(`unknown dataset '${dataset}'`);
/** `FREQLENS_TRAIN_LIMIT`: a stratified subset of the training images (its own data folder). */
const trainLimit = Deno.env.get("FREQLENS_TRAIN_LIMIT")
  ? Number(Deno.env.get("FREQLENS_TRAIN_LIMIT"))
  : undefined;
const root = join("outputs", trainLimit ? `train_${dataset}_${trainLimit}` : `train_${dataset}`);
const started = new Date();
const backend = await initBackend();
const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown";

const dataDir = join(root, "data");
try {
  await Deno.stat(join(dataDir, "meta.json"));
} catch {
  await Deno.mkdir(dataDir, { recursive: true });
  const ds = dataset === "fmnist"
    ? await loadMnistLike("fashion-mnist", { trainLimit, seed: 0 })
    : await loadCifar10({
      dir: Deno.env.get("FREQLENS_CIFAR_DIR") ??
        join(import.meta.dirname ?? ".", "..", "..", "shared", "data", "cifar10-subset"),
    });
  await writeData(dataDir, ds);
}

function input(stage: string, dir: string): StageInput[] {
  return [{ instance: stage, stage, dir, params: {}, coords: [] }];
}

async function runTask<P>(
  task: TaskDefinition<P>,
  instance: string,
  raw: unknown,
  inputs: Record<string, StageInput[]>,
): Promise<{ outDir: string; seconds: number; params: P }> {
  const outDir = join(root, name, instance);
  await Deno.mkdir(outDir, { recursive: true });
  const logFile = join(outDir, "log.txt");
  const log = (line: string) => {
    Deno.writeTextFileSync(logFile, `${new Date().toISOString()} ${line}\n`, { append: true });
    console.error(`[${instance}] ${line}`);
  };
  const params = task.params.parse(raw);
  const ctx: TaskContext<P> = {
    instance,
    params,
    inputs,
    outDir,
    seed: 0,
    backend: backend.name,
    progress: createProgress({ name: instance, tty: false, intervalMs: 60_000, log }),
    log,
  };
  const t0 = performance.now();
  await task.run(ctx);
  return { outDir, seconds: (performance.now() - t0) / 1000, params };
}

const train = await runTask(trainTask, "train", JSON.parse(trainJson), { data: input("data", dataDir) });
const evaluation = await runTask(evaluateTask, "evaluate", JSON.parse(evalJson), {
  data: input("data", dataDir),
  model: input("train", train.outDir),
});
const info = await readModelInfo(train.outDir);
if (info.kind !== "train") throw new Error(`${train.outDir}: not a train entry`);
const summary = await readEvaluate(evaluation.outDir);
const result = {
  dataset,
  name,
  started: started.toISOString(),
  finished: new Date().toISOString(),
  machine: { cpu, cores: navigator.hardwareConcurrency, loadavg: Deno.loadavg() },
  backend,
  train: {
    params: train.params,
    seconds: train.seconds,
    test_accuracy: info.test_accuracy,
    kept_epoch: info.kept_epoch,
  },
  evaluate: { params: evaluation.params, ...summary, wall_seconds: evaluation.seconds },
};
await writeJsonAtomic(join(root, name, "result.json"), result);
console.log(JSON.stringify(result, null, 2));
