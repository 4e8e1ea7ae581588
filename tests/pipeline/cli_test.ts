/** The CLI's other commands: --help everywhere, dag, show, --dry-run, --only, --force, exec, gc. */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, summaryOf, SWEEP_YAML, tempProject, TOY_TASKS } from "./helpers.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { dagMermaid, dagText } from "../../pipeline/dag.ts";
import { runPipeline } from "../../pipeline/scheduler.ts";
import { readManifest, viewKey } from "../../pipeline/store.ts";

const quiet = { say: () => {} };

Deno.test("--help works on every command", async () => {
  for (const cmd of ["run", "status", "dag", "show", "gc", "exec"]) {
    const r = await cli([cmd, "--help"]);
    assertEquals(r.code, 0, `${cmd}: ${r.stderr}`);
    assertMatch(r.stdout, new RegExp(`^Usage: freqlens ${cmd} `));
  }
  const top = await cli(["--help"]);
  assertMatch(top.stdout, /run \[options\] <config>[\s\S]*gc \[options\]/);
});

Deno.test("dag: text lists stages, instances and inputs; mermaid has one edge per input", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const plan = await planPipeline(p.config, { outputs: p.outputs });
  const text = dagText(plan);
  assertMatch(text, /^b {2}\[task total: toy: sums its inputs\] {2}← parts: a$/m);
  assertMatch(text, /^ {2}all {2}← parts=b\[value=1\] \+ b\[value=2\] \+ b\[value=3\]$/m);
  const mermaid = dagMermaid(plan).split("\n");
  assertEquals(mermaid[0], "flowchart LR");
  assertEquals(mermaid.filter((l) => l.includes("-->")).length, 6);
  const cliOut = await cli(["dag", p.config, "--mermaid", "--outputs", p.outputs]);
  assertEquals(cliOut.stdout.trim(), dagMermaid(plan));
});

Deno.test("--dry-run runs nothing; --only runs a stage and what it needs; --force reruns", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const dry = await runPipeline(p.config, { outputs: p.outputs, dryRun: true, ...quiet });
  assertEquals(dry.wouldRun.length, 7);
  assertEquals(dry.wouldRun[0].reasons, ["never run"]);
  let storeExists = true;
  try {
    Deno.statSync(join(p.outputs, ".store"));
  } catch {
    storeExists = false;
  }
  assertEquals(storeExists, false);

  const only = await runPipeline(p.config, { outputs: p.outputs, only: ["b[value=2]"], ...quiet });
  assertEquals(only.ran.sort(), ["a[value=2]", "b[value=2]"]);

  const plan = await planPipeline(p.config, { outputs: p.outputs });
  const key = plan.byName.get("a[value=2]")!.key;
  const before = readManifest(plan.layout.entry(key))!.start;
  const forced = await runPipeline(p.config, {
    outputs: p.outputs,
    only: ["a"],
    force: ["a[value=2]"],
    ...quiet,
  });
  assertEquals(forced.ran.sort(), ["a[value=1]", "a[value=3]", "a[value=2]"].sort());
  assert(readManifest(plan.layout.entry(key))!.start > before, "forced entry was not rewritten");

  const bad = await cli(["run", p.config, "--outputs", p.outputs, "--only", "bb"]);
  assertEquals(bad.code, 1);
  assertMatch(bad.stderr, /--only bb: no such stage or instance \(did you mean 'b'\?\)/);
});

Deno.test("show: entry path, params, inputs and files; status --json; exec without inputs fails clearly", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const e = await cli(["exec", p.config, "b[value=1]", "--outputs", p.outputs]);
  assertEquals(e.code, 1);
  assertMatch(
    e.stderr,
    /input 'parts' = a\[value=1\] \(key [0-9a-f]{32}\) is not in the store; run it first/,
  );
  const ex = await cli(["exec", p.config, "a[value=1]", "--outputs", p.outputs]);
  assertEquals(ex.code, 0, ex.stderr);
  const show = await cli(["show", p.config, "a", "--outputs", p.outputs], {}, p.dir);
  assertMatch(show.stdout, /^a\[value=1\]\n {2}task: {5}emit /);
  assertMatch(show.stdout, /state: {4}cached/);
  assertMatch(show.stdout, /entry: {4}outputs\/\.store\/[0-9a-f]{32}/);
  assertMatch(show.stdout, /sub\/bytes\.bin {2}1\.0 KiB {2}sha256:[0-9a-f]{16}/);
  assertMatch(show.stdout, /a\[value=2\]\n[\s\S]*state: {4}missing \(never run\)/);
  const st = JSON.parse((await cli(["status", p.config, "--json", "--outputs", p.outputs])).stdout);
  assertEquals(st.config, "toy");
  assertEquals(st.instances.filter((i: { state: string }) => i.state === "cached").length, 1);
});

Deno.test("gc removes entries no config reaches (and their views), keeps the rest; --dry-run deletes nothing", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const configs = join(p.dir, "configs");
  await Deno.mkdir(configs);
  const cfg = join(configs, "toy.yaml");
  await Deno.copyFile(p.config, cfg);
  assertEquals(summaryOf((await cli(["run", cfg, "--outputs", p.outputs])).stdout).ran, 7);
  // Narrow the sweep: a[value=3], b[value=3] become unreachable; `all` changes key (new entry, old one unreachable).
  await Deno.writeTextFile(cfg, (await Deno.readTextFile(cfg)).replace("[1, 2, 3]", "[1, 2]"));
  assertEquals(summaryOf((await cli(["run", cfg, "--outputs", p.outputs])).stdout).ran, 1);
  const count = () =>
    [...Deno.readDirSync(join(p.outputs, ".store"))].filter((e) => !e.name.startsWith(".")).length;
  assertEquals(count(), 8);
  const leftover = join(p.outputs, ".store", ".tmp", `${"0".repeat(32)}.999999999`); // a dead writer's
  await Deno.mkdir(leftover, { recursive: true });
  const dry = await cli(["gc", "--dry-run", "--configs", configs, "--outputs", p.outputs]);
  assertEquals(dry.code, 0, dry.stderr);
  assertMatch(dry.stdout, /1 configs reach 5 entries; would free/);
  assertEquals(count(), 8);
  const gc = await cli(["gc", "--configs", configs, "--outputs", p.outputs], {}, p.dir);
  assertEquals(gc.code, 0, gc.stderr);
  assertEquals(count(), 5);
  assertMatch(gc.stdout, /removed outputs\/\.store\/\.tmp\/0{32}\.999999999/);
  const plan = await planPipeline(cfg, { outputs: p.outputs });
  for (const inst of plan.instances) assert(readManifest(plan.layout.entry(inst.key)), inst.name);
  assertEquals(viewKey(plan.layout, "toy", "a[value=3]"), undefined); // view of a removed entry removed
  const empty = await cli(["gc", "--configs", join(p.dir, "nothing"), "--outputs", p.outputs]);
  assertEquals(empty.code, 1);
});

Deno.test("config errors reach the user as `error: file:line:col: path: message` with exit code 2", async () => {
  await using p = await tempProject("name: x\nstages:\n  a:\n    task: emit\n    parms: {value: 1}\n");
  const r = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(r.code, 2);
  assertEquals(
    r.stderr.trim(),
    `error: ${p.config}:6:5: stages.a.parms: unknown key 'parms' (did you mean 'params'?); ` +
      "expected one of: task, params, inputs, sweep, resources",
  );
});

Deno.test("FREQLENS_TASKS_DIR registers extra task directories", async () => {
  await using p = await tempProject(
    "tasks_dir: []\nname: x\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n",
  );
  const without = await cli(["dag", p.config, "--outputs", p.outputs]);
  assertEquals(without.code, 2);
  assertMatch(without.stderr, /unknown task kind 'emit'/);
  const withEnv = await cli(["dag", p.config, "--outputs", p.outputs], { FREQLENS_TASKS_DIR: TOY_TASKS });
  assertEquals(withEnv.code, 0, withEnv.stderr);
  assertMatch(withEnv.stdout, /^a {2}\[task emit: toy: emits value \* scale\]$/m);
});
