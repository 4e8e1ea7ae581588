/**
 * `resources:` (what a SLURM job asks for): validated at plan time with file:line:col, merged weakest-first
 * from engine, task kind, config, config per kind and stage; the job script quotes every value so bash reads
 * back exactly the instance names and paths (no cluster needed here).
 */
import fc from "fast-check";
import { assert, assertEquals, assertMatch, assertRejects } from "./assert.ts";
import { ConfigError } from "../../pipeline/errors.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { ENGINE_RESOURCES, resolveResources, sbatchResourceOptions } from "../../pipeline/resources.ts";
import { shellQuote } from "../../pipeline/slurm/shell.ts";
import { jobScript } from "../../pipeline/slurm/jobscript.ts";
import { SlurmMarkers } from "../../pipeline/slurm/markers.ts";
import { cli, tempProject } from "./helpers.ts";
import { readManifest } from "../../pipeline/store.ts";
import { collectGarbage } from "../../pipeline/gc.ts";
import { join } from "node:path";

async function errorOf(yaml: string, overrides: string[] = []): Promise<ConfigError> {
  await using p = await tempProject(yaml);
  const e = await assertRejects(() => planPipeline(p.config, { outputs: p.outputs, overrides }));
  assert(e instanceof ConfigError, `not one config error: ${e}`);
  return e as ConfigError;
}

Deno.test("resources: bad values and unknown keys are config errors at file:line:col", async () => {
  const stage = "name: x\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n";
  let e = await errorOf(`${stage}    resources: {cpus: 0}\n`);
  assertEquals([e.location.line, e.location.col, e.path], [7, 23, "stages.a.resources.cpus"]);
  assertMatch(e.message, /at least 1/);
  e = await errorOf(`${stage}    resources: {mem: 4GB}\n`);
  assertEquals([e.location.line, e.path], [7, "stages.a.resources.mem"]);
  assertMatch(e.message, /a size such as 4G/);
  e = await errorOf(`${stage}    resources: {time: "2 hours"}\n`);
  assertMatch(e.message, /SLURM time limit/);
  e = await errorOf(`${stage}    resources: {cpu: 2}\n`);
  assertEquals([e.location.line, e.location.col, e.path], [7, 17, "stages.a.resources.cpu"]);
  assertMatch(e.message, /unknown key 'cpu' \(did you mean 'cpus'\?\)/);
  e = await errorOf(`${stage}    resources: {extra: ["--dependency=afterany:1"]}\n`);
  assertMatch(e.message, /freqlens sets --dependency/);
  e = await errorOf(`${stage}    resources: {partition: "gpu; rm -rf /"}\n`);
  assertMatch(e.message, /partition: letters/);
  e = await errorOf(`name: x\nresources:\n  by_task:\n    emitt: {cpus: 2}\n${stage.slice(8)}`);
  assertEquals([e.location.line, e.path], [5, "resources.by_task.emitt"]);
  assertMatch(e.message, /unknown task kind 'emitt' \(did you mean 'emit'\?\)/);
  e = await errorOf(stage, ["a.resources.cpus=-1"]);
  assertEquals(e.location.override, "a.resources.cpus=-1");
});

Deno.test("resources: stage over config per kind over config over task kind over engine, with origins", () => {
  const r = resolveResources(
    "train",
    "fit",
    { time: "1-00:00:00", mem: "8G", cpus: 4 },
    { cpus: 2, partition: "cpu", by_task: { train: { partition: "long" }, attack: { cpus: 9 } } },
    { gres: "gpu:1" },
  );
  assertEquals(
    { cpus: r.cpus, mem: r.mem, time: r.time, partition: r.partition, gres: r.gres, extra: r.extra },
    { cpus: 2, mem: "8G", time: "1-00:00:00", partition: "long", gres: "gpu:1", extra: [] },
  );
  assertEquals(r.from, {
    cpus: "config resources",
    mem: "task train",
    time: "task train",
    partition: "config resources.by_task.train",
    gres: "stage fit",
  });
  const d = resolveResources("report", "r", undefined, {}, {});
  assertEquals([d.cpus, d.mem, d.time], [ENGINE_RESOURCES.cpus, ENGINE_RESOURCES.mem, ENGINE_RESOURCES.time]);
  assertEquals(sbatchResourceOptions({ ...r, extra: ["--qos=long"] }), [
    "--cpus-per-task=2",
    "--mem=8G",
    "--time=1-00:00:00",
    "--partition=long",
    "--gres=gpu:1",
    "--qos=long",
  ]);
});

Deno.test("resources: YAML numbers for mem (megabytes) and time (minutes); --set on a stage's resources", async () => {
  await using p = await tempProject(
    "name: x\nresources: {mem: 500, time: 90}\nstages:\n  a:\n    task: emit\n    params: {value: 1}\n",
  );
  const plan = await planPipeline(p.config, { outputs: p.outputs, overrides: ["a.resources.cpus=3"] });
  const r = plan.instances[0].resources;
  assertEquals([r.mem, r.time, r.cpus, r.from.cpus], ["500M", "90", 3, "stage a"]);
});

/** What bash prints for `printf %s <quoted>`. */
async function bashReads(quoted: string): Promise<string> {
  const out = await new Deno.Command("bash", { args: ["-c", `printf %s ${quoted}`] }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("shellQuote: bash reads back exactly the string (brackets, quotes, commas, $, newlines)", async () => {
  for (const s of ["attack[method=pgd,eps=0.03]", "it's", 'a "b" $HOME `x` \\n', "x\ny", "-n", "*", ""]) {
    assertEquals(await bashReads(shellQuote(s)), s, s);
  }
  await fc.assert(
    fc.asyncProperty(
      fc.string({ unit: "binary", maxLength: 20 }).filter((s) => !s.includes("\0")),
      async (s) => {
        assertEquals(await bashReads(shellQuote(s)), s);
      },
    ),
    { numRuns: 40 },
  );
});

Deno.test("job script: the instance name and overrides with brackets, quotes and commas reach `cli exec` intact", async () => {
  await using p = await tempProject(
    `name: x\nstages:\n  v:\n    task: read_file\n    sweep: {file: [FILE]}\n`,
  );
  // read_file's `file` is an external path: it must exist at plan time.
  const file = join(p.dir, `it's a "x", [y]`);
  await Deno.writeTextFile(file, "x");
  await Deno.writeTextFile(
    p.config,
    (await Deno.readTextFile(p.config)).replace("FILE", JSON.stringify(file)),
  );
  const plan = await planPipeline(p.config, { outputs: p.outputs });
  const inst = plan.instances[0];
  const name = inst.name;
  assert(/^v\[file=[A-Za-z0-9._-]+\]$/.test(name), name); // the path's quotes, spaces, brackets: hashed form
  assert(/\[.*'.*".*,.*\]/.test(inst.legacyName), inst.legacyName);
  const override = `v.file=${file}`;
  const script = jobScript(plan, inst, new SlurmMarkers(plan.layout, inst.key), {
    overrides: [override, "v.file=a,b"],
  });
  // Replace the deno binary by a printer of its argv, then run the script's exec line under bash.
  const line = script.split("\n").find((l) => l.includes(" exec "))!;
  const printer = `printf '%s\\n' ${line.slice(line.indexOf(" ") + 1)}`;
  const out = await new Deno.Command("bash", { args: ["-c", printer] }).output();
  const argv = new TextDecoder().decode(out.stdout).split("\n");
  assertEquals(argv.slice(5, 9), ["exec", plan.config.file, name, "--executor"]);
  assert(argv.includes(override) && argv.includes("v.file=a,b") && argv.includes(inst.key), argv.join(" | "));
  assertEquals((await new Deno.Command("bash", { args: ["-n", "-c", script] }).output()).code, 0);
});

Deno.test("--executor slurm: a numeric key holds resources.cpus threads, as a job with that allocation computes it; gc keeps it", async () => {
  await using p = await tempProject(
    "name: th\nbackend: wasm\nresources: {cpus: 3}\nstages:\n  e:\n    task: backend_echo\n",
  );
  const plan = await planPipeline(p.config, { outputs: p.outputs, executor: "slurm" });
  const inst = plan.instances[0];
  const job = { OMP_NUM_THREADS: "3", SLURM_JOB_ID: "4242", SLURM_CPUS_PER_TASK: "3", SLURMD_NODENAME: "n7" };
  const args = [
    "exec",
    p.config,
    "e",
    "--outputs",
    p.outputs,
    "--executor",
    "slurm",
    "--expect-key",
    inst.key,
  ];
  const r = await cli(args, job);
  assertEquals(r.code, 0, r.stderr);
  const m = readManifest(plan.layout.entry(inst.key))!;
  assertEquals(m.backend, inst.components.backend); // what the job ran is what the key says
  assertEquals(m.slurm, { job_id: "4242", node: "n7", cpus: 3 });
  const local = await planPipeline(p.config, { outputs: p.outputs });
  if (inst.components.backend!.threads === 3) {
    // oneDNN's pool follows OMP_NUM_THREADS: the local key (threads = cores) differs unless there are 3 cores
    assertEquals(local.instances[0].key === inst.key, local.instances[0].components.backend!.threads === 3);
  }
  if (local.instances[0].key !== inst.key) {
    const before = await collectGarbage(p.dir, p.outputs, true); // a store the slurm executor never used
    assert(before.removed.includes(plan.layout.entry(inst.key)), "control: gc would remove it");
  }
  Deno.mkdirSync(join(p.outputs, ".store", ".slurm"), { recursive: true }); // as a slurm run leaves it
  const gc = await collectGarbage(p.dir, p.outputs, true);
  assert(!gc.removed.includes(plan.layout.entry(inst.key)), gc.removed.join(", "));
});
