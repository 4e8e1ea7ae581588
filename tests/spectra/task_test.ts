/**
 * `synthesize` → `spectra` on a small synthetic data entry with two different untrained models (a small
 * CNN and a VGG): the (start, target) pairs are the same for both models; the spectra stage's x_r − x₀,
 * x_r − x and x − x₀ maps equal a brute-force DCT of the saved images; the paired contrast with a
 * `reference` input gives the documented verdicts; mismatched pairs are refused.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import { readNpy } from "../../lib/io/mod.ts";
import { saveModel, smallCnn, vggNet } from "../../lib/models/mod.ts";
import synthesize from "../../tasks/synthesize.ts";
import spectra from "../../tasks/spectra.ts";
import { bruteDct } from "../attribution/dct_reference.ts";
import { hashFloat } from "../attribution/linear_model.ts";
import { writeDataStage } from "../stages/helpers.ts";

await tf.setBackend("cpu");
const [H, W, C, CLASSES, TRAIN] = [8, 8, 3, 4, 40];
const PER = H * W * C;
const root = await Deno.makeTempDir({ prefix: "freqlens-spectra-task-" });
const dataDir = join(root, "data");
const images = Float32Array.from({ length: TRAIN * PER }, (_, t) => (hashFloat(t, 11) + 1) / 2);
const labels = Int32Array.from({ length: TRAIN }, (_, i) => i % CLASSES);
await writeDataStage(dataDir, {
  test: { images, labels, shape: [TRAIN, H, W, C] },
  classNames: ["a", "b", "c", "d"],
});
const base = { inputShape: [H, W, C] as const, numClasses: CLASSES };
const modelDirs: Record<string, string> = {};
for (
  const [name, model] of [
    ["cnn", smallCnn({ ...base, channels: [4, 8], hidden: 16, seed: 1 })],
    ["vgg", vggNet({ ...base, widths: [4, 8], hidden: 12, seed: 2 })],
  ] as const
) {
  modelDirs[name] = join(root, name);
  await saveModel(model, join(modelDirs[name], "model"));
  model.dispose();
}

const input = (
  stage: string,
  dir: string,
): StageInput[] => [{ instance: stage, stage, dir, params: {}, coords: [] }];
async function runTask<P>(
  task: TaskDefinition<P>,
  params: Record<string, unknown>,
  inputs: Record<string, StageInput[]>,
): Promise<string> {
  const outDir = await Deno.makeTempDir({ dir: root });
  await task.run({
    instance: "test",
    params: task.params.parse(params),
    inputs,
    outDir,
    seed: 5,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  } as TaskContext<P>);
  return outDir;
}
const npy = async (dir: string, name: string) => (await readNpy(join(dir, name))).data;
const json = async (dir: string) => JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
const synth = (model: string, extra: Record<string, unknown> = {}) =>
  runTask(synthesize, { limit: 12, iterations: 15, step: 0.2, ...extra }, {
    model: input(`synthesize_${model}`, modelDirs[model]),
    data: input("data", dataDir),
  });
const cnn = await synth("cnn");
const vgg = await synth("vgg");

Deno.test("synthesize picks the same (start, target) pairs for different models", async () => {
  assert.deepEqual(await npy(cnn, "target_indices.npy"), await npy(vgg, "target_indices.npy"));
  assert.deepEqual(await npy(cnn, "start_indices.npy"), await npy(vgg, "start_indices.npy"));
  const targets = await npy(cnn, "target_indices.npy"), starts = await npy(cnn, "start_indices.npy");
  assert.equal(new Set(targets).size, 12);
  targets.forEach((t, i) => assert.notEqual(starts[i], t));
  // The models differ, so the synthesized images do.
  assert.notDeepEqual(await npy(cnn, "images.npy"), await npy(vgg, "images.npy"));
  const final = await npy(cnn, "final_distance.npy"), initial = await npy(cnn, "initial_distance.npy");
  assert.equal(final.length, 12);
  const s = await json(cnn);
  const mean = (v: ArrayLike<number>) => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
  assert.ok(
    Math.abs(s.final_distance - mean(final)) < 1e-6 && Math.abs(s.initial_distance - mean(initial)) < 1e-6,
  );
});

Deno.test("spectra: x_r − x₀, x_r − x and x − x₀ maps equal a brute-force DCT of the saved images", async () => {
  const out = await runTask(spectra, { resamples: 50 }, {
    synthesize: input("synthesize_vgg", vgg),
    data: input("data", dataDir),
  });
  const xr = await npy(vgg, "images.npy");
  const targets = await npy(vgg, "target_indices.npy"), starts = await npy(vgg, "start_indices.npy");
  const n = targets.length;
  const image = (k: number) => images.subarray(k * PER, (k + 1) * PER);
  const expect = (a: (i: number) => ArrayLike<number>, b: (i: number) => ArrayLike<number>) => {
    const m = new Float64Array(PER);
    for (let i = 0; i < n; i++) {
      const d = Float64Array.from(a(i), (v, t) => v - b(i)[t]);
      bruteDct(d, H, W, C).forEach((v, t) => (m[t] += Math.abs(v) / n));
    }
    return m;
  };
  const synthesized = (i: number) => xr.subarray(i * PER, (i + 1) * PER);
  const cases = {
    start: expect(synthesized, (i) => image(starts[i])),
    target: expect(synthesized, (i) => image(targets[i])),
    contrast: expect((i) => image(targets[i]), (i) => image(starts[i])),
  };
  for (const [d, m] of Object.entries(cases)) {
    const got = await npy(out, `diff_map_${d}.npy`);
    m.forEach((v, t) => assert.ok(Math.abs(got[t] - v) < 1e-5, `${d} coefficient ${t}: ${got[t]} vs ${v}`));
  }
  assert.notDeepEqual(cases.start, cases.target);
  assert.deepEqual(await npy(out, "band_profile.npy"), await npy(out, "band_profile_start.npy"));
  const s = await json(out);
  assert.equal(s.paper_definition, "start");
  assert.deepEqual(s.shares, s.spectra.start.shares);
  assert.deepEqual(s.verdicts, []);
  assert.equal(s.contrast, null);
  assert.equal(s.convergence.iterations, 15);
  assert.equal(s.convergence.loss_curve.at(-1)[0], 15);
  assert.deepEqual((await readNpy(join(out, "pair_profiles_target.npy"))).shape, [n, H + W - 1]);
});

Deno.test("spectra with a reference: paired contrast and verdicts per protocol; a set against itself is null", async () => {
  const out = await runTask(spectra, { resamples: 200 }, {
    synthesize: input("synthesize_vgg", vgg),
    data: input("data", dataDir),
    reference: input("synthesize_cnn", cnn),
  });
  const s = await json(out);
  assert.equal(s.contrast.reference, "synthesize_cnn");
  assert.deepEqual(s.verdicts.map((v: { protocol: string }) => v.protocol), ["authors", "freqlens"]);
  const shareLow = (profile: number[]) => {
    const third = profile.length / 3;
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    return sum(profile.slice(0, third)) / sum(profile);
  };
  const [authors, freqlens] = s.verdicts;
  assert.ok(Math.abs(authors.effect - shareLow(s.spectra.start.band_profile)) < 1e-9);
  assert.ok(Math.abs(freqlens.effect - shareLow(s.spectra.target.band_profile)) < 1e-9);
  for (const v of s.verdicts) {
    assert.equal(v.direction, "greater");
    assert.ok(Math.abs(v.difference.estimate - (v.effect - v.null)) < 1e-12);
    const expected = v.difference.lo > 0 ? "reproduced" : v.difference.hi < 0 ? "reversed" : "not reproduced";
    assert.equal(v.verdict, expected);
  }
  const self = await json(
    await runTask(spectra, { resamples: 50 }, {
      synthesize: input("a", vgg),
      data: input("data", dataDir),
      reference: input("b", vgg),
    }),
  );
  for (const v of self.verdicts) {
    assert.deepEqual([v.difference.estimate, v.difference.lo, v.difference.hi], [0, 0, 0]);
    assert.equal(v.verdict, "not reproduced");
  }
});

Deno.test("spectra refuses a reference synthesized from other pairs", async () => {
  const other = await synth("cnn", { pair_seed: 9 });
  await assert.rejects(
    runTask(spectra, { resamples: 10 }, {
      synthesize: input("synthesize_vgg", vgg),
      data: input("data", dataDir),
      reference: input("synthesize_cnn", other),
    }),
    /synthesize_cnn vs synthesize_vgg: pair \d+ differs/,
  );
});

Deno.test({
  name: "clean up the spectra task directory",
  fn: () => Deno.remove(root, { recursive: true }),
  sanitizeResources: false,
});
