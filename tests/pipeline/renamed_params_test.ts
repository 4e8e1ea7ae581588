/**
 * Params renamed for one name per idea (`epsilon` → `eps`, `max_batch` / `batch` → `batch_size`,
 * `bootstrap` → `resamples`, `target` → `explain_class`): an old spelling is a plan-time error naming the new
 * one at the YAML line; and a misspelled input alias of a task that declares its inputs (contrast) is one
 * too, with a did-you-mean.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { ConfigError, ConfigErrors } from "../../pipeline/errors.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { ROOT, tempProject } from "./helpers.ts";

const MODELS = `name: x
stages:
  data: { task: data, params: { dataset: planted } }
  train: { task: train, inputs: { data: data } }
`;

async function errorsOf(yaml: string): Promise<ConfigError[]> {
  await using p = await tempProject(yaml, join(ROOT, "tasks"));
  const e = await assertRejects(() => planPipeline(p.config, { outputs: p.outputs }));
  assert(e instanceof ConfigError || e instanceof ConfigErrors, `not a config error: ${e}`);
  return e instanceof ConfigErrors ? e.errors : [e as ConfigError];
}

Deno.test("an old param spelling names its new one, located at its YAML line", async () => {
  const errors = await errorsOf(
    MODELS + "  fourier:\n    task: fourier\n    inputs: { model: train, data: data }\n" +
      "    params: { limit: 4, epsilon: 2, max_batch: 8 }\n",
  );
  const messages = errors.map((e) => e.message).sort();
  assertEquals(messages.length, 2);
  assertMatch(
    messages[0],
    /config\.yaml:9:\d+: stages\.fourier\.params\.epsilon: unknown param 'epsilon' of task fourier: renamed to 'eps'/,
  );
  assertMatch(
    messages[1],
    /config\.yaml:9:\d+: stages\.fourier\.params\.max_batch: unknown param 'max_batch' of task fourier: renamed to 'batch_size'/,
  );
});

Deno.test("a renamed key beside a plain unknown one: each gets its own message", async () => {
  const errors = await errorsOf(
    MODELS + "  occlusion:\n    task: occlusion\n    inputs: { model: train, data: data }\n" +
      "    params:\n      target: predicted\n      bootstrp: 10\n",
  );
  const byPath = Object.fromEntries(errors.map((e) => [e.path, e]));
  assertMatch(byPath["stages.occlusion.params.target"].message, /renamed to 'explain_class'/);
  assertEquals(byPath["stages.occlusion.params.target"].location.line, 10);
  assertMatch(byPath["stages.occlusion.params.bootstrp"].message, /unknown key 'bootstrp'/);
  assertEquals(byPath["stages.occlusion.params.bootstrp"].location.line, 11);
});

Deno.test("train's old `batch` is renamed to `batch_size`", async () => {
  const [e] = await errorsOf(
    "name: x\nstages:\n  data: { task: data, params: { dataset: planted } }\n" +
      "  train: { task: train, inputs: { data: data }, params: { batch: 32 } }\n",
  );
  assertEquals(e.path, "stages.train.params.batch");
  assertMatch(e.message, /unknown param 'batch' of task train: renamed to 'batch_size'/);
});

Deno.test("contrast declares its inputs: a misspelled alias is a plan-time error with a did-you-mean", async () => {
  const errors = await errorsOf(
    MODELS + "  occlusion: { task: occlusion, inputs: { model: train, data: data } }\n" +
      "  contrast: { task: contrast, inputs: { efect: occlusion, control: occlusion } }\n",
  );
  const texts = errors.map((e) => e.message).join("\n");
  assertMatch(
    texts,
    /stages\.contrast\.inputs\.efect: task contrast has no input 'efect' \(did you mean 'effect'\?\)/,
  );
});
