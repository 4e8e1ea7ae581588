/**
 * End-to-end runs of the CLI on toy tasks: caching, selective reruns, failures, crashes, corruption and
 * concurrent runs. Every run goes through `cli run`, which launches one `cli exec` process per instance.
 */
import { join } from "node:path";
import { assert, assertEquals, assertMatch } from "./assert.ts";
import { cli, summaryOf, SWEEP_YAML, tempProject, valueOf } from "./helpers.ts";
import { readManifest } from "../../pipeline/store.ts";

/** Store entry directories (keys) and the mtime of each entry's manifest. */
function storeSnapshot(outputs: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of Deno.readDirSync(join(outputs, ".store"))) {
    if (!e.isDirectory || e.name.startsWith(".")) continue;
    out.set(e.name, Deno.statSync(join(outputs, ".store", e.name, "manifest.json")).mtime!.getTime());
  }
  return out;
}

/** Instances named on the "▶" lines of a run's stderr (those that were launched). */
function launched(stderr: string): string[] {
  return [...stderr.matchAll(/^▶ \[\d+\/\d+\] (\S+) /gm)].map((m) => m[1]).sort();
}

Deno.test("first run computes everything; a second run does no work", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const first = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(first.code, 0, first.stderr);
  assertEquals(summaryOf(first.stdout), { ran: 7, cached: 0, failed: 0, skipped: 0 });
  // a = value * scale(2); b = a; all = 100 + sum
  assertEquals(valueOf(p.outputs, "toy", "a[value=3]"), 6);
  assertEquals(valueOf(p.outputs, "toy", "all"), 112);
  const before = storeSnapshot(p.outputs);
  assertEquals(before.size, 7);
  const second = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(second.code, 0, second.stderr);
  assertEquals(summaryOf(second.stdout), { ran: 0, cached: 7, failed: 0, skipped: 0 });
  assertEquals(launched(second.stderr), []);
  assertEquals(storeSnapshot(p.outputs), before);
  const status = await cli(["status", p.config, "--outputs", p.outputs, "--json"]);
  const st = JSON.parse(status.stdout);
  assertEquals(st.instances.map((i: { state: string }) => i.state), new Array(7).fill("cached"));
});

Deno.test("changing one sweep value reruns only that instance and its dependents", async () => {
  await using p = await tempProject(SWEEP_YAML);
  assertEquals((await cli(["run", p.config, "--outputs", p.outputs])).code, 0);
  await Deno.writeTextFile(p.config, (await Deno.readTextFile(p.config)).replace("[1, 2, 3]", "[1, 2, 5]"));
  const status = await cli(["status", p.config, "--outputs", p.outputs]);
  assertMatch(status.stdout, /missing\s+a\[value=5\]\s+\(never run\)/);
  assertMatch(status.stdout, /stale\s+all\s+\(input 'parts' changed: b\[value=5\]\)/);
  const r = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(launched(r.stderr), ["a[value=5]", "all", "b[value=5]"]);
  assertEquals(summaryOf(r.stdout), { ran: 3, cached: 4, failed: 0, skipped: 0 });
  assertEquals(valueOf(p.outputs, "toy", "all"), 100 + 2 + 4 + 10);
  // --set does the same from the command line, and a param change says which param changed.
  const s2 = await cli(["status", p.config, "--outputs", p.outputs, "--set", "all.offset=0"]);
  assertMatch(s2.stdout, /stale\s+all\s+\(param offset: 100 → 0\)/);
  const r2 = await cli(["run", p.config, "--outputs", p.outputs, "--set", "all.offset=0"]);
  assertEquals(launched(r2.stderr), ["all"]);
  assertEquals(valueOf(p.outputs, "toy", "all"), 16);
});

Deno.test("a failed stage stops its dependents only; the run exits non-zero with a summary", async () => {
  await using p = await tempProject(`name: f
stages:
  ok:
    task: emit
    params: {value: 1}
  bad:
    task: fail
  after_bad:
    task: total
    inputs: {parts: bad}
  after_ok:
    task: total
    inputs: {parts: ok}
`);
  const r = await cli(["run", p.config, "--outputs", p.outputs, "--jobs", "2"]);
  assertEquals(r.code, 1);
  assertEquals(summaryOf(r.stdout), { ran: 2, cached: 0, failed: 1, skipped: 1 });
  assertMatch(r.stdout, /failed\s+bad: .*toy failure on purpose/);
  assertMatch(r.stdout, /skipped\s+after_bad: bad failed/);
  // stages side by side share the cores: their OpenMP threads spin briefly (unless the user who runs the
  // tests chose a wait policy: theirs wins)
  const userChose = Deno.env.get("OMP_WAIT_POLICY") !== undefined ||
    (Deno.env.get("GOMP_SPINCOUNT") !== undefined &&
      Deno.env.get("FREQLENS_GOMP_SPINCOUNT_DEFAULT") === undefined);
  if (!userChose) assertMatch(r.stdout + r.stderr, /ok.*openmp spin 10000/);
  // the failed attempt's log is kept
  const failed = [...Deno.readDirSync(join(p.outputs, ".store", ".failed"))];
  assertEquals(failed.length, 1);
  assertMatch(
    await Deno.readTextFile(join(p.outputs, ".store", ".failed", failed[0].name, "log.txt")),
    /toy failure/,
  );
});

Deno.test("SIGKILL mid-write leaves the store consistent; the next run redoes only that stage", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const mark = join(p.dir, "hanging");
  const env = { TOY_HANG: "a[value=2]", TOY_HANG_MARK: mark };
  const run = cli(["run", p.config, "--outputs", p.outputs], env);
  let pid = 0;
  for (let i = 0; i < 600 && !pid; i++) {
    try {
      pid = Number(await Deno.readTextFile(mark));
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert(pid > 0, "the toy stage never reached its hanging point");
  Deno.kill(pid, "SIGKILL");
  const r = await run;
  assertEquals(r.code, 1);
  assertMatch(r.stdout, /failed\s+a\[value=2\]: killed by SIGKILL/);
  assertEquals(summaryOf(r.stdout), { ran: 4, cached: 0, failed: 1, skipped: 2 });
  // consistent: every entry has a complete manifest, the half-written one is not an entry
  for (const key of storeSnapshot(p.outputs).keys()) {
    assert(readManifest(join(p.outputs, ".store", key)), `${key} has no complete manifest`);
  }
  const again = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(again.code, 0, again.stderr);
  assertEquals(launched(again.stderr), ["a[value=2]", "all", "b[value=2]"]);
  assertEquals(valueOf(p.outputs, "toy", "all"), 112);
  assertEquals([...Deno.readDirSync(join(p.outputs, ".store", ".tmp"))].length, 0);
});

Deno.test("a corrupted output is detected (status warns) and recomputed", async () => {
  await using p = await tempProject(SWEEP_YAML);
  assertEquals((await cli(["run", p.config, "--outputs", p.outputs])).code, 0);
  const file = join(p.outputs, "toy", "b[value=1]", "value.json");
  assertEquals(await Deno.readTextFile(file), '{"value":2}');
  await Deno.writeTextFile(file, '{"value":9}'); // same size: only the hash can tell
  const status = await cli(["status", p.config, "--outputs", p.outputs]);
  assertMatch(status.stdout, /stale\s+b\[value=1\]/);
  assertMatch(status.stdout, /warning: b\[value=1\]: value\.json: content changed \(SHA-256 mismatch\)/);
  const r = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(r.code, 0, r.stderr);
  assertMatch(r.stderr, /warning: b\[value=1\]: value\.json/);
  assertEquals(launched(r.stderr), ["b[value=1]"]);
  assertEquals(valueOf(p.outputs, "toy", "b[value=1]"), 2);
});

Deno.test("two runs at once over the same outputs both succeed and leave one entry per key", async () => {
  await using p = await tempProject(SWEEP_YAML);
  const [r1, r2] = await Promise.all([
    cli(["run", p.config, "--outputs", p.outputs, "--jobs", "2"]),
    cli(["run", p.config, "--outputs", p.outputs, "--jobs", "2"]),
  ]);
  assertEquals([r1.code, r2.code], [0, 0], r1.stderr + r2.stderr);
  const s1 = summaryOf(r1.stdout);
  const s2 = summaryOf(r2.stdout);
  assertEquals(s1.ran + s1.cached, 7);
  assertEquals(s2.ran + s2.cached, 7);
  const keys = storeSnapshot(p.outputs);
  assertEquals(keys.size, 7);
  for (const key of keys.keys()) assert(readManifest(join(p.outputs, ".store", key)));
  assertEquals(valueOf(p.outputs, "toy", "all"), 112);
});

Deno.test("editing a source file a task imports reruns that task and its dependents, nothing else", async () => {
  await using p = await tempProject(SWEEP_YAML.replace("name: toy", "name: toy\ntasks_dir: tasks"));
  // A private copy of the toy tasks and their helper module, so the test can edit them.
  const taskUrl = new URL("../../pipeline/task.ts", import.meta.url).href;
  await Deno.mkdir(join(p.dir, "tasks"));
  await Deno.mkdir(join(p.dir, "lib"));
  for (const name of ["emit", "total", "fail"]) {
    const src = await Deno.readTextFile(new URL(`../fixtures/pipeline/tasks/${name}.ts`, import.meta.url));
    await Deno.writeTextFile(
      join(p.dir, "tasks", `${name}.ts`),
      src.replace("../../../../pipeline/task.ts", taskUrl),
    );
  }
  const arith = join(p.dir, "lib", "arith.ts");
  await Deno.copyFile(new URL("../fixtures/pipeline/lib/arith.ts", import.meta.url), arith);
  assertEquals(summaryOf((await cli(["run", p.config, "--outputs", p.outputs])).stdout).ran, 7);

  // Unrelated edits (another task's file, a note) rerun nothing.
  await Deno.writeTextFile(join(p.dir, "tasks", "fail.ts"), "\n// edited\n", { append: true });
  await Deno.writeTextFile(join(p.dir, "NOTES.md"), "notes\n");
  const same = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(summaryOf(same.stdout), { ran: 0, cached: 7, failed: 0, skipped: 0 });

  // Editing the helper that only `total` imports reruns every total instance, and only those.
  await Deno.writeTextFile(arith, (await Deno.readTextFile(arith)).replace("0);", "0) * 10;"));
  const status = await cli(["status", p.config, "--outputs", p.outputs]);
  assertMatch(status.stdout, /stale\s+b\[value=1\]\s+\(source \S*lib\/arith\.ts changed\)/);
  assertMatch(status.stdout, /cached\s+a\[value=1\]/);
  const r = await cli(["run", p.config, "--outputs", p.outputs]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(launched(r.stderr), ["all", "b[value=1]", "b[value=2]", "b[value=3]"]);
  assertEquals(valueOf(p.outputs, "toy", "all"), 100 + 10 * 10 * (2 + 4 + 6));
});

Deno.test("numeric tasks: backend (through lib/backend) is in the key and the manifest", async () => {
  await using p = await tempProject(
    "name: be\nstages:\n  e:\n    task: backend_echo\n  plain:\n    task: emit\n    params: {value: 1}\n",
  );
  const r = await cli(["run", p.config, "--outputs", p.outputs], { FREQLENS_BACKEND: "cpu" });
  assertEquals(r.code, 0, r.stderr);
  assertEquals(JSON.parse(await Deno.readTextFile(join(p.outputs, "be", "e", "backend.json"))), {
    backend: "cpu",
  });
  const m = readManifest(join(p.outputs, "be", "e"))!;
  assertEquals([m.backend?.name, m.backend?.threads], ["cpu", 1]);
  assertEquals(readManifest(join(p.outputs, "be", "plain"))!.backend, null);
  // Another backend: the numeric stage is stale (and says why), the non-numeric one is not.
  const st = await cli(["status", p.config, "--outputs", p.outputs], { FREQLENS_BACKEND: "wasm" });
  assertMatch(st.stdout, /stale\s+e\s+\(backend cpu×1 \S+ → wasm×\d+ /);
  assertMatch(st.stdout, /cached\s+plain/);
});
