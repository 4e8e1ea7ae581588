/** Config errors: each names file, line, column and key path, with a did-you-mean where one applies. */
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { ConfigError, ConfigErrors } from "../../pipeline/errors.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { loadConfig } from "../../pipeline/config.ts";
import { tempProject } from "./helpers.ts";

/** Plans `yaml` and returns the error it raises. */
async function errorOf(yaml: string, overrides: string[] = []): Promise<ConfigError | ConfigErrors> {
  await using p = await tempProject(yaml);
  const e = await assertRejects(() => planPipeline(p.config, { outputs: p.outputs, overrides }));
  assert(e instanceof ConfigError || e instanceof ConfigErrors, `not a config error: ${e}`);
  return e as ConfigError;
}

Deno.test("bad YAML: error at file:line:col of the syntax error", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1\n") as ConfigError;
  assert(e instanceof ConfigError);
  assertMatch(e.message, /config\.yaml:\d+:\d+: YAML error/);
  assert(e.location.line! >= 6, `line ${e.location.line}`); // tasks_dir is line 1, so the map opens on line 6
});

Deno.test("duplicate stage names: YAML duplicate-key error on the second one", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    task: fail\n  a:\n    task: fail\n") as ConfigError;
  assertMatch(e.message, /config\.yaml:6:3: YAML error: Map keys must be unique/);
});

Deno.test("unknown stage key: position of the key, key path, did-you-mean", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    task: emit\n    parms: {value: 1}\n") as ConfigError;
  assertEquals(e.location.line, 6);
  assertEquals(e.location.col, 5);
  assertEquals(e.path, "stages.a.parms");
  assertMatch(e.message, /unknown key 'parms' \(did you mean 'params'\?\)/);
});

Deno.test("unknown top-level key: did-you-mean", async () => {
  const e = await errorOf("name: x\nsed: 3\nstages:\n  a: {task: fail}\n") as ConfigError;
  assertEquals([e.location.line, e.location.col, e.path], [3, 1, "sed"]);
  assertMatch(e.message, /did you mean 'seed'/);
});

Deno.test("unknown task param (task's zod schema): located in params, did-you-mean from the schema", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1, scael: 2}\n",
  ) as ConfigError;
  assertEquals([e.location.line, e.location.col], [6, 24]);
  assertEquals(e.path, "stages.a.params.scael");
  assertMatch(e.message, /did you mean 'scale'/);
});

Deno.test("wrong param type from a sweep value: located at that sweep element", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    sweep:\n      value: [1, oops]\n",
  ) as ConfigError;
  assertEquals([e.location.line, e.location.col], [7, 18]);
  assertMatch(e.message, /expected number.*instance a\[value=oops\]/);
});

Deno.test("param error from defaults: located in defaults", async () => {
  const e = await errorOf(
    "name: x\ndefaults:\n  emit: {scale: big}\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n",
  ) as ConfigError;
  assertEquals([e.location.line, e.location.col], [4, 17]);
});

Deno.test("missing input (dangling stage name): located at the input, did-you-mean", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  base:\n    task: emit\n    params: {value: 1}\n  s:\n    task: total\n    inputs:\n      parts: bsae\n",
  ) as ConfigError;
  assertEquals([e.location.line, e.location.col, e.path], [10, 14, "stages.s.inputs.parts"]);
  assertMatch(e.message, /stage 'bsae', which does not exist \(did you mean 'base'\?\)/);
});

Deno.test("cycle: names the cycle, located at the input that closes it", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  a:\n    task: total\n    inputs: {parts: c}\n  b:\n    task: total\n    inputs: {parts: a}\n  c:\n    task: total\n    inputs: {parts: {stage: b, gather: true}}\n",
  ) as ConfigError;
  assertMatch(e.message, /cycle: (a → c → b → a|b → a → c → b|c → b → a → c)/);
  assert(e.location.line !== undefined);
});

Deno.test("self-input is a cycle", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    task: total\n    inputs: {parts: a}\n") as ConfigError;
  assertMatch(e.message, /config\.yaml:6:21: stages\.a\.inputs\.parts: cycle: a → a/);
});

Deno.test("unknown task kind: did-you-mean among the task directories' kinds", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    task: emitt\n") as ConfigError;
  assertEquals([e.location.line, e.location.col, e.path], [5, 11, "stages.a.task"]);
  assertMatch(e.message, /unknown task kind 'emitt' \(did you mean 'emit'\?\)/);
});

Deno.test("duplicate sweep value: duplicate instance error", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    sweep: {value: [1, 1]}\n",
  ) as ConfigError;
  assertMatch(e.message, /duplicate instance 'a\[value=1\]'/);
});

Deno.test("a param both in params and sweep is an error", async () => {
  const e = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n    sweep: {value: [2]}\n",
  ) as ConfigError;
  assertMatch(e.message, /'value' is both in params and in sweep/);
});

Deno.test("several schema errors are all reported", async () => {
  const e = await errorOf("name: x\nstages:\n  a:\n    tsk: emit\n    parms: {}\n");
  assert(e instanceof ConfigErrors);
  assertMatch(e.message, /'tsk' \(did you mean 'task'\?\)/);
  assertMatch(e.message, /'parms' \(did you mean 'params'\?\)/);
});

Deno.test("--set: stage params, swept keys and top-level paths; errors point at the override", async () => {
  await using p = await tempProject(
    "name: x\nseed: 1\nstages:\n  a:\n    task: emit\n    sweep: {value: [1, 2]}\n    params: {scale: 3}\n",
  );
  const c = loadConfig(p.config, { overrides: ["a.scale=5", "a.value=[7, 8, 9]", "seed=4"] });
  assertEquals(c.seed, 4);
  assertEquals(c.stages[0].params, { scale: 5 });
  assertEquals(c.stages[0].sweep, { value: [7, 8, 9] });
  const one = loadConfig(p.config, { overrides: ["a.value=7"] });
  assertEquals(one.stages[0].sweep, { value: [7] });
  const e = await assertRejects(() =>
    planPipeline(p.config, { outputs: p.outputs, overrides: ["a.scale=big"] })
  );
  assertMatch(
    (e as Error).message,
    /config\.yaml \(from --set a\.scale=big\): stages\.a\.params\.scale: .*expected number/,
  );
  const e2 = await assertRejects(() => planPipeline(p.config, { outputs: p.outputs, overrides: ["b.x=1"] }));
  assertMatch((e2 as Error).message, /no stage or top-level key 'b'/);
});

Deno.test("inputs a task declares: unknown alias (did-you-mean), missing input, gather on a one-instance input", async () => {
  const unknown = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n  s:\n    task: total\n    inputs: {prats: a}\n",
  );
  assertMatch(
    unknown.message,
    /config\.yaml:9:14: stages\.s\.inputs\.prats: task total has no input 'prats' \(did you mean 'parts'\?\)/,
  );
  assertMatch(
    unknown.message,
    /stage 's' \(task total\) needs input 'parts': stages whose value\.json is summed/,
  );
  const gather = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n  s:\n    task: total\n    inputs:\n      parts: a\n      more: {stage: a, gather: true}\n",
  ) as ConfigError;
  assertMatch(
    gather.message,
    /config\.yaml:11:13: stages\.s\.inputs\.more: input 'more' of task total takes exactly one instance/,
  );
});

Deno.test("long-form input with an unknown key, a bad stage name, a scalar sweep: located, explained", async () => {
  const input = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    inputs: {x: {stag: b}}\n",
  ) as ConfigError;
  assertEquals([input.location.line, input.location.col, input.path], [6, 18, "stages.a.inputs.x.stag"]);
  assertMatch(input.message, /unknown key 'stag' \(did you mean 'stage'\?\)/);
  const name = await errorOf('name: x\nstages:\n  "a b":\n    task: emit\n') as ConfigError;
  assertEquals([name.location.line, name.location.col], [4, 3]);
  assertMatch(name.message, /invalid name 'a b'/);
  const sweep = await errorOf(
    "name: x\nstages:\n  a:\n    task: emit\n    sweep: {value: 3}\n",
  ) as ConfigError;
  assertMatch(sweep.message, /config\.yaml:6:20: stages\.a\.sweep\.value: a sweep lists values/);
});
