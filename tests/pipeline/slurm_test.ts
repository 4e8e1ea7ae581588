/**
 * `run --executor slurm` against a real SLURM (`scripts/slurm_cluster.sh start`; `.ci/run` starts one):
 * one job per instance chained with afterok, the same keys and bytes as a local run, cached instances not
 * submitted, a config edit submitting what a local run would rerun, a job killed by scancel (status says
 * which and why, dependents never run, nothing partial stored, the next run resubmits only what is
 * missing), a failing job stopping its dependents only, and two runs at once submitting each instance once.
 * Skipped, with a message, where no cluster answers (unless FREQLENS_REQUIRE_SLURM=1).
 */
import { join } from "node:path";
import { slurmMissing } from "./slurm_helpers.ts";
import { existsSync } from "node:fs";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, summaryOf, SWEEP_YAML, tempProject, valueOf } from "./helpers.ts";
import { planPipeline } from "../../pipeline/plan.ts";
import { entryState, listFiles, readManifest } from "../../pipeline/store.ts";
import { SlurmMarkers } from "../../pipeline/slurm/markers.ts";

const missing = slurmMissing("slurm_test");

const ENV = { FREQLENS_SLURM_POLL_MS: "500" };
const slurmTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: !!missing, fn, sanitizeResources: false, sanitizeOps: false });

/** Instance → job id from a run's `submitted X as job N` lines. */
function submittedOf(stderr: string): Map<string, string> {
  return new Map([...stderr.matchAll(/^submitted (.+) as job (\d+)/gm)].map((m) => [m[1], m[2]]));
}

/** Every file of every entry: `<key>/<path>` → bytes (as a comparable string). */
function storeBytes(outputs: string): Map<string, string> {
  const out = new Map<string, string>();
  const store = join(outputs, ".store");
  for (const e of Deno.readDirSync(store)) {
    if (e.name.startsWith(".")) continue;
    for (const f of listFiles(join(store, e.name))) {
      if (f === "manifest.json" || f === "log.txt") continue;
      out.set(`${e.name}/${f}`, Array.from(Deno.readFileSync(join(store, e.name, f))).join(","));
    }
  }
  return out;
}

/** Waits until `check` holds, polling; fails after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

slurmTest(
  "slurm: one job per instance with afterok, same keys and bytes as local; cached not resubmitted; an edit submits what local would rerun",
  async () => {
    await using p = await tempProject(SWEEP_YAML);
    const run = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm", "--wait"], ENV);
    assertEquals(run.code, 0, run.stderr);
    assertEquals(summaryOf(run.stdout), { ran: 7, cached: 0, failed: 0, skipped: 0 });
    assertMatch(run.stderr, /^▶ \[7\/7\] all \(job \d+ on \S+\)$/m);
    assertMatch(run.stderr, /^\[all\] summing 3 parts$/m); // the job's output, followed
    const jobs = submittedOf(run.stderr);
    assertEquals(jobs.size, 7);
    assertEquals(new Set(jobs.values()).size, 7);

    const plan = await planPipeline(p.config, { outputs: p.outputs, executor: "slurm" });
    for (const inst of plan.instances) {
      const m = readManifest(plan.layout.entry(inst.key))!;
      assertEquals(m.slurm?.job_id, jobs.get(inst.name), inst.name); // the job that made it
      const sub = new SlurmMarkers(plan.layout, inst.key).submission()!;
      const ups = Object.values(inst.inputs).flat().map((u) => jobs.get(u)!);
      assertEquals(sub.dependencies, ups, `${inst.name} waits for its inputs' jobs`);
    }
    assertEquals(valueOf(p.outputs, "toy", "all"), 100 + 2 + 4 + 6);

    const local = join(p.dir, "local");
    assertEquals((await cli(["run", p.config, "--outputs", local])).code, 0);
    const [a, b] = [storeBytes(p.outputs), storeBytes(local)];
    assertEquals([...a.keys()].sort(), [...b.keys()].sort());
    for (const [k, v] of a) assert(b.get(k) === v, `${k} differs`);

    const again = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm"], ENV);
    assertMatch(again.stdout, /^submitted 0, already queued 0, cached 7/m);

    await Deno.writeTextFile(p.config, (await Deno.readTextFile(p.config)).replace("[1, 2, 3]", "[1, 2, 5]"));
    const dry = await cli(["run", p.config, "--outputs", local, "--dry-run"]);
    const localWould = [...dry.stdout.matchAll(/^would run {2}(\S+)/gm)].map((m) => m[1]).sort();
    const edited = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm", "--wait"], ENV);
    assertEquals(edited.code, 0, edited.stderr);
    assertEquals([...submittedOf(edited.stderr).keys()].sort(), localWould);
    assertEquals(localWould, ["a[value=5]", "all", "b[value=5]"]);
  },
);

slurmTest(
  "slurm: a job killed by scancel while running: status says which and why, dependents never run, nothing partial stored, the next run resubmits only what is missing",
  async () => {
    await using p = await tempProject(SWEEP_YAML);
    const mark = join(p.dir, "hang.pid");
    const env = { ...ENV, TOY_HANG: "a[value=2]", TOY_HANG_MARK: mark };
    const run = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm"], env);
    assertEquals(run.code, 0, run.stderr);
    const jobs = submittedOf(run.stderr);
    await until("a[value=2] to start writing", () => existsSync(mark));
    assertEquals((await new Deno.Command("scancel", { args: [jobs.get("a[value=2]")!] }).output()).code, 0);

    const plan = await planPipeline(p.config, { outputs: p.outputs, executor: "slurm" });
    const status = async () => await cli(["status", p.config, "--outputs", p.outputs, "--executor", "slurm"]);
    let st = await status();
    await until("every job to end", async () => {
      st = await status();
      return !/^(queued|running) /m.test(st.stdout) && /^cached +a\[value=3\]/m.test(st.stdout);
    });
    const line = (name: string) => st.stdout.split("\n").find((l) => l.split(/\s+/)[1] === name) ?? "";
    assertMatch(
      line("a[value=2]"),
      new RegExp(
        `^failed +a\\[value=2\\] +\\(job ${
          jobs.get("a[value=2]")
        } CANCELLED: stopped by SIGTERM while running`,
      ),
    );
    assertMatch(line("a[value=2]"), /log \S+\.out\)$/);
    for (const dep of ["b[value=2]", "all"]) {
      assertMatch(
        line(dep),
        new RegExp(`^failed .*job ${jobs.get(dep)} CANCELLED DependencyNeverSatisfied: never ran`),
      );
      const key = plan.byName.get(dep)!.key;
      assert(!new SlurmMarkers(plan.layout, key).started(jobs.get(dep)!), `${dep} started`);
    }
    for (const ok of ["a[value=1]", "a[value=3]", "b[value=1]", "b[value=3]"]) {
      assertMatch(line(ok), /^cached /);
    }
    for (const gone of ["a[value=2]", "b[value=2]", "all"]) {
      const key = plan.byName.get(gone)!.key;
      assertEquals((await entryState(plan.layout, key)).state, "absent");
      assert(!existsSync(plan.layout.entry(key)), `${gone}: a directory for its key is in the store`);
    }

    const next = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm", "--wait"], ENV);
    assertEquals(next.code, 0, next.stderr);
    assertEquals([...submittedOf(next.stderr).keys()].sort(), ["a[value=2]", "all", "b[value=2]"]);
    assertEquals(summaryOf(next.stdout), { ran: 3, cached: 4, failed: 0, skipped: 0 });
    assertEquals(valueOf(p.outputs, "toy", "all"), 112);
  },
);

slurmTest(
  "slurm --wait: a failing job stops its dependents only, with a local run's summary and exit code",
  async () => {
    await using p = await tempProject(
      "name: f\nstages:\n  bad: {task: fail}\n  after: {task: total, inputs: {parts: bad}}\n" +
        "  fine: {task: emit, params: {value: 4}}\n  after_fine: {task: total, inputs: {parts: fine}}\n",
    );
    const r = await cli(["run", p.config, "--outputs", p.outputs, "--executor", "slurm", "--wait"], ENV);
    assertEquals(r.code, 1, r.stderr);
    assertEquals(summaryOf(r.stdout), { ran: 2, cached: 0, failed: 1, skipped: 1 });
    assertMatch(
      r.stderr,
      /^✗ bad: failed: job \d+ FAILED.*toy failure on purpose; log \S+\/\.failed\/\w+\/log\.txt$/m,
    );
    assertMatch(r.stderr, /^- after: skipped \(bad failed; job \d+ CANCELLED\)$/m);
    const st = await cli(["status", p.config, "--outputs", p.outputs, "--executor", "slurm"]);
    assertMatch(st.stdout, /^failed +bad +\(job \d+ \w+.*: toy failure on purpose; log /m);
    assertMatch(st.stdout, /^2 cached, 0 stale, 0 missing, 2 failed$/m);
  },
);

slurmTest("slurm: two runs started together submit each instance once", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const args = ["run", p.config, "--outputs", p.outputs, "--executor", "slurm"];
  const [r1, r2] = await Promise.all([cli(args, ENV), cli(args, ENV)]);
  assertEquals([r1.code, r2.code], [0, 0], r1.stderr + r2.stderr);
  const [s1, s2] = [submittedOf(r1.stderr), submittedOf(r2.stderr)];
  assertEquals(s1.size + s2.size, 7, `${[...s1.keys()]} / ${[...s2.keys()]}`);
  for (const name of s1.keys()) assert(!s2.has(name), `${name} submitted twice`);
  const second = s1.size === 7 ? r2 : r1;
  const m = second.stdout.match(/^submitted 0, already queued (\d+), cached (\d+)/m);
  assert(m && +m[1] + +m[2] === 7, second.stdout);
  const done = await cli([...args, "--wait"], ENV); // adopts the queued jobs and follows them
  assertEquals(done.code, 0, done.stderr);
  assertEquals(submittedOf(done.stderr).size, 0);
  assertEquals(valueOf(p.outputs, "toy", "all"), 112);
});

slurmTest(
  "slurm: a job the cluster refuses is not submitted, says what was asked and from where; its dependents are not submitted",
  async () => {
    await using p = await tempProject(SWEEP_YAML);
    const args = [
      "run",
      p.config,
      "--outputs",
      p.outputs,
      "--executor",
      "slurm",
      "--set",
      "b.resources.cpus=64",
    ];
    const r = await cli(args, ENV);
    assertEquals(r.code, 1, r.stderr);
    assertMatch(r.stdout, /^submitted 3, already queued 0, cached 0, not submitted 4$/m);
    assertMatch(
      r.stdout,
      /^ {2}failed {3}b\[value=1\]: sbatch failed .*\[asked: cpus=64 from stage b, mem=4G from engine default/m,
    );
    assertMatch(r.stdout, /^ {2}skipped {2}all: b\[value=1\] was not submitted$/m);
    const cancel = await cli(["cancel", p.config, "--outputs", p.outputs], ENV);
    assertMatch(cancel.stdout, /^cancelled [0-3] jobs$/m);
  },
);
