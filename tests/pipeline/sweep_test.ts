/** `--sweep stage.key=[…]`: the same instances, params and cache keys as the same `sweep:` in the YAML. */
import { join } from "node:path";
import { assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { cli, summaryOf, SWEEP_YAML, tempProject } from "./helpers.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { sweepOverride } from "../../pipeline/sweep.ts";

/** SWEEP_YAML with `a` not swept: `value` is a plain param (what `--sweep` starts from). */
const UNSWEPT_YAML = SWEEP_YAML.replace("    sweep:\n      value: [1, 2, 3]", "    params: {value: 5}");

const keysOf = (plan: Awaited<ReturnType<typeof planPipeline>>) =>
  plan.instances.map((i) => [i.name, i.key, JSON.stringify(i.params)]);

Deno.test("--sweep fans a stage out exactly as the YAML sweep: same names, params, keys (downstream too)", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const unswept = join(p.dir, "unswept.yaml");
  await Deno.writeTextFile(unswept, (await Deno.readTextFile(p.config)).replace(SWEEP_YAML, UNSWEPT_YAML));
  const fromYaml = await planPipeline(p.config, { outputs: p.outputs });
  const fromCli = await planPipeline(unswept, {
    outputs: p.outputs,
    overrides: [sweepOverride("a.value=[1, 2, 3]", unswept)],
  });
  assertEquals(keysOf(fromCli), keysOf(fromYaml));
  assertEquals(fromYaml.instances.length, 7);
  // Without the sweep the stage is one instance with value 5: a different plan.
  const plain = await planPipeline(unswept, { outputs: p.outputs });
  assertEquals(plain.instances.map((i) => i.name), ["a", "b", "all"]);
});

Deno.test("cli: a --sweep run, then the same sweep written in the YAML runs nothing new", async () => {
  await using p = await tempProject(UNSWEPT_YAML);
  const first = await cli(["run", p.config, "--outputs", p.outputs, "--sweep", "a.value=[1,2,3]"]);
  assertEquals(first.code, 0, first.stderr);
  assertEquals(summaryOf(first.stdout).ran, 7);
  const swept = (await Deno.readTextFile(p.config)).replace(
    "    params: {value: 5}",
    "    sweep: {value: [1, 2, 3]}",
  );
  await Deno.writeTextFile(p.config, swept);
  const second = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(summaryOf(second.stdout), { ran: 0, cached: 7, failed: 0, skipped: 0 });
});

Deno.test("--sweep errors: not a list, unknown stage (did-you-mean), deeper path; --set list hints --sweep", async () => {
  await using p = await tempProject(UNSWEPT_YAML);
  const scalar = await cli(["dag", p.config, "--outputs", p.outputs, "--sweep", "a.value=3"]);
  assertEquals(scalar.code, 2);
  assertMatch(scalar.stderr, /\(from --set --sweep a\.value=3\): a\.value: --sweep expects a non-empty list/);
  const deep = await cli(["dag", p.config, "--outputs", p.outputs, "--sweep", "a.value.x=[1]"]);
  assertMatch(deep.stderr, /--sweep expects stage\.param=\[v1, v2, …\]/);
  const stage = await cli(["dag", p.config, "--outputs", p.outputs, "--sweep", "aa.value=[1,2]"]);
  assertEquals(stage.code, 2);
  assertMatch(stage.stderr, /no stage 'aa' \(did you mean 'a'\?\)/);
  const e = await assertRejects(() =>
    planPipeline(p.config, { outputs: p.outputs, overrides: ["a.value=[1,2]"] })
  );
  assertMatch(
    (e as Error).message,
    /\(from --set a\.value=\[1,2\]\): stages\.a\.params\.value: .*received array; .*use --sweep a\.value=\[1,2\]/,
  );
});
