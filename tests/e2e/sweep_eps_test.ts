/**
 * An ε sweep on the planted-frequency data through the CLI, read back with `cli metrics`: the same images
 * and the same attack seed at every ε, and the security curve is monotone where it must be — attack success
 * never falls and accuracy under attack never rises as ε grows — and it does move (from few successes at
 * the smallest ε to most at the largest).
 */
import { join } from "node:path";
import { assert, assertEquals } from "../pipeline/assert.ts";
import { cli, ROOT, tempProject } from "../pipeline/helpers.ts";
import { readNpy } from "../../lib/io/mod.ts";

const EPS = [0.003, 0.01, 0.03, 0.1, 0.3];
const YAML = `name: sweep_eps
seed: 0
stages:
  data:
    task: data
    params: { dataset: planted, size: 16, channels: 3, num_classes: 4, train_per_class: 100, test_per_class: 16 }
  train:
    task: train
    inputs: { data: data }
    params: { arch: small_cnn, epochs: 3 }
  attack:
    task: attack
    inputs: { model: train, data: data }
    params: { method: pgd, norm: linf, steps: 10, limit: 48, batch_size: 48, seed: 5 }
`;

Deno.test("ε sweep on planted data: same images and seed, success non-decreasing and accuracy non-increasing in ε", async () => {
  await using p = await tempProject(YAML, join(ROOT, "tasks"));
  const sweep = ["--sweep", `attack.eps=[${EPS.join(",")}]`];
  const run = await cli(["run", p.config, "--outputs", p.outputs, "--jobs", "2", ...sweep]);
  assertEquals(run.code, 0, run.stderr + run.stdout);
  const out = await cli([
    "metrics",
    p.config,
    "--outputs",
    p.outputs,
    "--stage",
    "attack",
    "--sort",
    "eps",
    "--json",
    ...sweep,
  ]);
  assertEquals(out.code, 0, out.stderr);
  const rows = JSON.parse(out.stdout).rows as {
    instance: string;
    coords: { key: string; value: number }[];
    metrics: { metric: string; value: number }[];
  }[];
  assertEquals(rows.map((r) => r.coords[0].value), EPS);
  const metric = (id: string) => rows.map((r) => r.metrics.find((m) => m.metric === id)!.value);
  const success = metric("success_rate");
  const accuracy = metric("adv_accuracy");
  for (let k = 1; k < EPS.length; k++) {
    assert(
      success[k] >= success[k - 1],
      `success fell from ${success[k - 1]} to ${success[k]} at ε ${EPS[k]}`,
    );
    assert(
      accuracy[k] <= accuracy[k - 1],
      `accuracy rose from ${accuracy[k - 1]} to ${accuracy[k]} at ε ${EPS[k]}`,
    );
  }
  assert(success[0] < 0.5 && success[EPS.length - 1] > 0.9, `the curve does not move: ${success}`);
  // Same images at every ε (the first `limit` test images).
  const views = join(p.outputs, "sweep_eps");
  const indices = await Promise.all(
    rows.map(async (r) =>
      Array.from((await readNpy(join(views, r.instance, "indices.npy"))).data as ArrayLike<number>)
    ),
  );
  for (const idx of indices) assertEquals(idx, indices[0]);
});
